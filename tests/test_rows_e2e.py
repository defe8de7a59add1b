"""Rows you can query, through the real CLI and a real broker: jobs fill their tables by their
mappings (DuckDB underneath), and the query API answers Druid SQL on them.

Every expected value is computed here from the events the test produced, by plain Python:
never read back from the engine."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from scripts.demo_kafka import events as demo_events
from tests.emulator_proc import EmulatorProcess
from tests.kafka_broker import KAFKA_USER, KAFKA_USER_PASSWORD, LocalKafka
from tests.pulumi_cli import REPO, Pulumi
from tests.stacks import polaris_stack
from tests.test_kafka_e2e import totals, until

pytestmark = pytest.mark.e2e


def _stack(tmp_path: Path, emulator: EmulatorProcess, kafka: LocalKafka, source: str) -> Pulumi:
    """A stack of `source` (the demo's config keys) on the emulator and the broker."""
    pulumi = polaris_stack(
        tmp_path,
        emulator,
        source,
        config={"bootstrapServers": kafka.bootstrap, "kafkaApiKey": KAFKA_USER},
        secrets={"kafkaApiSecret": KAFKA_USER_PASSWORD},
    )
    return pulumi


def _iso(date: str, clock: str) -> str:
    return f"{date}T{clock}.000Z"


def test_demo_tables_hold_the_produced_events(
    tmp_path: Path, live_emulator: EmulatorProcess, kafka: LocalKafka
) -> None:
    topic = kafka.topic("demo")
    produced = demo_events(30)
    kafka.produce(topic, [json.dumps(e).encode() for e in produced])
    pulumi = _stack(tmp_path, live_emulator, kafka, (REPO / "__main__.py").read_text())
    pulumi.config_set("topic", topic)
    pulumi.up()
    client = live_emulator.client()
    jobs = {name: j["id"] for name, j in pulumi.outputs()["jobs"].items()}
    for job_id in jobs.values():
        until(
            "30 rows", lambda j=job_id: totals(client, j), lambda t: t["num_rows_processed"] >= 30
        )

    # The detail table: exactly the produced events, `date` and `time` excluded, `page` and
    # `bytes` discovered.
    rows = client.query_sql('SELECT * FROM "page-views" ORDER BY __time, page')
    want = sorted(
        ({"__time": _iso(str(e["date"]), str(e["time"])), "page": e["page"], "bytes": e["bytes"]}
         for e in produced),
        key=lambda r: (r["__time"], r["page"]),
    )  # fmt: skip
    assert rows == want
    table = client.get_table("page-views")
    assert table.total_rows == 30
    discovered = {c.name: c.data_type for c in table.queryable_schema or [] if c.is_discovered}
    assert discovered == {"page": "string", "bytes": "long"}

    # The hourly table: one row per page and hour (rolled up), with its counts and sums.
    per_hour: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for e in produced:
        key = (_iso(str(e["date"]), f"{str(e['time'])[:2]}:00:00"), str(e["page"]))
        per_hour[key][0] += 1
        per_hour[key][1] += int(str(e["bytes"]))
    stored = client.query_sql(
        'SELECT __time, page, views, total_bytes FROM "page-views-hourly" ORDER BY 1, 2'
    )
    assert [(r["__time"], r["page"], r["views"], r["total_bytes"]) for r in stored] == [
        (*k, *v) for k, v in sorted(per_hour.items())
    ]
    assert client.get_table("page-views-hourly").total_rows == len(per_hour)
    got = totals(client, jobs["page-views-hourly"])
    assert (got["num_rows_processed"], got["num_rows_persisted"]) == (30, len(per_hour))

    # Druid SQL on the query API: __time, TIME_FLOOR and GROUP BY, a parameter.
    day = str(produced[0]["date"])
    since = f"{day} 11:00:00"
    answer = client.query_sql(
        "SELECT TIME_FLOOR(__time, 'P1D') AS \"day\", page, COUNT(*) AS n, SUM(bytes) AS b "
        'FROM "page-views" WHERE __time >= ? GROUP BY 1, 2 ORDER BY 2',
        parameters=[("TIMESTAMP", since)],
    )
    late = [e for e in produced if str(e["time"]) >= "11:00:00"]
    counts = Counter(str(e["page"]) for e in late)
    sums = Counter({p: sum(int(str(e["bytes"])) for e in late if e["page"] == p) for p in counts})
    assert answer == [
        {"day": _iso(day, "00:00:00"), "page": p, "n": counts[p], "b": sums[p]}
        for p in sorted(counts)
    ]
    pulumi.destroy()


PIPELINE = """
import pulumi
import polaris_pulumi as polaris

cfg = pulumi.Config()
conn = polaris.Connection(
    "events",
    name="pipeline-events",
    bootstrap_servers=cfg.require("bootstrapServers"),
    topic_name=cfg.require("topic"),
    secrets={"type": "sasl_plain", "username": cfg.require("kafkaApiKey"),
             "password": cfg.require_secret("kafkaApiSecret")},
)
source = {
    "connection_name": conn.name,
    "format_settings": {"format": "nd-json"},
    "input_schema": [{"name": "ts", "data_type": "string"}, {"name": "page", "data_type": "string"},
                     {"name": "bytes", "data_type": "long"}],
}
common = dict(source=source, create_table_if_not_exists=True, read_from_point="earliest")
time_of = {"column_name": "__time", "expression": 'TIME_PARSE("ts")'}
filtered = polaris.StreamingJob(
    "filtered", **common, target={"table_name": "big-views"},
    mappings=[time_of, {"column_name": "page", "expression": 'UPPER("page")'},
              {"column_name": "kb", "expression": '"bytes" / 1000.0'}],
    filter_expression='"bytes" > 500 AND "page" <> \\'/blog\\'',
)
recent = polaris.StreamingJob(
    "recent", **common, target={"table_name": "recent-views"},
    mappings=[time_of, {"column_name": "page", "expression": '"page"'}],
    late_message_rejection_period="P1D",
)
# Not waited for at `up`: its health turns to error as soon as its consumer compiles the
# mapping, which may be before or after the wait would end; the test reads it below.
lookup = polaris.StreamingJob(
    "lookup", **common, target={"table_name": "looked-up"}, wait_for_running=False,
    mappings=[time_of, {"column_name": "name", "expression": 'BLOOM_FILTER_TEST("page", \\'AAAA\\')'}],
)
pulumi.export("ids", {"filtered": filtered.id, "recent": recent.id, "lookup": lookup.id})
"""


def test_filter_late_rejection_and_unsupported_function(
    tmp_path: Path, live_emulator: EmulatorProcess, kafka: LocalKafka
) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    pages = ("/home", "/blog", "/docs")
    produced = [
        {
            # every fourth is three days old: older than the recent job's P1D
            "ts": (now - dt.timedelta(days=3 if i % 4 == 0 else 0, minutes=i)).isoformat(),
            "page": pages[i % 3],
            "bytes": 100 * i,
        }
        for i in range(24)
    ]
    topic = kafka.topic("pipeline")
    kafka.produce(topic, [json.dumps(e).encode() for e in produced])
    pulumi = _stack(tmp_path, live_emulator, kafka, PIPELINE)
    pulumi.config_set("topic", topic)
    pulumi.up()
    client = live_emulator.client()
    ids = pulumi.outputs()["ids"]

    # filterExpression: the rows it keeps, transformed by the mappings; the others counted.
    kept = [e for e in produced if int(str(e["bytes"])) > 500 and e["page"] != "/blog"]
    got = until(
        "filtered", lambda: totals(client, ids["filtered"]),
        lambda t: t["num_rows_processed"] + t["num_rows_skipped_by_filter"] >= 24,
    )  # fmt: skip
    assert (got["num_rows_processed"], got["num_rows_skipped_by_filter"]) == (
        len(kept),
        24 - len(kept),
    )
    rows = client.query_sql('SELECT page, kb FROM "big-views" ORDER BY kb')
    assert rows == [
        {"page": str(e["page"]).upper(), "kb": int(str(e["bytes"])) / 1000}
        for e in sorted(kept, key=lambda e: int(str(e["bytes"])))
    ]

    # lateMessageRejectionPeriod P1D: the three-day-old events are rejected, and counted.
    old = sum(1 for i in range(24) if i % 4 == 0)
    got = until(
        "recent", lambda: totals(client, ids["recent"]),
        lambda t: t["num_rows_processed"] + t["num_rows_skipped_by_filter"] >= 24,
    )  # fmt: skip
    assert (got["num_rows_processed"], got["num_rows_skipped_by_filter"]) == (24 - old, old)
    [count] = client.query_sql('SELECT COUNT(*) AS n FROM "recent-views"')
    assert count == {"n": 24 - old}

    # A function the local engine does not evaluate: health error, naming it; no row stored.
    health = until(
        "lookup error", lambda: client.get_job(ids["lookup"]).health, lambda h: h.status == "error"
    )
    assert health.code == "unsupported_by_local_engine"
    assert "BLOOM_FILTER_TEST" in (health.message or "") and "'name'" in (health.message or "")
    assert client.query_sql('SELECT COUNT(*) AS n FROM "looked-up"') == [{"n": 0}]
    pulumi.destroy()
