"""A stack made by the previous release (a `StreamingJobStart` beside each job, one
`StreamingJobsCreated` barrier, providers pickled as `polaris_pulumi._provider.X`) moves to
the one wait on its next `up`: the old waits are deleted, no job is recreated, and Polaris
gets no write at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_proc import EmulatorProcess
from tests.stacks import MANY_PROGRAM, polaris_stack

pytestmark = pytest.mark.e2e

# `__provider` as the previous release (536ad61) wrote it, recorded from its `stack export`.
OLD_PROVIDERS = {
    "Connection": "gASVOQAAAAAAAACMGHBvbGFyaXNfcHVsdW1pLl9wcm92aWRlcpSMEkNvbm5lY3Rpb25Qcm92aWRlcpSTlCmBlH2UYi4=",
    "StreamingJob": "gASVOwAAAAAAAACMGHBvbGFyaXNfcHVsdW1pLl9wcm92aWRlcpSMFFN0cmVhbWluZ0pvYlByb3ZpZGVylJOUKYGUfZRiLg==",
    "StreamingJobsCreated": "gASVQAAAAAAAAACMGHBvbGFyaXNfcHVsdW1pLl9wcm92aWRlcpSMHFN0cmVhbWluZ0pvYnNDcmVhdGVkUHJvdmlkZXKUk5QpgZQu",
    "StreamingJobStart": "gASVQAAAAAAAAACMGHBvbGFyaXNfcHVsdW1pLl9wcm92aWRlcpSMGVN0cmVhbWluZ0pvYlN0YXJ0UHJvdmlkZXKUk5QpgZR9lGIu",
}
TYPE = "pulumi-python:dynamic/polaris:"
ZERO_METRICS = dict.fromkeys(
    (
        "num_bytes_processed",
        "num_rows_persisted",
        "num_rows_processed",
        "num_rows_processed_with_warning",
        "num_rows_skipped_by_error",
        "num_rows_skipped_by_filter",
    ),
    0,
)


def _kind(resource: dict[str, Any]) -> str:
    return str(resource["type"]).removeprefix(TYPE)


def previous_release(deployment: dict[str, Any]) -> dict[str, Any]:
    """This state as the previous release would have written it."""
    resources = [r for r in deployment["resources"] if _kind(r) != "StreamingJobsStarted"]
    jobs = [r for r in resources if _kind(r) == "StreamingJob"]
    for r in resources:
        if _kind(r) in OLD_PROVIDERS:
            r["inputs"]["__provider"] = r["outputs"]["__provider"] = OLD_PROVIDERS[_kind(r)]
    stack, provider = jobs[0]["parent"], jobs[0]["provider"]
    prefix = stack.split("pulumi:pulumi:Stack")[0]
    barrier = f"{prefix}{TYPE}StreamingJobsCreated::streaming-jobs-created"
    old = {"__provider": OLD_PROVIDERS["StreamingJobsCreated"]}
    added = [
        {
            "urn": barrier,
            "custom": True,
            "id": "streaming-jobs-created",
            "type": f"{TYPE}StreamingJobsCreated",
            "inputs": old,
            "outputs": old,
            "parent": stack,
            "dependencies": [j["urn"] for j in jobs],
            "provider": provider,
        }
    ]
    for job in jobs:
        name = job["urn"].rsplit("::", 1)[1]
        wait = {"goal": "running", "job_id": job["id"], "wait_timeout": 120}
        wait["__provider"] = OLD_PROVIDERS["StreamingJobStart"]
        observed = {"execution_status": "running", "health": {"status": "ok"}}
        added.append(
            {
                "urn": f"{prefix}{TYPE}StreamingJob${TYPE}StreamingJobStart::{name}-started",
                "custom": True,
                "id": job["id"],
                "type": f"{TYPE}StreamingJobStart",
                "inputs": wait,
                "outputs": wait | observed | {"metrics": ZERO_METRICS},
                "parent": job["urn"],
                "dependencies": [job["urn"], barrier],
                "provider": provider,
            }
        )
    return deployment | {"resources": resources + added}


def test_a_stack_of_the_previous_release_moves_to_the_one_wait_without_a_write(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    pulumi = polaris_stack(tmp_path, emulator, MANY_PROGRAM, config={"count": "3"})
    pulumi.up()
    exported = json.loads(pulumi.export())
    exported["deployment"] = previous_release(exported["deployment"])
    (tmp_path / "old.json").write_text(json.dumps(exported))
    pulumi.run("stack", "import", "--stack", pulumi.stack, "--file", str(tmp_path / "old.json"))
    before = {r["urn"]: r["id"] for r in pulumi.resources() if _kind(r) == "StreamingJob"}
    assert len([r for r in pulumi.resources() if _kind(r) == "StreamingJobStart"]) == 3

    emulator.reset_counters()
    pulumi.up()
    counters = emulator.counters()
    assert counters["writes_received"] == 0, counters  # no job (nor connection) recreated
    after = pulumi.resources()
    assert {r["urn"]: r["id"] for r in after if _kind(r) == "StreamingJob"} == before
    kinds = sorted(_kind(r) for r in after if r["type"].startswith(TYPE))
    assert kinds == ["Connection"] * 3 + ["StreamingJob"] * 3 + ["StreamingJobsStarted"]
    pulumi.preview("--expect-no-changes")
    pulumi.destroy()
