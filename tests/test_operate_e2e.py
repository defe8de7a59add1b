"""Operating ingestion through the real CLI: suspend/resume, read-position reset, health and
health outputs, drift, and waits that overlap."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import Pulumi
from tests.stacks import MANY_PROGRAM, polaris_stack

pytestmark = pytest.mark.e2e

JOBS = "/v1/projects/{projectId}/jobs"


def handled(emulator: EmulatorProcess, key: str) -> int:
    return int(emulator.counters()["handled"].get(key, 0))


def test_suspend_resume_reset_health_and_drift(tmp_path: Path, emulator: EmulatorProcess) -> None:
    pulumi = polaris_stack(tmp_path, emulator)
    client = emulator.client()

    # Created suspended: the wait ends when it is suspended.
    pulumi.config_set("desired", "suspended")
    pulumi.up()
    out = pulumi.outputs()
    job_id = out["job_id"]
    assert out["status"] == "suspended"
    assert client.get_job(job_id).execution_status == "suspended"
    assert out["health"] == {"status": "ok"}  # as the one wait observed it

    # Resume: an in-place update through POST /jobs/{id}/status, same job.
    pulumi.config_set("desired", "running")
    preview = pulumi.preview("--diff")
    assert "desired_execution_status" in preview.output and "replace" not in preview.output
    emulator.reset_counters()
    result = pulumi.up()
    assert "replaced" not in result.output and "updated" in result.output
    assert handled(emulator, "POST " + JOBS + "/{id}/status") == 1
    assert handled(emulator, "POST " + JOBS) == 0
    assert pulumi.outputs()["job_id"] == job_id and pulumi.outputs()["status"] == "running"

    # Reset the read position on purpose: one POST /reset, same job.
    pulumi.config_set("reset", "2026-11-25")
    assert "read_position_reset_trigger" in pulumi.preview("--diff").output
    emulator.reset_counters()
    pulumi.up()
    assert handled(emulator, "POST " + JOBS + "/{id}/reset") == 1
    assert pulumi.outputs()["job_id"] == job_id
    pulumi.preview("--expect-no-changes")

    # Suspended outside Pulumi: refresh reads it and says it (the status outputs follow), the next
    # preview shows it as old => new, and up resumes it and returns once it runs again.
    client.set_job_status(job_id, "suspended")
    client.wait_for_start(job_id, goal="suspended", timeout=30)
    refreshed = pulumi.refresh()
    assert observed_status(pulumi) == "suspended"
    said = f"job {job_id} (events-ingest) changed since it was recorded: running, health ok => suspended"
    assert said in refreshed.output, refreshed.output
    preview = pulumi.preview("--diff")
    drift = r'~ desired_execution_status\s*: "suspended" => "running"'
    assert re.search(drift, preview.output), preview.output
    pulumi.up()
    assert client.get_job(job_id).execution_status == "running"  # no wait of ours: up waited
    assert client.get_job(job_id).desired_execution_status == "running"
    assert observed_status(pulumi) == "running"
    pulumi.preview("--expect-no-changes")

    # A one-field change: the field and the replace, and no server-set noise.
    pulumi.config_set("late", "P90D")
    preview = pulumi.preview("--diff")
    block = job_block(preview.output)
    assert "(replace)" in block[0], preview.output
    changed = [line for line in block[1:] if re.match(r"\s*[-+~] ", line)]
    assert len(changed) == 1 and re.search(
        r'late_message_rejection_period\s*: "P90D"', changed[0]
    ), preview.output
    server_set = r"\s*[-+~]?\s*(created_by|metrics|health|job_id|execution_status|\w*timestamp)\b"
    assert not any(re.match(server_set, line) for line in block), preview.output
    assert "replace_running" not in preview.output
    pulumi.destroy()


def observed_status(pulumi: Pulumi) -> str:
    """The job's execution status as the program's one wait recorded it."""
    (wait,) = [r for r in pulumi.resources() if r["type"].endswith(":StreamingJobsStarted")]
    (seen,) = wait["outputs"]["observed"].values()
    return str(seen["execution_status"])


def job_block(output: str) -> list[str]:
    """The StreamingJob's lines of a `preview --diff`: its header to the next resource."""
    lines = output.splitlines()
    first = next(i for i, line in enumerate(lines) if "polaris:StreamingJob:" in line)
    rest = lines[first + 1 :]
    ends = (i for i, line in enumerate(rest) if "dynamic/polaris:" in line and ": (" in line)
    return lines[first : first + 1 + next(ends, len(rest))]


def test_waits_overlap(tmp_path: Path) -> None:
    """8 jobs that each take 3 s to start: every job exists before the first one starts.

    Evidence from the emulator's own timestamps, not wall time: with one wait per call slot
    (4 in the provider, 8 in the engine), jobs 5-8 would be created only after jobs 1-4 ran.
    """
    emulator = EmulatorProcess(tmp_path / "emulator", flags=["--job-start-delay", "3"]).start()
    try:
        pulumi = polaris_stack(tmp_path, emulator, MANY_PROGRAM, config={"count": "8"})
        pulumi.up()
        client = emulator.client()
        jobs = [client.get_job(j.id) for j in client.list_jobs()]
        assert len(jobs) == 8 and all(j.execution_status == "running" for j in jobs)

        def at(stamp: str | None) -> datetime:
            assert stamp is not None
            return datetime.fromisoformat(stamp[:26] + "+00:00")

        last_created = max(at(j.created_timestamp) for j in jobs)
        first_started = min(at(j.started_timestamp) for j in jobs)
        assert last_created < first_started, (last_created, first_started)
        resources = pulumi.resources()
        # One wait for all 8 jobs, made after them all; it observed each one running.
        [wait] = [r for r in resources if r["type"].endswith(":StreamingJobsStarted")]
        jobs_urns = {r["urn"] for r in resources if r["type"].endswith(":StreamingJob")}
        assert set(wait["dependencies"]) == jobs_urns and len(jobs_urns) == 8
        observed = wait["outputs"]["observed"]
        assert sorted(s["execution_status"] for s in observed.values()) == ["running"] * 8
        assert not [r for r in resources if r["type"].endswith((":StreamingJobStart", "sCreated"))]
        pulumi.destroy()
    finally:
        emulator.stop()


def test_a_job_that_fails_to_start_fails_the_up_and_is_recorded(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    pulumi = polaris_stack(
        tmp_path, emulator, config={"bootstrap": "broker.invalid:9092", "test_connection": "false"}
    )
    result = pulumi.up(check=False)
    assert result.returncode != 0
    assert (
        "could_not_connect_to_source" in result.output and "Unable to reach broker" in result.output
    )
    [job] = [r for r in pulumi.resources() if r["type"].endswith(":StreamingJob")]
    assert emulator.client().get_job(job["id"]).execution_status == "failed"  # in state, no orphan

    # Fix the connection; `up --refresh` sees the failed job and makes a new one.
    pulumi.config_set("bootstrap", "pkc-xxxxx.us-east-1.aws.confluent.cloud:9092")
    pulumi.up("--refresh")
    client = emulator.client()
    active = [j.id for j in client.list_jobs() if not j.is_terminal]
    assert active == [pulumi.outputs()["job_id"]] and pulumi.outputs()["status"] == "running"
    pulumi.preview("--expect-no-changes")
    pulumi.destroy()
