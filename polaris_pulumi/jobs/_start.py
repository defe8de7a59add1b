"""Waiting for jobs: a barrier after every job of a program, and one wait per job after it, so
that the jobs start meanwhile and the waits overlap."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from polaris_pulumi._base_provider import DEFAULT_WAIT_TIMEOUT, PolarisProvider
from polaris_pulumi._contract import STARTED_STATUSES
from polaris_pulumi._engine import log
from polaris_pulumi._exceptions import (
    JobFailedError,
    NotFoundError,
    PolarisProviderError,
    WaitTimeoutError,
)
from polaris_pulumi.jobs._model import StreamingJob


class StreamingJobsCreatedProvider(ResourceProvider):
    """A barrier that makes no API call: it is done once every job it depends on exists."""

    serialize_as_secret_always = False  # holds nothing at all

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("streaming-jobs-created", {})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props, {})


START_INPUT_KEYS = ("job_id", "goal", "wait", "wait_timeout")
# What Polaris observes of the job: as the wait ended, or as the last refresh read it. Their
# diffs are hidden in the display (`hide_diffs`): they are observations, never inputs.
START_OBSERVED_KEYS = ("execution_status", "health", "metrics")
START_OUTPUT_KEYS = (*START_INPUT_KEYS, *START_OBSERVED_KEYS)


def _at_goal(props: dict[str, Any]) -> bool:
    """Whether the job, as last observed, is where the program wants it: a refresh that found
    it suspended (or failed) outside Pulumi makes the next `up` wait again."""
    status = props.get("execution_status")
    if props.get("wait") is False or status is None:
        return True
    if (props.get("goal") or "running") == "suspended":
        return bool(status == "suspended")
    return status in STARTED_STATUSES


class StreamingJobStartProvider(PolarisProvider):
    """Waits until a job has reached its desired state (started, or suspended).

    Its resource runs once every StreamingJob of the program exists in Polaris (it depends on
    a StreamingJobsCreated barrier that depends on them all): the jobs start meanwhile, and the
    waits overlap instead of holding the provider's 4 call slots (and the engine's) one job
    after another.
    """

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news), [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in START_INPUT_KEYS if olds.get(k) != news.get(k)]
        if not _at_goal(olds | {k: news.get(k) for k in ("goal", "wait")}):
            changed.append("execution_status")
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(str(props["job_id"]), self._wait(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._wait(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The job as Polaris observes it now, so that status outputs follow reality."""
        inputs = {k: props.get(k) for k in START_INPUT_KEYS}
        if props.get("wait") is False or not props.get("job_id"):
            return ReadResult(id_, props, inputs)
        try:
            observed = self._observe(str(props["job_id"]))
        except NotFoundError:
            observed = dict.fromkeys(START_OBSERVED_KEYS)
        return ReadResult(id_, inputs | observed, inputs)

    def _observe(self, job_id: str, job: StreamingJob | None = None) -> dict[str, Any]:
        client = self.client()
        job = job or client.get_job(job_id)
        metrics = client.get_job_metrics(job_id)
        return {
            "execution_status": job.execution_status,
            "health": job.health.model_dump(mode="json", exclude_none=True) if job.health else None,
            "metrics": metrics.totals.model_dump(mode="json"),
        }

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None

    def _wait(self, props: dict[str, Any]) -> dict[str, Any]:
        outs = {k: props.get(k) for k in START_INPUT_KEYS}
        if props.get("wait") is False:
            return outs | dict.fromkeys(START_OBSERVED_KEYS)
        job_id, goal = str(props["job_id"]), str(props.get("goal") or "running")
        timeout = float(props.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT)
        try:
            job = self.client().wait_for_start(job_id, goal=goal, timeout=timeout)
        except JobFailedError as exc:
            raise PolarisProviderError(
                f"{exc}. The job is in the stack's state: fix the connection (topic, brokers, "
                "credentials) or the spec; `pulumi up --refresh` then replaces the failed job."
            ) from None
        except WaitTimeoutError as exc:
            raise PolarisProviderError(
                f"{exc}. The job stays, recorded in the stack; the next `pulumi up` waits again. "
                "Raise wait_timeout, or set wait_for_running=False."
            ) from None
        if job.health and job.health.is_warning:
            log(f"job {job_id} (table {job.table_name}) health is warn: {job.health.describe()}")
        if job.execution_status == "suspended" and goal == "running":
            log(f"job {job_id} (table {job.table_name}) was suspended by someone: resume it")
        return outs | self._observe(job_id, job)
