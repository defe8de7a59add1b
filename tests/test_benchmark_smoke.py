"""A tiny run of the benchmark, so it keeps working; its numbers are reported, not asserted."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.kafka_broker import LocalKafka
from tests.pulumi_cli import REPO

pytestmark = pytest.mark.e2e


def test_benchmark_smoke() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_up", "--sizes", "1", "--delays", "0.2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = [line for line in run.stdout.splitlines() if line.startswith("| 1 |")]
    assert len(rows) == 1, run.stdout
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    # Deterministic facts only (poll counts vary with timing): a no-op up makes one GET per
    # kind of object (the access check of preview: connections, jobs) and writes nothing;
    # refresh reads the connection and the job, and for the one wait the job list (status
    # outputs follow reality), and writes nothing.
    assert (cells[11], cells[12], cells[13], cells[14]) == ("2", "0", "3", "0"), rows[0]


def test_ingest_benchmark_smoke(kafka: LocalKafka) -> None:
    """A small run of bench_ingest (it checks the tables hold every event, or exits non-zero),
    on the run's broker."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_ingest",
            "--events",
            "200",
            "--kafka-dir",
            str(kafka.directory),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 7, run.stdout  # the header, five measurements and their floors added up
    assert "emulator peak RSS" in run.stdout, run.stdout
