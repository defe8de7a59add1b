"""SQLite persistence of the emulator's records (JSON of the typed records), one lock, one
transaction per call."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic import BaseModel

from polaris_pulumi.emulator.state._records import ConnectionRecord, JobRecord, TableRecord
from polaris_pulumi.lookups._model import Lookup

_SCHEMA = """
CREATE TABLE IF NOT EXISTS connections (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lookups (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
-- Connection passwords, kept apart from the records that responses are made of: the
-- emulator's stand-in for Polaris' secret store (its consumers log in with them).
CREATE TABLE IF NOT EXISTS passwords (name TEXT PRIMARY KEY, password TEXT NOT NULL);
-- The emulator's own facts: `instance`, this database's id (its consumer groups are its own).
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
R = TypeVar("R", bound=BaseModel)
# The records' format: 2 since the records are typed (1 kept camelCase documents).
FORMAT = 2


class StoreFormatError(RuntimeError):
    """The database was written by an emulator whose records had another format."""


class StoreBusy(RuntimeError):
    """Another process held the database's write lock too long: nothing was written."""


BUSY_SECONDS = 2.0  # how long a write waits for another process's lock


class Store:
    """Durable against a killed process (WAL); safe across threads (one lock)."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":  # it holds connection passwords: the owner's only
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        self._db = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=BUSY_SECONDS
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._check_format(path)
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0
        self._instance: str | None = None

    def _check_format(self, path: str) -> None:
        """A new database takes this format; one of another refuses to start, saying why."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = self._db.execute("SELECT count(*) FROM sqlite_master WHERE type='table'")
        if version != FORMAT and tables.fetchone()[0]:
            self._db.close()
            raise StoreFormatError(
                f"{path} was written by an older emulator (format {version or 1}, this one "
                f"reads {FORMAT}): delete it, or pass another --db"
            )
        self._db.execute(f"PRAGMA user_version = {FORMAT}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def tx(self) -> Iterator[Store]:
        """A transaction; nested calls join the outer one. Another process holding the
        database's write lock longer than `BUSY_SECONDS` is `StoreBusy` (a 503 that asks
        the client to retry), and nothing of this transaction is kept."""
        with self._lock:
            if self._depth == 0:
                self._begin()
            self._depth += 1
            try:
                yield self
            except BaseException:
                if self._depth == 1:
                    self._db.execute("ROLLBACK")
                raise
            else:
                if self._depth == 1:
                    self._commit()
            finally:
                self._depth -= 1

    def _begin(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreBusy(str(exc)) from exc

    def _commit(self) -> None:
        try:
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._db.execute("ROLLBACK")
            raise StoreBusy(str(exc)) from exc

    def _one(self, model: type[R], sql: str, *args: Any) -> R | None:
        with self.tx():
            row = self._db.execute(sql, args).fetchone()
        return model.model_validate_json(row[0]) if row else None

    def _all(self, model: type[R], sql: str) -> list[R]:
        with self.tx():
            rows = self._db.execute(sql).fetchall()
        return [model.model_validate_json(r[0]) for r in rows]

    def _exec(self, sql: str, *args: Any) -> int:
        with self.tx():
            return self._db.execute(sql, args).rowcount

    # connections
    def get_connection(self, name: str) -> ConnectionRecord | None:
        return self._one(ConnectionRecord, "SELECT doc FROM connections WHERE name = ?", name)

    def list_connections(self) -> list[ConnectionRecord]:
        return self._all(ConnectionRecord, "SELECT doc FROM connections ORDER BY name")

    def put_connection(self, record: ConnectionRecord) -> None:
        self._exec(
            "INSERT INTO connections (name, doc) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET doc = excluded.doc",
            record.connection.name,
            record.model_dump_json(),
        )

    def delete_connection(self, name: str) -> bool:
        self._exec("DELETE FROM passwords WHERE name = ?", name)
        return self._exec("DELETE FROM connections WHERE name = ?", name) > 0

    def put_password(self, name: str, password: str) -> None:
        self._exec(
            "INSERT INTO passwords (name, password) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET password = excluded.password",
            name,
            password,
        )

    def get_password(self, name: str) -> str | None:
        with self.tx():
            row = self._db.execute(
                "SELECT password FROM passwords WHERE name = ?", (name,)
            ).fetchone()
        return str(row[0]) if row else None

    # jobs
    def get_job(self, job_id: str) -> JobRecord | None:
        return self._one(JobRecord, "SELECT doc FROM jobs WHERE id = ?", job_id)

    def list_jobs(self) -> list[JobRecord]:
        return self._all(JobRecord, "SELECT doc FROM jobs ORDER BY seq")

    def put_job(self, record: JobRecord) -> None:
        self._exec(
            "INSERT INTO jobs (id, doc) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
            record.id,
            record.model_dump_json(),
        )

    # tables
    def get_table(self, name: str) -> TableRecord | None:
        return self._one(TableRecord, "SELECT doc FROM tables WHERE name = ?", name)

    def list_tables(self) -> list[TableRecord]:
        return self._all(TableRecord, "SELECT doc FROM tables ORDER BY name")

    def put_table(self, record: TableRecord) -> None:
        self._exec(
            "INSERT INTO tables (name, doc) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET doc = excluded.doc",
            record.table.name,
            record.model_dump_json(),
        )

    def delete_table(self, name: str) -> bool:
        return self._exec("DELETE FROM tables WHERE name = ?", name) > 0

    # lookups (each with its aliases)
    def get_lookup(self, name: str) -> Lookup | None:
        return self._one(Lookup, "SELECT doc FROM lookups WHERE name = ?", name)

    def list_lookups(self) -> list[Lookup]:
        return self._all(Lookup, "SELECT doc FROM lookups ORDER BY name")

    def put_lookup(self, lookup: Lookup) -> None:
        self._exec(
            "INSERT INTO lookups (name, doc) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET doc = excluded.doc",
            lookup.name,
            lookup.model_dump_json(),
        )

    def delete_lookup(self, name: str) -> bool:
        return self._exec("DELETE FROM lookups WHERE name = ?", name) > 0

    def instance_id(self) -> str:
        """This database's id, made once: a wipe keeps it, another database has another."""
        if self._instance is not None:
            return self._instance
        with self.tx():
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('instance', ?)",
                [uuid.uuid4().hex[:12]],
            )
            row = self._db.execute("SELECT value FROM meta WHERE key = 'instance'").fetchone()
        self._instance = str(row[0])
        return self._instance

    def wipe(self) -> None:
        with self.tx():
            for table in ("connections", "jobs", "tables", "passwords", "lookups"):
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
