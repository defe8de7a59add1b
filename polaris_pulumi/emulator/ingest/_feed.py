"""Jobs that really consume: while the emulator knows a broker, each started streaming job
has a consumer (confluent-kafka) that reads its connection's topic with the connection's own
credentials, decodes each record by the job's format, and writes the rows into the job's table
by its pipeline (`_pipeline`, DuckDB), exactly once (`_commit`, `_checkpoint`).

The read position is the table's, stored with its rows: a consumer given partitions seeks to
it, so it survives a kill, `replaceRunning`, a rebalance and a suspension; a reset makes the
table forget it, so that the next consumer starts from `readFromPoint`. A partition the table
has no position in, of a topic it has read, starts from its beginning, as Druid reads a
partition discovered after its supervisor started. Suspend, cancel and a changed connection (a
rotated password) stop the consumer. A runner reports what it saw (`state._lifecycle.Observed`:
records flowing, unparseable records, Kafka's refusals, an expression the local engine does not
evaluate) and `state._lifecycle.observe` decides the job's status and health from it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

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
from polaris_pulumi.emulator.ingest import _checkpoint, _commit, _pipeline
from polaris_pulumi.emulator.ingest._checkpoint import Partition
from polaris_pulumi.emulator.ingest._commit import Delta
from polaris_pulumi.emulator.ingest._rows import Rows
from polaris_pulumi.emulator.kafka import _live
from polaris_pulumi.emulator.state._lifecycle import (
    IDLE_AFTER,
    Observed,
    observe,
    reads,
    unevaluated,
)
from polaris_pulumi.emulator.state._records import JobRecord
from polaris_pulumi.emulator.state._store import Store
from polaris_pulumi.jobs._model import Health

POLL = 0.25  # seconds per consume call (how quickly a stop is noticed)
TOPIC_CHECK = 2.0  # seconds between checks that the topic still exists
# Records per batch: a batch as big as what waits, within these (a batch's fixed cost, a
# transaction and its temporary tables, is paid once for many records when many wait).
BATCH_MIN, BATCH_MAX = 500, 50_000


def group_id(instance: str, table: str) -> str:
    """The consumer group of a table (for tools that read group commits: the position itself
    is stored with the table). Each emulator database (a local Polaris project) has its own
    groups, on a broker it shares."""
    return f"polaris-{instance}-table-{table}"


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
        self.table = job.spec.target.table_name
        self.clock = clock
        self.started = clock()
        self.types = {f.name: f.data_type for f in job.spec.source.input_schema}
        self.plans: tuple[str, _pipeline.Plan | str] | None = None
        self.conn, self.password = source
        self.reset_at = job.reset_at
        self.stopping = threading.Event()
        self.last_record = float("-inf")  # nothing read yet: idle until a record comes
        self.assigned = False  # given partitions since the last batch (the source works)
        self.errors: list[KafkaError] = []
        # Where the consumer reads each partition from: the table's stored position when it
        # was given the partition, then each batch's end (None: nothing stored).
        self.start_at: dict[Partition, int | None] = {}
        self.batch = BATCH_MIN

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        self._apply_reset()
        group = group_id(self.store.instance_id(), self.table)
        consumer = Consumer(
            _live.settings(self.conn, self.password)
            | {
                "group.id": group,
                # A static member, one per table and connection: the consumer that replaces
                # it (a restarted emulator, a resumed or replaced job, rotated credentials)
                # takes its partitions at once, instead of after the session of one that died
                # or cannot log in to leave.
                "group.instance.id": f"{group}-{self.conn.name}",
                "auto.offset.reset": self.spec.read_from_point or "latest",
                "enable.auto.commit": False,
                "session.timeout.ms": 6000,  # the broker's minimum
                "heartbeat.interval.ms": 2000,
                "error_cb": self.errors.append,
            }
        )
        topic = self.conn.topic_name
        pattern = f"^(?:{topic})$" if self.conn.topic_name_is_pattern else topic
        consumer.subscribe([pattern], on_assign=self._assigned)
        try:
            self._loop(consumer)
        finally:
            consumer.close()

    def _loop(self, consumer: Consumer) -> None:
        checked = time.monotonic()
        while not self.stopping.is_set():
            plan = self._plan()
            if isinstance(plan, str):  # nothing can be ingested: read nothing
                self._apply(Delta(health=unevaluated(plan)))
                self.stopping.wait(POLL)
                continue
            messages = consumer.consume(self.batch, timeout=POLL)
            self.batch = min(BATCH_MAX, max(BATCH_MIN, 2 * len(messages)))
            delta = self._delta(messages)
            if delta.ends and not self._commit(plan, delta):
                self._rewind(consumer, delta)
                continue
            if time.monotonic() - checked > TOPIC_CHECK:
                checked = time.monotonic()
                delta.health = self._topic_gone(consumer) or delta.health
            if not self._apply(delta):
                break
            if delta.ends:  # for tools that read the group's position; nothing here does
                ends = [TopicPartition(t, p, o) for (t, p), o in delta.ends.items()]
                consumer.commit(offsets=ends, asynchronous=True)

    def _delta(self, messages: list[Message]) -> Delta:
        delta = _commit.read(messages, self.spec, self.start_at, self.clock())
        for error in self.errors:
            if _live.is_auth(error):
                delta.health = Health(
                    status="error", code="could_not_connect_to_source", message=_live.reason(error)
                )
        self.errors.clear()
        return delta

    def _commit(self, plan: _pipeline.Plan, delta: Delta) -> bool:
        start = {p: self.start_at.get(p) for p in delta.ends}
        done = _commit.commit(self.rows, self.job_id, plan, delta, start, self.types, self.clock())
        if done:
            self.start_at.update(delta.ends)
        return done

    def _rewind(self, consumer: Consumer, delta: Delta) -> None:
        """The table's position moved under this consumer (another one, or a reset): read
        again from the stored position."""
        stored, known = self._stored()
        for topic, part in delta.ends:
            offset = stored.get((topic, part))
            self.start_at[(topic, part)] = offset
            with contextlib.suppress(KafkaException):  # unassigned: the next assignment seeks
                consumer.seek(TopicPartition(topic, part, self._from(offset, known, topic)))

    def _stored(self) -> tuple[dict[Partition, int], set[str]]:
        """The table's stored position, and the topics it has one in."""
        with self.rows.cursor() as cur:
            stored = _checkpoint.positions(cur, self.table)
        return stored, {topic for topic, _ in stored}

    def _from(self, stored: int | None, known: set[str], topic: str) -> int:
        """Where to read a partition: the stored position; without one, its beginning if the
        table has read its topic (a partition added since), else `readFromPoint`."""
        if stored is not None:
            return stored
        if topic in known or self.spec.read_from_point == "earliest":
            return OFFSET_BEGINNING
        return OFFSET_END

    def _assigned(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """The consumer logged in and has partitions (the next batch says so): each is read
        from the table's stored position."""
        stored, known = self._stored()
        for p in partitions:
            where = (p.topic, p.partition)
            self.start_at[where] = stored.get(where)
            p.offset = self._from(stored.get(where), known, p.topic)
        consumer.assign(partitions)
        self.assigned = True

    def _apply_reset(self) -> None:
        """A reset not yet applied: the table forgets its position in the job's topics, and
        the reset is marked applied, in one transaction (a kill never applies it twice)."""
        if self.reset_at is None:
            return
        with self.rows.writing() as cur:
            if _checkpoint.applied_reset(cur, self.job_id) == self.reset_at:
                return
            held = sorted({t for t, _ in _checkpoint.positions(cur, self.table)})
            topics = _live.topics_of(self.conn, held)
            _checkpoint.reset(cur, self.job_id, self.reset_at, self.table, topics)

    def _plan(self) -> _pipeline.Plan | str:
        """The job's pipeline for its table as it is now (compiled again when the table
        changes), or why the local engine cannot evaluate it."""
        record = self.store.get_table(self.table)
        if record is None:
            return f"Table {self.table!r} does not exist"
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
