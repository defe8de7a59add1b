"""Jobs that really consume: while the emulator knows a broker, each started streaming job
has a consumer (confluent-kafka) that reads its connection's topic with the connection's own
credentials, decodes each record by the job's format, writes the rows into the job's table
by its pipeline (`_pipeline`, DuckDB), and keeps real counts.

The consumer group is the table's, so the read position belongs to the table and survives
`replaceRunning` (as Polaris documents); a reset moves it to `readFromPoint`. Suspend, cancel
and a changed connection (a rotated password) stop the consumer; the next one continues from
the committed position. A runner reports what it saw (`state._lifecycle.Observed`: records
flowing, unparseable records, Kafka's refusals, an expression the local engine does not
evaluate) and `state._lifecycle.observe` decides the job's status and health from it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_END,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)

from polaris_pulumi._contract import STARTED_STATUSES
from polaris_pulumi.connections._model import SourceConnection
from polaris_pulumi.emulator.ingest import _pipeline
from polaris_pulumi.emulator.ingest._decode import Record, Row, Unparseable, Unsupported, decode
from polaris_pulumi.emulator.ingest._rows import Rows
from polaris_pulumi.emulator.kafka import _live
from polaris_pulumi.emulator.state._lifecycle import (
    IDLE_AFTER,
    Observed,
    observe,
    reads,
    unevaluated,
    warned,
)
from polaris_pulumi.emulator.state._records import JobRecord
from polaris_pulumi.emulator.state._store import Store
from polaris_pulumi.jobs._model import Health, JobTotals

POLL = 0.25  # seconds per consume call (how quickly a stop is noticed)
TOPIC_CHECK = 2.0  # seconds between checks that the topic still exists
BATCH = 500


def group_id(instance: str, table: str) -> str:
    """The consumer group of a table: its read position, whichever job reads it. Each
    emulator database (a local Polaris project) has its own groups, on a broker it shares."""
    return f"polaris-{instance}-table-{table}"


@dataclass
class Delta:
    """What one batch changed."""

    totals: JobTotals = field(default_factory=JobTotals)
    consumed: bool = False
    health: Health | None = None
    rows: list[Row] = field(default_factory=list)


class Runner(threading.Thread):
    """One job's consumer."""

    def __init__(
        self,
        store: Store,
        rows: Rows,
        job: JobRecord,
        source: tuple[SourceConnection, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(name=f"job-{job.id}", daemon=True)
        assert job.spec is not None
        self.store, self.rows, self.job_id, self.spec = store, rows, job.id, job.spec
        self.clock = clock
        self.started = clock()
        self.types = {f.name: f.data_type for f in job.spec.source.input_schema}
        self.plans: tuple[str, _pipeline.Plan | str] | None = None
        self.conn, self.password = source
        self.reset = job.reset_at is not None and job.reset_at != job.reset_applied
        self.reset_at = job.reset_at
        self.stopping = threading.Event()
        self.last_record = float("-inf")  # nothing read yet: idle until a record comes
        self.assigned = False  # given partitions since the last batch (the source works)
        self.errors: list[KafkaError] = []

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        consumer = Consumer(
            _live.settings(self.conn, self.password)
            | {
                "group.id": group_id(self.store.instance_id(), self.spec.target.table_name),
                "auto.offset.reset": self.spec.read_from_point or "latest",
                "enable.auto.commit": False,
                # A consumer that cannot leave the group (its credentials stopped working)
                # holds the partition this long before the next one gets it: the minimum.
                "session.timeout.ms": 6000,
                "heartbeat.interval.ms": 2000,
                "error_cb": self.errors.append,
            }
        )
        topic = self.conn.topic_name
        pattern = f"^(?:{topic})$" if self.conn.topic_name_is_pattern else topic
        consumer.subscribe([pattern], on_assign=self._assigned)
        checked = time.monotonic()
        try:
            while not self.stopping.is_set():
                plan = self._plan()
                if isinstance(plan, str):  # nothing can be ingested: read nothing
                    self._apply(Delta(health=unevaluated(plan)))
                    self.stopping.wait(POLL)
                    continue
                batch = consumer.consume(BATCH, timeout=POLL)
                delta = self._delta(batch)
                self._persist(plan, delta)
                if time.monotonic() - checked > TOPIC_CHECK:
                    checked = time.monotonic()
                    delta.health = self._topic_gone(consumer) or delta.health
                if not self._apply(delta):
                    break
                if delta.consumed:
                    consumer.commit(asynchronous=False)
        finally:
            consumer.close()

    def _plan(self) -> _pipeline.Plan | str:
        """The job's pipeline for its table as it is now (compiled again when the table
        changes), or why the local engine cannot evaluate it."""
        record = self.store.get_table(self.spec.target.table_name)
        if record is None:
            return f"Table {self.spec.target.table_name!r} does not exist"
        key = record.table.spec().model_dump_json()
        if self.plans is None or self.plans[0] != key:
            try:
                plan: _pipeline.Plan | str = _pipeline.compile_plan(
                    self.spec, record.table.spec(), self.started
                )
            except _pipeline.PlanError as exc:
                plan = str(exc)
            self.plans = (key, plan)
        return self.plans[1]

    def _persist(self, plan: _pipeline.Plan, delta: Delta) -> None:
        """The batch's rows into the table; what the pipeline dropped is counted."""
        if not delta.rows:
            return
        try:
            counts = _pipeline.write(self.rows, plan, delta.rows, self.types, self.clock())
        except duckdb.Error as exc:
            delta.totals.num_rows_skipped_by_error += len(delta.rows)
            reason = str(exc).splitlines()[0]
            delta.health = unevaluated(f"The local engine could not ingest the rows: {reason}")
            return
        t = delta.totals
        t.num_rows_processed += len(delta.rows) - counts.skipped_by_filter - counts.unparseable_time
        t.num_rows_skipped_by_filter += counts.skipped_by_filter
        t.num_rows_skipped_by_error += counts.unparseable_time
        t.num_rows_persisted += counts.persisted
        if counts.unparseable_time:
            n = counts.unparseable_time
            delta.health = warned(f"{n} row(s) had no __time: its mapping gave null", self.clock())

    def _topic_gone(self, consumer: Consumer) -> Health | None:
        """A metadata request: a consumer alone notices a deleted topic only when its
        metadata is next refreshed (minutes)."""
        try:
            names = list(consumer.list_topics(timeout=2).topics)
        except KafkaException:
            return None  # unreachable: the error callback says so
        if _live.topics_of(self.conn, names):
            return None
        message = f"Unknown topic: no topic matches {self.conn.topic_name!r} any more"
        return Health(status="error", code="topic_not_found", message=message)

    def _assigned(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """The consumer logged in and has partitions (the next batch says so); after a reset,
        every partition starts again from `readFromPoint`."""
        self.assigned = True
        if self.reset:
            offset = OFFSET_BEGINNING if self.spec.read_from_point == "earliest" else OFFSET_END
            for p in partitions:
                p.offset = offset
            consumer.assign(partitions)
            self.reset = False
            self._mark_reset()

    def _mark_reset(self) -> None:
        with self.store.tx():
            job = self.store.get_job(self.job_id)
            if job is not None:
                self.store.put_job(job.model_copy(update={"reset_applied": self.reset_at}))

    def _delta(self, batch: list[Message]) -> Delta:
        delta, totals = Delta(), JobTotals()
        for msg in batch:
            if (error := msg.error()) is not None:
                delta.health = _kafka_health(error) or delta.health
                continue
            delta.consumed = True
            self._count(msg, totals, delta)
        for error in self.errors:
            if _live.is_auth(error):
                delta.health = Health(
                    status="error", code="could_not_connect_to_source", message=_live.reason(error)
                )
        self.errors.clear()
        delta.totals = totals
        return delta

    def _count(self, msg: Message, totals: JobTotals, delta: Delta) -> None:
        record = Record(
            value=msg.value(),
            key=msg.key(),
            headers=_headers(msg),
            timestamp_ms=msg.timestamp()[1] if msg.timestamp()[0] else None,
        )
        totals.num_bytes_processed += len(record.value or b"")
        try:
            decoded = decode(self.spec.source, record)
        except Unparseable as exc:
            totals.num_rows_skipped_by_error += 1
            delta.health = warned(f"a record could not be parsed: {exc}", self.clock())
            return
        except Unsupported as exc:
            delta.health = unevaluated(f"The local engine does not evaluate {exc}")
            return
        delta.rows.extend(decoded.rows)
        totals.num_rows_processed_with_warning += decoded.warnings

    def _apply(self, delta: Delta) -> bool:
        """Report the batch to the job's record (`observe` decides its status and health);
        whether the job still reads."""
        if delta.consumed:
            self.last_record = time.monotonic()
        flowing = time.monotonic() - self.last_record < IDLE_AFTER
        seen = Observed(delta.totals, delta.consumed, flowing, delta.health, self.assigned)
        self.assigned = False
        with self.store.tx():
            job = self.store.get_job(self.job_id)
            if job is None or not reads(job):
                return False
            changed = observe(job, seen, self.clock())
            if changed != job:
                self.store.put_job(changed)
            return changed.execution_status in STARTED_STATUSES


def _headers(msg: Message) -> list[tuple[str, bytes | None]]:
    raw = msg.headers() or []
    pairs = list(raw.items()) if isinstance(raw, dict) else raw
    return [(k, v.encode() if isinstance(v, str) else v) for k, v in pairs]


def _kafka_health(error: KafkaError) -> Health | None:
    if error.code() == KafkaError._PARTITION_EOF:
        return None
    code = (
        "topic_not_found"
        if error.code() in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC)
        else "could_not_connect_to_source"
    )
    return Health(status="error", code=code, message=_live.reason(error))


class Feed:
    """Keeps one runner per job that should read, and none for the others."""

    def __init__(
        self,
        store: Store,
        rows: Rows,
        jobs: Callable[[], list[JobRecord]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.rows, self.jobs, self.clock = store, rows, jobs, clock
        self.runners: dict[str, tuple[tuple[str, str, str | None], Runner]] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="feed", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for _, runner in self.runners.values():
            runner.stop()
        for _, runner in self.runners.values():
            runner.join(timeout=10)
        self.runners.clear()

    def _loop(self) -> None:
        while not self.stopping.wait(POLL):
            self.reconcile()

    def reconcile(self) -> None:
        want: dict[str, tuple[tuple[str, str, str | None], JobRecord, SourceConnection, str]] = {}
        for job in self.jobs():
            if not reads(job) or job.connection_name is None:
                continue
            record = self.store.get_connection(job.connection_name)
            if record is None or not isinstance(record.connection, SourceConnection):
                continue
            password = self.store.get_password(job.connection_name) or ""
            key = (record.connection.model_dump_json(), password, job.reset_at)
            want[job.id] = (key, job, record.connection, password)
        for job_id, (key, runner) in list(self.runners.items()):
            if job_id not in want or want[job_id][0] != key or not runner.is_alive():
                runner.stop()
                runner.join(timeout=10)
                del self.runners[job_id]
        for job_id, (key, job, conn, password) in want.items():
            if job_id not in self.runners:
                runner = Runner(self.store, self.rows, job, (conn, password), self.clock)
                runner.start()
                self.runners[job_id] = (key, runner)
