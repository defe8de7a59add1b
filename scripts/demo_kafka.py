"""The demo's Kafka side (run by scripts/demo.sh): make the topic and produce sample page
views in the shape the demo's jobs read, then print each job's metrics once it has read them."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import httpx
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from polaris_pulumi.api import PolarisClient
from polaris_pulumi.emulator.kafka.broker import BrokerInfo

PAGES = ("/home", "/pricing", "/docs", "/blog")
# One query per table, printed after the metrics (and shown in the README).
QUERIES = {
    "page-views": 'SELECT __time, page, bytes FROM "page-views" ORDER BY __time DESC, page, bytes LIMIT 5',
    "page-views-hourly": (
        'SELECT __time AS "hour", page, SUM(views) AS views, SUM(total_bytes) AS total_bytes '
        'FROM "page-views-hourly" GROUP BY 1, 2 ORDER BY 1, 2'
    ),
}


def day() -> str:
    """Yesterday (UTC): recent enough for the jobs' late-message rejection period."""
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%d")


def events(n: int, date: str | None = None) -> list[dict[str, object]]:
    """n page views over three hours of a day (yesterday by default), a page and a size each."""
    date = date or day()
    return [
        {
            "date": date,
            "time": f"{10 + i % 3:02d}:{(7 * i) % 60:02d}:00",
            "page": PAGES[i % len(PAGES)],
            "bytes": 200 + 37 * i,
        }
        for i in range(n)
    ]


def produce(kafka_dir: Path, topic: str, n: int) -> None:
    info = BrokerInfo.load(kafka_dir)
    admin = AdminClient(info.client_config())
    if topic not in admin.list_topics(timeout=10).topics:
        for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
            future.result(30)
    producer = Producer(info.client_config())
    for event in events(n):
        producer.produce(topic, json.dumps(event).encode())
    if producer.flush(30):
        sys.exit("demo: the broker did not take every event")
    print(f"demo: produced {n} page views to topic {topic!r} on {info.bootstrap}", file=sys.stderr)


def held(kafka_dir: Path, topic: str) -> int:
    """How many records the topic holds (its partitions' high watermarks): what a job that
    reads from earliest has read once it caught up, on the first run and on later ones."""
    info = BrokerInfo.load(kafka_dir)
    consumer = Consumer(info.client_config() | {"group.id": "demo-watermarks"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        marks = [
            consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in partitions
        ]
    finally:
        consumer.close()
    return sum(high - low for low, high in marks)


def metrics(url: str, project: str, jobs: dict[str, str], expect: int) -> None:
    """Each job's metrics, after it has read `expect` records (or 60 s)."""
    headers = {"Authorization": f"Basic {os.environ['POLARIS_API_KEY']}"}
    base = f"{url}/v1/projects/{project}/jobs"
    deadline = time.monotonic() + 60
    for name, job_id in jobs.items():
        while True:
            totals = httpx.get(f"{base}/{job_id}/metrics", headers=headers, timeout=10).json()
            read = totals["totals"]["numRowsProcessed"] + totals["totals"]["numRowsSkippedByError"]
            if read >= expect or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        job = httpx.get(f"{base}/{job_id}", headers=headers, timeout=10).json()
        t = totals["totals"]
        print(
            f"{name}: {job['executionStatus']}, health {job['health']['status']}: "
            f"{t['numRowsProcessed']} rows processed ({t['numBytesProcessed']} bytes), "
            f"{t['numRowsProcessedWithWarning']} with warnings, "
            f"{t['numRowsSkippedByError']} unparseable"
        )


def rows(url: str, project: str) -> None:
    """What the tables hold: one Druid SQL query per table, through `polaris_pulumi.api`."""
    client = PolarisClient(url=url, project_id=project)  # the key: POLARIS_API_KEY
    for table, query in QUERIES.items():
        print(f"\n{table}: {query}")
        print(render(client.query_sql(query)))


def render(rows: list[dict[str, object]]) -> str:
    """Rows as an aligned text table."""
    if not rows:
        return "(no rows)"
    names = list(rows[0])
    cells = [names] + [[str(r[n]) for n in names] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(names))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) for c in cells)


def main() -> None:
    action, *args = sys.argv[1:]
    if action == "produce":
        produce(Path(args[0]), args[1], int(args[2]))
    elif action == "metrics":
        url, project, jobs, kafka_dir, topic = args
        metrics(url, project, json.loads(jobs), held(Path(kafka_dir), topic))
    elif action == "rows":
        rows(*args)
    else:
        sys.exit(f"demo_kafka: unknown action {action!r}")


if __name__ == "__main__":
    main()
