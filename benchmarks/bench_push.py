"""Benchmark: one push of about 1 MB of tiny events (`{"i":1}`, 110,000 of them) ingested by a
job, with a query asked every 50 ms meanwhile (issue 44: the push held the write lock for
39-57 s, and every query waited).

It prints how long the push request took, how long until the table held every event, the
rate, the slowest query while it ran, and the engine's floor: the same rows through the job's
pipeline (`_pipeline.write`, one batch, in-memory DuckDB: no HTTP, no decoding).

    .venv/bin/python -m benchmarks.bench_push [--events 110000]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import httpx

from polaris_pulumi.emulator.ingest import _pipeline
from polaris_pulumi.emulator.ingest._rows import Rows
from polaris_pulumi.jobs._model import StreamingJobSpec
from polaris_pulumi.tables._model import TableSpec
from tests.emulator_proc import EmulatorProcess

TIME = "TIME_PARSE('2026-12-01T00:00:00Z')"
JOB = {
    "type": "streaming",
    "source": {
        "type": "connection",
        "connectionName": "pushed",
        "formatSettings": {"format": "nd-json"},
        "inputSchema": [{"name": "i", "dataType": "long"}],
    },
    "mappings": [
        {"columnName": "__time", "expression": TIME},
        {"columnName": "i", "expression": '"i"'},
    ],
    "target": {"type": "table", "tableName": "tiny"},
    "createTableIfNotExists": True,
    "readFromPoint": "earliest",
    "lateMessageRejectionPeriod": "P36500D",
}


def engine_floor(n: int) -> float:
    spec = StreamingJobSpec.model_validate(JOB)
    plan = _pipeline.compile_plan(spec, TableSpec(name="tiny", type="detail"), time.time())
    rows = Rows(":memory:")
    started = time.perf_counter()
    _pipeline.write(rows, plan, [{"i": 1}] * n, {"i": "long"})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=110_000)
    n = parser.parse_args().events
    payload = b"\n".join(b'{"i":1}' for _ in range(n))
    with tempfile.TemporaryDirectory() as tmp:
        flags = ["--job-start-delay", "0"]
        with EmulatorProcess(Path(tmp), flags=flags).start() as emulator:
            api = httpx.Client(
                base_url=f"{emulator.url}/v1/projects/{emulator.project_id}",
                headers={"Authorization": f"Basic {emulator.api_key}"},
                timeout=600,
            )
            api.post("/connections", json={"type": "push_streaming", "name": "pushed"})
            assert api.post("/jobs", json=JOB).status_code == 201
            emulator.wait_ingested()  # running, nothing to read yet
            slowest, done = [0.0], threading.Event()

            def ask() -> None:
                while not done.is_set():
                    t = time.perf_counter()
                    api.post("/query/sql", json={"query": 'SELECT COUNT(*) FROM "tiny"'})
                    slowest[0] = max(slowest[0], time.perf_counter() - t)
                    time.sleep(0.05)  # a dashboard's pace, not a wait for a state

            asker = threading.Thread(target=ask, daemon=True)
            asker.start()
            started = time.perf_counter()
            headers = {"Content-Type": "application/json"}
            pushed = api.post("/events/pushed", content=payload, headers=headers)
            push_s = time.perf_counter() - started
            assert pushed.status_code == 200, pushed.text
            emulator.wait_ingested(timeout=600)
            total_s = time.perf_counter() - started
            done.set()
            asker.join()
            count = api.post("/query/sql", json={"query": 'SELECT COUNT(*) AS n FROM "tiny"'})
            assert count.json() == [{"n": n}], count.text
    floor = engine_floor(n)
    print("| events | bytes | push request | ingested | rate | slowest query | engine floor |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {n:,} | {len(payload):,} | {push_s:.2f} s | {total_s:.2f} s | "
        f"{n / total_s:,.0f}/s | {slowest[0]:.2f} s | {floor:.2f} s |"
    )


if __name__ == "__main__":
    main()
