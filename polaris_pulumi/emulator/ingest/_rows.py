"""The tables' rows, in DuckDB: one database file beside the emulator's SQLite store (in memory
for an in-memory emulator). A Polaris table is a DuckDB table of its own (`storage`: DuckDB
folds identifiers that differ only in case, Druid does not); its declared columns come first,
and a flexible table gains the columns its jobs bring. The engine's own bookkeeping (read
positions, job totals, pending rollups) lives in the `polaris_meta` schema of the same
database, so that it commits with the rows (`_checkpoint`).

The database never reads or writes a file but its own (`enable_external_access` off), since the
query API hands it user SQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from polaris_pulumi.tables._model import TableSpec

# Polaris data types as DuckDB stores them. A pair (longStringPair: LATEST/EARLIEST) keeps
# the value's time; a sketch keeps the distinct values it counts (exact, not approximate).
PAIR = "STRUCT(t TIMESTAMP, v VARCHAR)"
SET = "VARCHAR[]"
DUCK_TYPES = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "long": "BIGINT",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "timestamp": "TIMESTAMP",
    "json": "JSON",
    "complex<json>": "JSON",
    "stringArray": "VARCHAR[]",
    "longArray": "BIGINT[]",
    "doubleArray": "DOUBLE[]",
    "floatArray": "FLOAT[]",
    "longStringPair": PAIR,
    "HLLSketch": SET,
    "thetaSketch": SET,
}
_POLARIS_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "long",
    "INTEGER": "long",
    "HUGEINT": "long",
    "SMALLINT": "long",
    "TINYINT": "long",
    "BOOLEAN": "long",
    "DOUBLE": "double",
    "FLOAT": "float",
    "TIMESTAMP": "timestamp",
    "JSON": "json",
    "VARCHAR[]": "stringArray",
    "BIGINT[]": "longArray",
    "DOUBLE[]": "doubleArray",
}


def duck_type(data_type: str) -> str:
    """The DuckDB type that holds a Polaris data type (a type the local engine has no
    counterpart for, such as `geo` or `variance`, is kept as JSON)."""
    return DUCK_TYPES.get(data_type, "JSON")


def polaris_type(duck: str) -> str:
    if duck.startswith("DECIMAL"):
        return "double"
    if duck.startswith("STRUCT"):
        return "longStringPair"
    return _POLARIS_TYPES.get(duck, "json")


_ARRAYS = frozenset(t for t in DUCK_TYPES if t.endswith("Array"))  # the array data types


def state_of(duck: str, declared: str | None = None) -> str | None:
    """Which aggregate state a column of this DuckDB type holds, if any: a list is a sketch's
    set unless the table declares it an array."""
    if duck.startswith("STRUCT(t TIMESTAMP"):
        return "pair"
    if duck.endswith("[]") and declared not in _ARRAYS:
        return "set"
    return None


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def storage(table: str) -> str:
    """The DuckDB table that holds a Polaris table's rows: its name when no other name can fold
    onto it (all lower case, no `^`), else the lower-cased name and a digest of the real one,
    so that `Case` and `cASE` are two tables."""
    if table == table.lower() and "^" not in table:
        return table
    return f"{table.lower()}^{hashlib.sha256(table.encode()).hexdigest()[:12]}"


META = "polaris_meta"  # the engine's bookkeeping; the query API never reads it
_META_TABLES = {
    "offsets": "table_name VARCHAR, topic VARCHAR, part INTEGER, next_offset BIGINT",
    "totals": "job_id VARCHAR, totals JSON",
    "resets": "job_id VARCHAR, reset_at VARCHAR",
    "rollups": "table_name VARCHAR, merged BIGINT, pending BIGINT, combine JSON",
    "pushed": "connection VARCHAR, seq BIGINT, payload BLOB, received_ms BIGINT",
    "job_logs": "job_id VARCHAR, n BIGINT, logged_at DOUBLE, health_status VARCHAR, code VARCHAR, "
    "message VARCHAR",
}


@dataclass(frozen=True)
class Stats:
    """What a table holds: its rows, their size, and its columns with their DuckDB types."""

    rows: int
    size_bytes: int
    columns: dict[str, str]


def _memory_limit() -> str:
    """What the engine may hold, all queries and writes together: a quarter of the machine's
    memory, at most 4 GB (DuckDB's own default is 80%, enough for one query to starve the
    machine)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 16 * 2**30
    return f"{max(256, min(4096, total // 4 // 2**20))}MB"


class Rows:
    """One DuckDB database; writes are serialised, reads run on their own cursors."""

    def __init__(self, path: str) -> None:
        self.db = duckdb.connect(path)
        self.db.execute(
            # Druid's `/` divides longs as longs.
            "SET GLOBAL TimeZone = 'UTC'; SET GLOBAL threads = 2; SET GLOBAL integer_division = true; "
            f"SET GLOBAL memory_limit = '{_memory_limit()}'; "
            "SET GLOBAL enable_external_access = false; SET GLOBAL lock_configuration = true; "
            f"CREATE SCHEMA IF NOT EXISTS {META}; "
            + "; ".join(
                f"CREATE TABLE IF NOT EXISTS {META}.{name} ({body})"
                for name, body in _META_TABLES.items()
            )
        )
        self.lock = threading.RLock()
        # Bumped by every write: what `ready` found stays true until the next one.
        self.version = 0
        self._ready: dict[str, tuple[int, tuple[tuple[str, str], ...], dict[str, str]]] = {}

    @classmethod
    def beside(cls, store_path: str) -> Rows:
        if store_path == ":memory:":
            return cls(":memory:")
        return cls(str(Path(store_path).with_suffix(".duckdb")))

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self.db.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor in a transaction, one writer at a time."""
        with self.lock, self.cursor() as cur:
            cur.begin()
            try:
                yield cur
            except BaseException:
                cur.rollback()
                raise
            cur.commit()
            self.version += 1

    def columns(self, name: str, cur: duckdb.DuckDBPyConnection | None = None) -> dict[str, str]:
        """A Polaris table's columns and their DuckDB types, in order ({} if it has no rows
        yet)."""
        sql = (
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE table_name = ? AND schema_name = 'main' AND NOT internal "
            "ORDER BY column_index"
        )
        if cur is None:
            with self.cursor() as own:
                return self.columns(name, own)
        return dict(cur.execute(sql, [storage(name)]).fetchall())

    def ensure(self, table: TableSpec, cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """The table, created with its declared columns if it is new; its columns."""
        have = self.columns(table.name, cur)
        declared = {c.name: duck_type(c.data_type) for c in table.schema_ or []}
        declared.setdefault("__time", "TIMESTAMP")
        if not have:
            body = ", ".join(f"{quote(n)} {t}" for n, t in declared.items())
            cur.execute(f"CREATE TABLE {quote(storage(table.name))} ({body})")
        elif missing := {n: t for n, t in declared.items() if n not in have}:
            for n, t in missing.items():  # a column declared since (PUT)
                cur.execute(f"ALTER TABLE {quote(storage(table.name))} ADD COLUMN {quote(n)} {t}")
        else:
            return have
        return self.columns(table.name, cur)

    def ready(self, table: TableSpec) -> dict[str, str]:
        """The table ready to be read: created with its declared columns, its pending rollup
        merged; its columns. Done in a write only when a write came since it was last done
        (a query's own cost, otherwise, would be a write transaction per table it names)."""
        declared = tuple((c.name, c.data_type) for c in table.schema_ or [])
        with self.lock:
            seen = self._ready.get(table.name)
            if seen is not None and seen[0] == self.version and seen[1] == declared:
                return seen[2]
            with self.writing() as cur:
                columns = self.ensure(table, cur)
                self.merge(cur, table.name, at_least=1)
            self._ready[table.name] = (self.version, declared, columns)
            return columns

    def drop(self, name: str) -> None:
        """The table's rows and what the engine kept for it (its read positions, its pending
        rollup), at once: a table made again with the name starts empty, from `readFromPoint`."""
        with self.writing() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {quote(storage(name))}")
            for meta in ("offsets", "rollups"):
                cur.execute(f"DELETE FROM {META}.{meta} WHERE table_name = ?", [name])

    def wipe(self) -> None:
        with self.writing() as cur:
            for (name,) in cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary"
            ).fetchall():
                cur.execute(f"DROP TABLE {quote(name)}")
            for meta in _META_TABLES:
                cur.execute(f"DELETE FROM {META}.{meta}")

    def settle(self, name: str) -> None:
        """An aggregate table's appended batches merged into one row per key, before it is
        read (`merge`)."""
        with self.writing() as cur:
            self.merge(cur, name, at_least=1)

    def merge(self, cur: duckdb.DuckDBPyConnection, name: str, at_least: int) -> None:
        """Merge an aggregate table's pending rows, if there are at least `at_least`: each
        measure by its combining form (kept by the jobs that wrote it), the other columns as
        the key, as Druid's perfect rollup does."""
        found = cur.execute(
            f"SELECT pending, combine FROM {META}.rollups WHERE table_name = ?", [name]
        ).fetchone()
        if found is None or found[0] < max(at_least, 1):
            return
        combine: dict[str, str] = json.loads(found[1])
        columns = self.columns(name, cur)
        select = [
            f"CAST({combine[n]} AS {duck}) AS {quote(n)}" if n in combine else quote(n)
            for n, duck in columns.items()
        ]
        t = quote(storage(name))
        cur.execute(
            f"CREATE OR REPLACE TABLE {t} AS SELECT {', '.join(select)} FROM {t} GROUP BY ALL"
        )
        (merged,) = cur.execute(f"SELECT count(*) FROM {t}").fetchone() or (0,)
        cur.execute(
            f"UPDATE {META}.rollups SET merged = ?, pending = 0 WHERE table_name = ?",
            [merged, name],
        )

    def stats(self, name: str) -> Stats:
        """Rows and size (the rows as JSON: the local engine has no segments to measure)."""
        self.settle(name)
        with self.cursor() as cur:
            columns = self.columns(name, cur)
            if not columns:
                return Stats(0, 0, {})
            t = quote(storage(name))
            rows, size = cur.execute(
                f"SELECT count(*), coalesce(sum(strlen(CAST(to_json(r) AS VARCHAR))), 0) FROM {t} AS r"
            ).fetchone() or (0, 0)
        return Stats(int(rows), int(size), columns)
