"""Keeps one reader per job that should read, and none for the others: a consumer for a job
on a Kafka connection while the emulator knows a broker (`_feed`), a reader of pushed events
for a job on a push streaming connection, with or without one (`_push_reader`). A reader whose
connection changed (a rotated password) or whose reset is new is replaced."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from polaris_pulumi.connections._model import SourceConnection
from polaris_pulumi.connections._streams import PushStreamingConnection
from polaris_pulumi.emulator.state._lifecycle import reads
from polaris_pulumi.emulator.state._records import JobRecord
from polaris_pulumi.emulator.state._store import Store

if TYPE_CHECKING:  # DuckDB and librdkafka load when a job first reads, not at startup
    from polaris_pulumi.emulator.ingest._reader import Reader
    from polaris_pulumi.emulator.ingest._rows import Rows

POLL = 0.25  # seconds between looks at the jobs
Key = tuple[str, str, str | None]  # what a reader was made from: connection, password, reset


class Feed:
    """The emulator's readers: looks at the jobs every `POLL` seconds and starts, replaces or
    stops readers so that each job that should read has exactly one."""

    def __init__(
        self,
        store: Store,
        rows: Callable[[], Rows],
        jobs: Callable[[], list[JobRecord]],
        clock: Callable[[], float] = time.time,
        *,
        kafka: bool,
    ) -> None:
        self.store, self.rows, self.jobs, self.clock = store, rows, jobs, clock
        self.kafka = kafka  # whether Kafka jobs really consume (a broker is known)
        self.readers: dict[str, tuple[Key, Reader]] = {}
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start reading (again: an app may be served more than once, as by tests)."""
        self.stopping.clear()
        self.thread = threading.Thread(target=self._loop, name="feed", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        for _, reader in self.readers.values():
            reader.stop()
        for _, reader in self.readers.values():
            reader.join(timeout=10)
        self.readers.clear()

    def _loop(self) -> None:
        while not self.stopping.wait(POLL):
            self.reconcile()

    def _wanted(self) -> dict[str, tuple[Key, Callable[[], Reader]]]:
        """Per job that should read: what its reader is made from, and how to make it."""
        want: dict[str, tuple[Key, Callable[[], Reader]]] = {}
        for job in self.jobs():
            if not reads(job) or job.connection_name is None:
                continue
            record = self.store.get_connection(job.connection_name)
            conn = record.connection if record is not None else None
            password = ""  # pushed events need none; a Kafka consumer logs in with it
            if isinstance(conn, PushStreamingConnection):
                make = self._push_reader(job, conn)
            elif isinstance(conn, SourceConnection) and self.kafka:
                password = self.store.get_password(conn.name) or ""
                make = self._kafka_reader(job, conn, password)
            else:
                continue
            want[job.id] = ((conn.model_dump_json(), password, job.reset_at), make)
        return want

    def _push_reader(self, job: JobRecord, conn: PushStreamingConnection) -> Callable[[], Reader]:
        def make() -> Reader:
            from polaris_pulumi.emulator.ingest._push_reader import PushReader

            return PushReader(self.store, self.rows(), job, conn, self.clock)

        return make

    def _kafka_reader(
        self, job: JobRecord, conn: SourceConnection, password: str
    ) -> Callable[[], Reader]:
        def make() -> Reader:
            from polaris_pulumi.emulator.ingest._feed import Runner  # librdkafka, with a broker

            return Runner(self.store, self.rows(), job, (conn, password), self.clock)

        return make

    def reconcile(self) -> None:
        want = self._wanted()
        for job_id, (key, reader) in list(self.readers.items()):
            if job_id not in want or want[job_id][0] != key or not reader.is_alive():
                reader.stop()
                reader.join(timeout=10)
                del self.readers[job_id]
        for job_id, (key, make) in want.items():
            if job_id not in self.readers:
                reader = make()
                reader.start()
                self.readers[job_id] = (key, reader)
