"""Push streaming and coexistence, with the real Pulumi CLI against an emulator with no broker:
the example program fills its table from events pushed to the events API, exactly (the rows
are computed here from what was pushed), and previews clean; a project holding connections
made elsewhere (s3, kinesis, push_streaming) lists them all, a program beside them ups
cleanly, and a connection named like one of them fails in one paragraph naming it. Pushed
events survive SIGKILLs of the emulator exactly once."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from polaris_pulumi.api import StreamingJobSpec
from polaris_pulumi.connections._foreign import ForeignConnection
from polaris_pulumi.connections._streams import PushStreamingConnectionSpec
from tests import samples
from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import REPO
from tests.stacks import polaris_stack

pytestmark = pytest.mark.e2e
EXAMPLE = (REPO / "examples" / "push-streaming" / "__main__.py").read_text()
COUNTRIES = ("fr", "de", "jp")


def clicks(n: int) -> list[dict[str, Any]]:
    return [
        {"ts": f"2026-12-01T10:{i % 3:02d}:{i % 60:02d}Z", "country": COUNTRIES[i % 3], "ms": i}
        for i in range(n)
    ]


def test_the_example_fills_its_table_from_pushed_events(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    pulumi = polaris_stack(tmp_path, emulator, EXAMPLE)
    pulumi.up()
    out = pulumi.outputs()
    assert out["endpoint_url"].endswith(f"/events/{out['connection']}")
    client = emulator.client()
    events = clicks(50)
    assert client.push_events(out["connection"], events) == 50
    emulator.wait_ingested()
    expected: dict[tuple[str, str], list[int]] = {}
    for e in events:  # by minute and upper-cased country: count, sum of ms
        key = (f"2026-12-01T10:{e['ts'][14:16]}:00.000Z", e["country"].upper())
        expected.setdefault(key, [0, 0])
        expected[key][0] += 1
        expected[key][1] += e["ms"]
    rows = client.query_sql(
        f'SELECT __time, country, clicks, total_ms FROM "{out["table"]}" ORDER BY 1, 2'
    )
    assert rows == [
        {"__time": t, "country": c, "clicks": n, "total_ms": ms}
        for (t, c), (n, ms) in sorted(expected.items())
    ]
    pulumi.preview("--expect-no-changes")
    pulumi.destroy()
    assert client.list_connections() == [] and emulator.active_jobs() == {}


BESIDE = """
import pulumi
import polaris_pulumi as polaris

cfg = pulumi.Config()
conn = polaris.Connection(
    "events",
    name=cfg.get("conn_name"),
    bootstrap_servers="pkc-1.us-east-1.aws.confluent.cloud:9092",
    topic_name="events",
    secrets={"type": "sasl_plain", "username": "KEY", "password": cfg.require_secret("kafka_password")},
)
stream = polaris.KinesisConnection(
    "stream",
    stream="clicks",
    aws_endpoint="kinesis.us-east-1.amazonaws.com",
    aws_assumed_role_arn="arn:aws:iam::123456789012:role/polaris-kinesis",
)
job = polaris.StreamingJob(
    "kinesis-clicks",
    source={
        "connection_name": stream.name,
        "format_settings": {
            "format": "kinesis",
            "value_format": {"format": "nd-json"},
            "partition_key_column_name": "kinesis.partitionKey",
        },
        "input_schema": [{"name": "ts", "data_type": "string"}],
    },
    mappings=[{"column_name": "__time", "expression": 'TIME_PARSE("ts")'}],
    target={"table_name": "kinesis_clicks"},
    create_table_if_not_exists=True,
)
pulumi.export("stream", stream.name)
"""


def test_a_program_beside_connections_made_elsewhere(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    client = emulator.client()
    raw = httpx.Client(base_url=f"{emulator.url}/v1/projects/{emulator.project_id}")
    for sample in (samples.S3, samples.KINESIS, samples.PUSH):  # made elsewhere
        made = raw.post("/connections", json=sample, headers=auth(emulator))
        assert made.status_code == 201, made.text
    listed = {c.name: c.type for c in client.list_connections()}
    assert listed == {"my_bucket": "s3", "my_kinesis": "kinesis", "my_push": "push_streaming"}
    assert isinstance(client.get_connection("my_bucket"), ForeignConnection)

    pulumi = polaris_stack(tmp_path, emulator, BESIDE)
    preview = pulumi.preview()
    assert "Traceback" not in preview.output
    pulumi.up()
    pulumi.preview("--expect-no-changes")  # a Kinesis connection and its job round-trip
    stream = pulumi.outputs()["stream"]
    assert client.get_connection(stream).stream == "clicks"  # type: ignore[union-attr]

    # A Connection named like a connection made elsewhere: one paragraph that names it.
    pulumi.config_set("conn_name", "my_bucket")
    failed = pulumi.up(check=False)
    assert failed.returncode != 0
    assert "already exists in Polaris as a s3 connection" in failed.output, failed.output
    assert "Traceback" not in failed.output
    assert client.get_connection("my_bucket").type == "s3"  # untouched
    pulumi.run("config", "rm", "conn_name", "--stack", pulumi.stack)
    pulumi.destroy()
    assert sorted(c.name for c in client.list_connections()) == [
        "my_bucket",
        "my_kinesis",
        "my_push",
    ]


def auth(emulator: EmulatorProcess) -> dict[str, str]:
    return {"Authorization": f"Basic {emulator.api_key}"}


def test_pushed_events_are_ingested_once_whatever_is_killed(own_emulator: EmulatorProcess) -> None:
    """Three jobs on one push connection (a detail table, an aggregate one, and one with
    upserts), SIGKILLs of the emulator while they ingest: each event is in each table once,
    and the upserted table holds one row per key, its highest version."""
    emulator = own_emulator
    client = emulator.client()
    client.create_connection(PushStreamingConnectionSpec(name="pushed"))
    for table, aggregate in (("detail", False), ("rollup", True)):
        client.create_job(job_on("pushed", table, aggregate))
    upserting = samples.stream_job(
        "pushed", "keyed", {"id": "long"}, {"k": 'MOD("id", 50)', "v": '"id"'}
    )
    upserting |= {"enableUpserts": True, "upsertKeyColumns": ["k"], "upsertVersionColumn": "v"}
    client.create_job(StreamingJobSpec.model_validate(upserting))
    events = [{"ts": f"2026-12-01T10:00:{i % 60:02d}Z", "id": i} for i in range(6000)]
    for start in range(0, len(events), 500):
        client.push_events("pushed", events[start : start + 500])
    rng = random.Random(7)
    for _ in range(3):
        time.sleep(rng.uniform(0.05, 0.4))  # somewhere in the ingestion
        emulator.stop(kill=True)
        emulator.start()
        client = emulator.client()
    emulator.wait_ingested()
    detail = client.query_sql(
        'SELECT COUNT(*) AS n, SUM("id") AS s, COUNT(DISTINCT "id") AS d FROM "detail"'
    )
    total = sum(e["id"] for e in events)
    assert detail == [{"n": 6000, "s": total, "d": 6000}]
    by_second = Counter(e["ts"] for e in events)
    rolled = client.query_sql('SELECT SUM("n") AS n, SUM("s") AS s, COUNT(*) AS k FROM "rollup"')
    assert rolled == [{"n": 6000, "s": total, "k": len(by_second)}]
    newest: dict[int, int] = {}
    for e in events:
        newest[e["id"] % 50] = max(newest.get(e["id"] % 50, -1), e["id"])
    keyed = client.query_sql('SELECT COUNT(*) AS n, SUM("v") AS s FROM "keyed"')
    assert keyed == [{"n": len(newest), "s": sum(newest.values())}]


def job_on(connection: str, table: str, aggregate: bool) -> StreamingJobSpec:
    if aggregate:
        measures = {"n": "COUNT(*)", "s": 'SUM("id")'}
        body = samples.stream_job(connection, table, {"id": "long"}, {}, measures)
    else:
        body = samples.stream_job(connection, table, {"id": "long"}, {"id": '"id"'})
    return StreamingJobSpec.model_validate(body)
