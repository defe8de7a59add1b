"""A tiny run of the benchmark, so it keeps working; its numbers are reported, not asserted."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
    # Deterministic facts only (poll counts vary with timing): a no-op up makes no API call;
    # refresh reads the connection, the job and its metrics, and writes nothing (the job's
    # StreamingJobStart reads nothing).
    assert (cells[11], cells[12], cells[13], cells[14]) == ("0", "0", "3", "0"), rows[0]
