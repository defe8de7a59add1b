"""`pulumi up` of N connections + N jobs vs a plain httpx script doing the same API calls.

Run from the repo root after `bash scripts/bootstrap.sh`:

    .venv/bin/python -m benchmarks.bench_up              # N = 25, 100, 250; starts 0.2 s, 10 s
    .venv/bin/python -m benchmarks.bench_up --sizes 1 --delays 0.2    # smoke run (CI)

Both run against one emulator in this run (jobs start after --job-start-delay). The raw script
makes what the provider makes per pair: create connection, test it, create job, poll it until
running; one thread per pair, all at once (the physical floor). `T_engine` is the engine's own
floor: the same resource graph with a provider that makes no API call. Per size it prints the
times and their ratios, the per-pair growth against the smallest size, the no-op preview's
time, the API calls of a no-op up and of a refresh, `pulumi stack export` bytes per pair and
the provider's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks import engine_floor
from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import REPO, Pulumi, write_program
from tests.stacks import MANY_PROGRAM, polaris_stack


class PeakRSS:
    """Highest VmHWM of any `python -m pulumi.dynamic` process while running."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.wait(0.1):
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if b"pulumi.dynamic" not in cmdline:
                        continue
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                except OSError:
                    continue


def raw_script(emulator: EmulatorProcess, n: int) -> None:
    """The same calls as the provider, by hand, every pair at once."""
    base = f"{emulator.url}/v1/projects/{emulator.project_id}"
    headers = {"Authorization": f"Basic {emulator.api_key}"}

    def pair(i: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            conn = {
                "type": "confluent",
                "name": f"conn_{i}",
                "bootstrapServers": "pkc-1.us-east-1.aws.confluent.cloud:9092",
                "topicName": f"topic_{i}",
                "secrets": {"type": "sasl_plain", "username": "KEY", "password": "raw-pw"},
            }
            http.post("/connections", json=conn).raise_for_status()
            http.post(f"/connections/conn_{i}/test").raise_for_status()
            job = {
                "type": "streaming",
                "source": {
                    "type": "connection",
                    "connectionName": f"conn_{i}",
                    "formatSettings": {"format": "nd-json"},
                    "inputSchema": [{"name": "ts", "dataType": "string"}],
                },
                "mappings": [{"columnName": "__time", "expression": 'TIME_PARSE("ts")'}],
                "target": {"type": "table", "tableName": f"table-{i}"},
                "createTableIfNotExists": True,
            }
            job_id = http.post("/jobs", json=job).raise_for_status().json()["id"]
            delay = 0.1
            while http.get(f"/jobs/{job_id}").json()["executionStatus"] != "running":
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    with ThreadPoolExecutor(max(n, 1)) as pool:
        list(pool.map(pair, range(n)))


def timed_up(pulumi: Pulumi, count: int) -> tuple[float, int]:
    pulumi.config_set("count", str(count))
    with PeakRSS() as rss:
        started = time.monotonic()
        pulumi.up()
        elapsed = time.monotonic() - started
    return elapsed, rss.peak_kib


def floor_up(tmp: Path, n: int) -> float:
    """`pulumi up` of the same resource graph with a provider that makes no API call."""
    workdir = write_program(tmp / f"floor-{n}", engine_floor.PROGRAM, name="engine-floor")
    pulumi = Pulumi(workdir, tmp / f"floor-{n}-state", extra_env={"PYTHONPATH": str(REPO)})
    pulumi.init()
    elapsed, _ = timed_up(pulumi, n)
    pulumi.destroy()
    return elapsed


def measure(tmp: Path, delay: float, sizes: list[int]) -> list[dict[str, object]]:
    """The rows of one job start delay."""
    emulator = EmulatorProcess(tmp / f"emulator-{delay:g}", flags=["--job-start-delay", str(delay)])
    emulator.start()
    rows: list[dict[str, object]] = []
    try:
        empty = polaris_stack(tmp / f"empty-{delay:g}", emulator, MANY_PROGRAM, stack="empty")
        t_empty, _ = timed_up(empty, 0)
        for n in sizes:
            rows.append(measure_size(tmp, emulator, delay, n) | {"T_up(0) s": t_empty})
    finally:
        emulator.stop()
    return rows


def measure_size(tmp: Path, emulator: EmulatorProcess, delay: float, n: int) -> dict[str, object]:
    """One size: up, no-op preview and up, refresh, destroy; the raw script; the engine floor."""
    emulator.admin("POST", "wipe")
    emulator.reset_counters()
    pulumi = polaris_stack(tmp / f"n{n}-{delay:g}", emulator, MANY_PROGRAM, stack=f"n{n}")
    t_up, peak = timed_up(pulumi, n)
    up_calls = emulator.counters()["total_received"]
    # Per pair: its connection, its job, and a share of the one wait.
    state_bytes = len(json.dumps(json.loads(pulumi.export())))
    started = time.monotonic()
    pulumi.preview("--expect-no-changes")
    t_preview = time.monotonic() - started
    emulator.reset_counters()
    pulumi.up("--expect-no-changes")
    noop = emulator.counters()
    emulator.reset_counters()
    pulumi.refresh("--skip-preview")
    refresh = emulator.counters()
    pulumi.destroy()

    emulator.admin("POST", "wipe")
    emulator.reset_counters()
    started = time.monotonic()
    raw_script(emulator, n)
    t_raw = time.monotonic() - started
    raw_calls = emulator.counters()["total_received"]
    t_floor = floor_up(tmp / f"d{delay:g}", n)
    return {
        "N": n,
        "job start s": delay,
        "T_up s": t_up,
        "T_raw s": t_raw,
        "T_engine s": t_floor,
        "T_up/T_raw": t_up / t_raw,
        "T_up/T_engine": t_up / t_floor,
        "T_engine/T_raw": t_floor / t_raw,
        "API calls up": up_calls,
        "API calls raw": raw_calls,
        "no-op preview s": t_preview,
        "no-op up calls": noop["total_received"],
        "no-op writes": noop["writes_received"],
        "refresh calls": refresh["total_received"],
        "refresh writes": refresh["writes_received"],
        "state B/pair": state_bytes / n,
        "provider peak RSS MiB": peak / 1024,
    }


def with_growth(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Per-pair cost (T_up / N) against the smallest size of the same job start delay."""
    base: dict[object, float] = {}
    for row in rows:
        per_pair = float(row["T_up s"]) / int(row["N"])  # type: ignore[arg-type]
        base.setdefault(row["job start s"], per_pair)
        row["per-pair growth"] = per_pair / base[row["job start s"]]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25,100,250")
    parser.add_argument("--delays", default="0.2,10", help="job start delays, seconds")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="polaris-bench-") as tmp_dir:
        for delay in (float(d) for d in args.delays.split(",")):
            rows += measure(Path(tmp_dir), delay, sizes)
    rows = with_growth(rows)

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("raw script: one thread per pair (full parallelism)\n")
    header = list(rows[0]) if rows else []
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row.values()]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
