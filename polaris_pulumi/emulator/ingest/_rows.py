"""The tables' rows, in DuckDB: one database file beside the emulator's SQLite store (in memory
for an in-memory emulator). A Polaris table is a DuckDB table of the same name; its declared
columns come first, and a flexible table gains the columns its jobs bring.

The database never reads or writes a file but its own (`enable_external_access` off), since the
query API hands it user SQL.
"""

from __future__ import annotations

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


def state_of(duck: str) -> str | None:
    """Which aggregate state a column of this DuckDB type holds, if any."""
    if duck.startswith("STRUCT(t TIMESTAMP"):
        return "pair"
    if duck.endswith("[]"):
        return "set"
    return None


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Stats:
    """What a table holds: its rows, their size, and its columns with their DuckDB types."""

    rows: int
    size_bytes: int
    columns: dict[str, str]


class Rows:
    """One DuckDB database; writes are serialised, reads run on their own cursors."""

    def __init__(self, path: str) -> None:
        self.db = duckdb.connect(path)
        self.db.execute(
            # Druid's `/` divides longs as longs.
            "SET GLOBAL TimeZone = 'UTC'; SET GLOBAL threads = 2; SET GLOBAL integer_division = true; "
            "SET GLOBAL enable_external_access = false; SET GLOBAL lock_configuration = true"
        )
        self.lock = threading.RLock()

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

    def columns(self, name: str, cur: duckdb.DuckDBPyConnection | None = None) -> dict[str, str]:
        """The table's columns and their DuckDB types, in order ({} if it has no rows yet)."""
        sql = (
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE table_name = ? AND schema_name = 'main' AND NOT internal "
            "ORDER BY column_index"
        )
        if cur is None:
            with self.cursor() as own:
                return self.columns(name, own)
        return dict(cur.execute(sql, [name]).fetchall())

    def ensure(self, table: TableSpec, cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """The table, created with its declared columns if it is new; its columns."""
        have = self.columns(table.name, cur)
        declared = {c.name: duck_type(c.data_type) for c in table.schema_ or []}
        declared.setdefault("__time", "TIMESTAMP")
        if not have:
            body = ", ".join(f"{quote(n)} {t}" for n, t in declared.items())
            cur.execute(f"CREATE TABLE {quote(table.name)} ({body})")
        elif missing := {n: t for n, t in declared.items() if n not in have}:
            for n, t in missing.items():  # a column declared since (PUT)
                cur.execute(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(n)} {t}")
        else:
            return have
        return self.columns(table.name, cur)

    def drop(self, name: str) -> None:
        with self.writing() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {quote(name)}")

    def wipe(self) -> None:
        with self.writing() as cur:
            for (name,) in cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary"
            ).fetchall():
                cur.execute(f"DROP TABLE {quote(name)}")

    def stats(self, name: str) -> Stats:
        """Rows and size (the rows as JSON: the local engine has no segments to measure)."""
        with self.cursor() as cur:
            columns = self.columns(name, cur)
            if not columns:
                return Stats(0, 0, {})
            t = quote(name)
            rows, size = cur.execute(
                f"SELECT count(*), coalesce(sum(strlen(CAST(to_json(r) AS VARCHAR))), 0) FROM {t} AS r"
            ).fetchone() or (0, 0)
        return Stats(int(rows), int(size), columns)
