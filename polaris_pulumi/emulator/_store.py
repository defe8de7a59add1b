"""SQLite persistence of the emulator: JSON documents, one lock, one transaction per call."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS connections (
    name TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    password_sha256 TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tables (
    name TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
"""

Doc = dict[str, Any]


class Store:
    """Durable against a killed process (WAL); safe across threads (one lock)."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def tx(self) -> Iterator[Store]:
        """A transaction; nested calls join the outer one."""
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                if self._depth == 1:
                    self._db.execute("ROLLBACK")
                raise
            else:
                if self._depth == 1:
                    self._db.execute("COMMIT")
            finally:
                self._depth -= 1

    def _one(self, sql: str, *args: Any) -> Doc | None:
        with self.tx():
            row = self._db.execute(sql, args).fetchone()
        return json.loads(row[0]) if row else None

    def _all(self, sql: str, *args: Any) -> list[Doc]:
        with self.tx():
            rows = self._db.execute(sql, args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def _exec(self, sql: str, *args: Any) -> int:
        with self.tx():
            return self._db.execute(sql, args).rowcount

    # connections
    def get_connection(self, name: str) -> Doc | None:
        return self._one("SELECT doc FROM connections WHERE name = ?", name)

    def list_connections(self) -> list[Doc]:
        return self._all("SELECT doc FROM connections ORDER BY name")

    def put_connection(self, doc: Doc, password_sha256: str | None) -> None:
        self._exec(
            "INSERT INTO connections (name, doc, password_sha256) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET doc = excluded.doc, "
            "password_sha256 = COALESCE(excluded.password_sha256, connections.password_sha256)",
            doc["name"],
            json.dumps(doc),
            password_sha256,
        )

    def delete_connection(self, name: str) -> bool:
        return self._exec("DELETE FROM connections WHERE name = ?", name) > 0

    # jobs
    def get_job(self, job_id: str) -> Doc | None:
        return self._one("SELECT doc FROM jobs WHERE id = ?", job_id)

    def list_jobs(self) -> list[Doc]:
        return self._all("SELECT doc FROM jobs ORDER BY seq")

    def put_job(self, doc: Doc) -> None:
        self._exec(
            "INSERT INTO jobs (id, doc) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
            doc["id"],
            json.dumps(doc),
        )

    # tables
    def get_table(self, name: str) -> Doc | None:
        return self._one("SELECT doc FROM tables WHERE name = ?", name)

    def list_tables(self) -> list[Doc]:
        return self._all("SELECT doc FROM tables ORDER BY name")

    def put_table(self, doc: Doc) -> None:
        self._exec(
            "INSERT INTO tables (name, doc) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET doc = excluded.doc",
            doc["name"],
            json.dumps(doc),
        )

    def delete_table(self, name: str) -> bool:
        return self._exec("DELETE FROM tables WHERE name = ?", name) > 0

    def wipe(self) -> None:
        with self.tx():
            for table in ("connections", "jobs", "tables"):
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
