"""Exactly once, on the real broker: whatever stops a job's consumer (a SIGKILLed emulator,
a restarted broker, a rebalance, a suspension, a reset), each record is in its tables once.

Records stream in while it happens, over several partitions, from an idempotent producer
(so Kafka itself holds each once); the expected rows, counts and sums are computed here from
what was produced. Two jobs read the topic: one into a detail table, one into an aggregate
table that rolls the records up (exactly once there too)."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewPartitions

from polaris_pulumi.api import ConnectionSpec, PolarisClient, PolarisError, StreamingJobSpec
from polaris_pulumi.emulator.ingest._feed import group_id
from polaris_pulumi.emulator.state._store import Store
from scripts.demo_kafka import day
from tests.emulator_proc import EmulatorProcess
from tests.kafka_broker import KAFKA_USER, KAFKA_USER_PASSWORD, LocalKafka

pytestmark = pytest.mark.e2e


class Stream(threading.Thread):
    """Produces records `first`..`first + n - 1` ({"ts", "id"}) over `seconds`, round-robin
    over the topic's partitions, each acknowledged."""

    def __init__(
        self, kafka: LocalKafka, topic: str, n: int, first: int = 0, seconds: float = 0
    ) -> None:
        super().__init__(daemon=True)
        self.kafka, self.topic, self.ids, self.seconds = (
            kafka,
            topic,
            range(first, first + n),
            seconds,
        )
        self.unsent = -1

    def run(self) -> None:
        config = self.kafka.info.client_config() | {"enable.idempotence": True, "linger.ms": 20}
        producer = Producer(config)
        chunks = max(1, int(self.seconds * 20))
        for i in self.ids:
            producer.produce(self.topic, json.dumps({"ts": f"{day()}T10:00:00Z", "id": i}))
            if (i - self.ids.start) % max(1, len(self.ids) // chunks) == 0:
                producer.poll(0)
                time.sleep(self.seconds / chunks)  # paces the stream; nothing waits on it
        self.unsent = producer.flush(120)

    def finish(self) -> None:
        self.join(180)
        assert self.unsent == 0, "the broker did not acknowledge every record"


def jobs_on(client: PolarisClient, kafka: LocalKafka, topic: str) -> dict[str, str]:
    """A connection to the topic and two jobs reading it from the earliest offset: into a
    detail table and an aggregate one; their ids by table."""
    client.create_connection(
        ConnectionSpec.model_validate(
            {
                "name": "stream",
                "bootstrapServers": kafka.bootstrap,
                "topicName": topic,
                "secrets": {
                    "type": "sasl_plain",
                    "username": KAFKA_USER,
                    "password": KAFKA_USER_PASSWORD,
                },
            }
        )
    )
    source = {
        "connectionName": "stream",
        "formatSettings": {"format": "nd-json"},
        "inputSchema": [{"name": "ts", "dataType": "string"}, {"name": "id", "dataType": "long"}],
    }
    common = {"source": source, "readFromPoint": "earliest", "createTableIfNotExists": True}
    detail = {
        "target": {"tableName": "detail"},
        "mappings": [
            {"columnName": "__time", "expression": 'TIME_PARSE("ts")'},
            {"columnName": "id", "expression": '"id"'},
        ],
    }
    rollup = {
        "target": {"tableName": "rollup"},
        "mappings": [
            {"columnName": "__time", "expression": "TIME_FLOOR(TIME_PARSE(\"ts\"), 'PT1H')"},
            {"columnName": "parity", "expression": 'MOD("id", 2)'},
            {"columnName": "c", "expression": "COUNT(*)", "isAggregation": True},
            {"columnName": "s", "expression": 'SUM("id")', "isAggregation": True},
        ],
    }
    return {
        table: client.create_job(StreamingJobSpec.model_validate(common | spec)).id
        for table, spec in (("detail", detail), ("rollup", rollup))
    }


def until(
    what: str, probe: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = 90
) -> Any:
    deadline = time.monotonic() + timeout
    value: Any = None
    while time.monotonic() < deadline:
        try:
            value = probe()
        except (PolarisError, httpx.HTTPError) as exc:  # restarting
            value = exc
        else:
            if ok(value):
                return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: still {value!r} after {timeout:g}s")


def expect_exactly(client: PolarisClient, jobs: dict[str, str], ids: range) -> None:
    """Both jobs processed each record once, and both tables hold it once."""
    n = len(ids)
    until(
        f"{n} records processed by both jobs",
        lambda: [client.get_job_metrics(j).totals.num_rows_processed for j in jobs.values()],
        lambda seen: min(seen) >= n,
    )
    time.sleep(1)  # a window in which a duplicate would have been counted; none may
    for job_id in jobs.values():
        totals = client.get_job_metrics(job_id).totals
        assert (totals.num_rows_processed, totals.num_rows_skipped_by_error) == (n, 0)
        assert totals.num_rows_skipped_by_filter == 0
    [detail] = client.query_sql(
        'SELECT COUNT(*) AS n, COUNT(DISTINCT "id") AS d, SUM("id") AS s, MIN("id") AS lo, '
        'MAX("id") AS hi FROM "detail"'
    )
    assert detail == {"n": n, "d": n, "s": sum(ids), "lo": ids[0], "hi": ids[-1]}
    assert client.get_job_metrics(jobs["detail"]).totals.num_rows_persisted == n
    rollup = client.query_sql('SELECT "parity", "c", "s" FROM "rollup" ORDER BY "parity"')
    odd = [i for i in ids if i % 2]
    even = [i for i in ids if not i % 2]
    assert rollup == [
        {"parity": 0, "c": len(even), "s": sum(even)},
        {"parity": 1, "c": len(odd), "s": sum(odd)},
    ]


def test_a_killed_emulator_and_a_restarted_broker_lose_and_double_nothing(
    own_live_emulator: EmulatorProcess, own_kafka: LocalKafka
) -> None:
    emulator, kafka = own_live_emulator, own_kafka
    topic = kafka.topic("killed", partitions=3)
    client = emulator.client()
    jobs = jobs_on(client, kafka, topic)
    stream = Stream(kafka, topic, 20_000, seconds=6)
    stream.start()
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    print(f"kill moments from seed {seed}")
    detail = jobs["detail"]
    for kill in range(3):
        # A random moment while the job ingests (after a restart, its consumer waits for the
        # killed one's session to end before it gets the partitions).
        # (Once the stream is over, a moment after the last record is as good as any.)
        past = processed(client, detail)
        until(
            "ingesting",
            lambda: (processed(client, detail), stream.is_alive()),
            partial(_moved_or_over, past),
        )
        time.sleep(rng.uniform(0, 0.3))
        emulator.stop(kill=True)
        if kill == 1:
            kafka.restart()  # while the emulator is down and records keep coming
        emulator.start()
    stream.finish()
    expect_exactly(client, jobs, range(20_000))


def _moved_or_over(past: int, seen: tuple[int, bool]) -> bool:
    """The job ingested since `past`, or the stream is over (nothing more may come)."""
    return seen[0] > past or not seen[1]


def processed(client: PolarisClient, job_id: str) -> int:
    return client.get_job_metrics(job_id).totals.num_rows_processed


def group_of(emulator: EmulatorProcess, table: str) -> str:
    """The consumer group the emulator's jobs into `table` join (its database's id in it)."""
    return group_id(Store(str(emulator.db)).instance_id(), table)


def test_a_rebalance_loses_and_doubles_nothing(
    live_emulator: EmulatorProcess, kafka: LocalKafka
) -> None:
    """Partitions added under a running job, and another member joining its group (taking
    partitions) and leaving: each time the job's consumer is given partitions, it reads them
    from the table's position, not the group's."""
    topic = kafka.topic("rebalance", partitions=2)
    client = live_emulator.client()
    jobs = jobs_on(client, kafka, topic)
    first = Stream(kafka, topic, 6_000, seconds=3)
    first.start()
    until("reading", lambda: client.get_job_metrics(jobs["detail"]).totals.num_rows_processed, bool)
    AdminClient(kafka.info.client_config()).create_partitions([NewPartitions(topic, 4)])
    group = group_of(live_emulator, "detail")
    other = Consumer(kafka.info.client_config() | {"group.id": group, "enable.auto.commit": False})
    other.subscribe([topic])
    deadline = time.monotonic() + 30
    while not other.assignment():  # a member of the group until it is given partitions
        other.poll(0.2)
        assert time.monotonic() < deadline, "the other member was never given partitions"
    taken = len(other.assignment())
    other.poll(1)  # it holds them a moment, reading; it commits nothing
    other.close()
    assert taken >= 1
    first.finish()
    second = Stream(kafka, topic, 4_000, first=6_000, seconds=1)  # over all four partitions
    second.start()
    second.finish()
    expect_exactly(client, jobs, range(10_000))


def test_suspend_resume_and_reset_count_exactly(
    live_emulator: EmulatorProcess, kafka: LocalKafka
) -> None:
    topic = kafka.topic("suspended", partitions=2)
    client = live_emulator.client()
    jobs = jobs_on(client, kafka, topic)
    stream = Stream(kafka, topic, 8_000, seconds=4)
    stream.start()
    for _ in range(2):
        until(
            "reading",
            lambda: client.get_job_metrics(jobs["detail"]).totals.num_rows_processed,
            bool,
        )
        for job_id in jobs.values():
            client.set_job_status(job_id, "suspended")
        until(
            "suspended",
            lambda: {client.get_job(j).execution_status for j in jobs.values()},
            lambda s: s == {"suspended"},
        )
        for job_id in jobs.values():
            client.set_job_status(job_id, "running")
    stream.finish()
    expect_exactly(client, jobs, range(8_000))

    # A reset goes back to readFromPoint (earliest): each record is read once more, no more.
    for job_id in jobs.values():
        client.reset_job(job_id)
    n = 16_000
    until(
        "read again",
        lambda: [client.get_job_metrics(j).totals.num_rows_processed for j in jobs.values()],
        lambda seen: min(seen) >= n,
    )
    [detail] = client.query_sql('SELECT COUNT(*) AS n, COUNT(DISTINCT "id") AS d FROM "detail"')
    assert detail == {"n": n, "d": 8_000}
    assert [client.get_job_metrics(j).totals.num_rows_processed for j in jobs.values()] == [n, n]
