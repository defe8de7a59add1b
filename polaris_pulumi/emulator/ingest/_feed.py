"""Jobs that really consume Kafka: while the emulator knows a broker, each started streaming
job on a Kafka connection has a consumer (confluent-kafka) that reads its connection's topic with the connection's own
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

from polaris_pulumi.connections._model import SourceConnection
from polaris_pulumi.emulator.ingest import _commit
from polaris_pulumi.emulator.ingest._commit import Delta
from polaris_pulumi.emulator.ingest._reader import BATCH_MAX, BATCH_MIN, POLL, Reader
from polaris_pulumi.emulator.ingest._rows import Rows
from polaris_pulumi.emulator.kafka import _live
from polaris_pulumi.emulator.state._lifecycle import unevaluated
from polaris_pulumi.emulator.state._records import JobRecord
from polaris_pulumi.emulator.state._store import Store
from polaris_pulumi.jobs._model import Health

TOPIC_CHECK = 2.0  # seconds between checks that the topic still exists


def group_id(instance: str, table: str) -> str:
    """The consumer group of a table (for tools that read group commits: the position itself
    is stored with the table). Each emulator database (a local Polaris project) has its own
    groups, on a broker it shares."""
    return f"polaris-{instance}-table-{table}"


class Runner(Reader):
    """One job's consumer of its connection's topics."""

    def __init__(
        self,
        store: Store,
        rows: Rows,
        job: JobRecord,
        source: tuple[SourceConnection, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(store, rows, job, clock)
        self.conn, self.password = source
        self.errors: list[KafkaError] = []

    def run(self) -> None:
        self._apply_reset(lambda held: _live.topics_of(self.conn, held))
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
        delta = _commit.read(messages, self.spec, self.start_at, self.clock(), self.types)
        for error in self.errors:
            if _live.is_auth(error):
                delta.health = Health(
                    status="error", code="could_not_connect_to_source", message=_live.reason(error)
                )
        self.errors.clear()
        return delta

    def _rewind(self, consumer: Consumer, delta: Delta) -> None:
        """The table's position moved under this consumer (another one, or a reset): read
        again from the stored position."""
        stored, known = self._stored()
        for topic, part in delta.ends:
            offset = stored.get((topic, part))
            self.start_at[(topic, part)] = offset
            with contextlib.suppress(KafkaException):  # unassigned: the next assignment seeks
                consumer.seek(TopicPartition(topic, part, self._from(offset, known, topic)))

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
