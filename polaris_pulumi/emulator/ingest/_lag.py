"""How far each reading job is behind its topics: the records its table has not ingested yet,
per job (Kafka's end offsets against the table's stored position). `GET /_emulator/lag`
answers it, so that a test waits until everything produced is in the tables, not a while."""

from __future__ import annotations

from confluent_kafka import Consumer, KafkaException, TopicPartition

from polaris_pulumi.connections._model import SourceConnection
from polaris_pulumi.emulator.ingest import _checkpoint
from polaris_pulumi.emulator.ingest._rows import Rows
from polaris_pulumi.emulator.kafka import _live
from polaris_pulumi.emulator.state._lifecycle import reads
from polaris_pulumi.emulator.state._records import JobRecord
from polaris_pulumi.emulator.state._store import Store


def lag(store: Store, rows: Rows, jobs: list[JobRecord]) -> dict[str, int | None]:
    """Records not yet ingested, per job that reads (None: its topics cannot be read)."""
    out: dict[str, int | None] = {}
    for job in jobs:
        if not reads(job) or job.connection_name is None or job.spec is None:
            continue
        record = store.get_connection(job.connection_name)
        if record is None or not isinstance(record.connection, SourceConnection):
            continue
        password = store.get_password(job.connection_name) or ""
        with rows.cursor() as cur:
            stored = _checkpoint.positions(cur, job.spec.target.table_name)
        earliest = job.spec.read_from_point == "earliest"
        out[job.id] = _behind(record.connection, password, stored, earliest)
    return out


def _behind(
    conn: SourceConnection, password: str, stored: dict[tuple[str, int], int], earliest: bool
) -> int | None:
    consumer = Consumer(_live.settings(conn, password) | {"group.id": "polaris-lag-probe"})
    try:
        metadata = consumer.list_topics(timeout=5)
        behind = 0
        for topic in _live.topics_of(conn, list(metadata.topics)):
            for part in metadata.topics[topic].partitions:
                low, high = consumer.get_watermark_offsets(
                    TopicPartition(topic, part), timeout=5, cached=False
                )
                start = stored.get((topic, part))
                if start is None:  # nothing ingested: all of it, or nothing, by readFromPoint
                    start = low if earliest or any(t == topic for t, _ in stored) else high
                behind += max(0, high - start)
        return behind
    except KafkaException:
        return None
    finally:
        consumer.close()
