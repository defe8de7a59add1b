"""Benchmark: a topic of N page views ingested into the demo's two tables, against the floors.

The demo program (`__main__.py`) is brought up with the real CLI against an emulator that
knows a local broker; then N events are produced to its topic, and the clock runs until both
jobs have read them all and both tables hold them (job metrics, then one query per table).

The floors it is compared with, on the same machine:
- Kafka's: one confluent-kafka consumer reading the N records (no decoding, no table);
- the engine's: the demo's two pipelines (`_pipeline.write`) on N decoded rows in one batch
  each, in an in-memory DuckDB (no Kafka, no HTTP).

    .venv/bin/python -m benchmarks.bench_ingest [--events 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, Producer

from polaris_pulumi.emulator.ingest import _pipeline
from polaris_pulumi.emulator.ingest._rows import Rows
from polaris_pulumi.emulator.kafka._client import produce_all
from polaris_pulumi.jobs._model import StreamingJobSpec
from polaris_pulumi.tables._model import TableSpec
from scripts.demo_kafka import events
from tests.emulator_proc import EmulatorProcess
from tests.kafka_broker import (
    KAFKA_USER,
    KAFKA_USER_PASSWORD,
    LocalKafka,
    attach_local_kafka,
    start_local_kafka,
)
from tests.pulumi_cli import REPO
from tests.stacks import polaris_stack

FAST = ["--job-start-delay", "0.2", "--job-cancel-delay", "0.1", "--retry-after", "0"]


def produce(kafka: LocalKafka, topic: str, values: list[bytes]) -> float:
    """Every value, acknowledged; a full local queue (librdkafka holds 100,000 messages) is
    drained by polling before the value is produced again."""
    producer = Producer(kafka.info.client_config() | {"linger.ms": 5})
    started = time.perf_counter()
    produce_all(producer, topic, values)
    return time.perf_counter() - started


def kafka_floor(kafka: LocalKafka, topic: str, n: int) -> float:
    """One consumer, from the earliest offset, until it has read n records."""
    group = {"group.id": f"floor-{uuid.uuid4().hex}", "auto.offset.reset": "earliest"}
    consumer = Consumer(kafka.info.client_config() | group)
    consumer.subscribe([topic])
    started, read = time.perf_counter(), 0
    try:
        while read < n:
            read += sum(1 for m in consumer.consume(500, timeout=1) if m.error() is None)
    finally:
        consumer.close()
    return time.perf_counter() - started


def engine_floor(n: int) -> float:
    """The demo's two pipelines on n decoded rows, one batch each, in memory."""
    src = {
        "connectionName": "c",
        "formatSettings": {"format": "nd-json"},
        "inputSchema": [
            {"name": "date", "dataType": "string"},
            {"name": "time", "dataType": "string"},
            {"name": "page", "dataType": "string"},
            {"name": "bytes", "dataType": "long"},
        ],
    }
    parsed = 'TIME_PARSE(CONCAT("date", \'T\', "time"))'
    detail = StreamingJobSpec.model_validate(
        {
            "source": src,
            "target": {"tableName": "page-views"},
            "mappings": [{"columnName": "__time", "expression": parsed}],
            "useSchemaDiscovery": True,
            "dimensionExclusions": ["date", "time"],
        }
    )
    hourly = StreamingJobSpec.model_validate(
        {
            "source": src,
            "target": {"tableName": "page-views-hourly"},
            "mappings": [
                {"columnName": "__time", "expression": f"TIME_FLOOR({parsed}, 'PT1H')"},
                {"columnName": "page", "expression": '"page"'},
                {"columnName": "views", "expression": "COUNT(*)", "isAggregation": True},
                {"columnName": "total_bytes", "expression": 'SUM("bytes")', "isAggregation": True},
            ],
        }
    )
    rows, now = Rows(":memory:"), time.time()
    plans = [
        _pipeline.compile_plan(detail, TableSpec(name="page-views", type="detail"), now),
        _pipeline.compile_plan(
            hourly,
            TableSpec(name="page-views-hourly", type="aggregate", time_resolution="hour"),
            now,
        ),
    ]
    types = {f.name: f.data_type for f in detail.source.input_schema}
    batch = events(n)
    started = time.perf_counter()
    for plan in plans:
        _pipeline.write(rows, plan, batch, types)
    return time.perf_counter() - started


def ours(
    kafka: LocalKafka, emulator: EmulatorProcess, work: Path, values: list[bytes]
) -> dict[str, float]:
    """Up the demo, then produce; until both tables hold every event."""
    topic = kafka.topic("bench")
    pulumi = polaris_stack(work, emulator, (REPO / "__main__.py").read_text())
    for key, value in {
        "bootstrapServers": kafka.bootstrap,
        "kafkaApiKey": KAFKA_USER,
        "topic": topic,
    }.items():
        pulumi.config_set(key, value)
    pulumi.config_set("kafkaApiSecret", KAFKA_USER_PASSWORD, secret=True)
    pulumi.up()
    client = emulator.client()
    jobs = [j["id"] for j in pulumi.outputs()["jobs"].values()]
    started = time.perf_counter()
    produced = produce(kafka, topic, values)
    n = len(values)
    while not all(client.get_job_metrics(j).totals.num_rows_processed >= n for j in jobs):
        time.sleep(0.05)
    [detail] = client.query_sql('SELECT COUNT(*) AS n FROM "page-views"')
    [hourly] = client.query_sql('SELECT SUM(views) AS n FROM "page-views-hourly"')
    done = time.perf_counter()
    if (detail["n"], hourly["n"]) != (n, n):
        raise SystemExit(f"the tables hold {detail['n']} and {hourly['n']} events, not {n}")
    rss = peak_rss_mib(emulator)
    pulumi.destroy()
    return {
        "produce": produced,
        "after_produced": done - started - produced,
        "total": done - started,
        "rss": rss,
    }


def peak_rss_mib(emulator: EmulatorProcess) -> float:
    """The emulator process's peak resident memory (VmHWM), in MiB."""
    assert emulator.proc is not None
    status = Path(f"/proc/{emulator.proc.pid}/status").read_text()
    [line] = [x for x in status.splitlines() if x.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument(
        "--kafka-dir",
        type=Path,
        help="use the local broker running in this directory (started there if none is)",
    )
    args = parser.parse_args()
    n = args.events
    values = [json.dumps(e).encode() for e in events(n)]
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        work = Path(tmp)
        own = args.kafka_dir is None
        kafka = (
            start_local_kafka(work / "kafka", owner=os.getpid())
            if own
            else attach_local_kafka(args.kafka_dir)
        )
        emulator = EmulatorProcess(
            work / "emulator", flags=[*FAST, "--kafka-broker", kafka.bootstrap]
        )
        try:
            emulator.start()
            measured = ours(kafka, emulator, work, values)
            floor_topic = kafka.topic("floor")
            produce(kafka, floor_topic, values)
            consume = kafka_floor(kafka, floor_topic, n)
        finally:
            emulator.stop()
            if own:
                kafka.stop()
    engine = engine_floor(n)
    floors = consume + engine
    after = measured["after_produced"]
    print(f"\n{n} page views into the demo's two tables\n")
    print("| what | seconds | events/s |")
    print("|---|---|---|")
    rows = [
        (f"produce {n} events (confluent-kafka, one producer)", measured["produce"]),
        ("ours: both tables hold them, after the last is produced", after),
        ("ours: from the first produced to both tables full", measured["total"]),
        ("Kafka floor: one consumer reads them", consume),
        ("engine floor: both pipelines on them in DuckDB, one batch", engine),
        ("the two floors added up", floors),
    ]
    for what, seconds in rows:
        print(f"| {what} | {seconds:.2f} | {n / seconds:,.0f} |")
    print(f"\nours from first produced / floors: {measured['total'] / floors:.2f}x")
    print(f"ours after the last produced / floors: {after / floors:.2f}x")
    print(f"emulator peak RSS: {measured['rss']:.0f} MiB")


if __name__ == "__main__":
    main()
