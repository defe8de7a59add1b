"""Jobs v1 calls for streaming jobs: create (recognising what a lost create made), read,
list, suspend, resume, reset, cancel, and waits for a job to start or end."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from polaris_pulumi._answers import segment
from polaris_pulumi._contract import DEFAULT_PAGE_SIZE, STARTED_STATUSES
from polaris_pulumi._exceptions import JobFailedError, WaitTimeoutError
from polaris_pulumi._transport import Transport, log
from polaris_pulumi.jobs._model import (
    JobList,
    JobLogEntry,
    JobLogs,
    JobMetrics,
    JobState,
    JobStatus,
    JobSummary,
    StreamingJob,
    StreamingJobSpec,
)


class JobsAPI(Transport):
    def create_job(self, spec: StreamingJobSpec) -> StreamingJob:
        """Create (201); before a retry, look for the job a lost attempt may have created."""
        body = spec.to_api()
        for attempt in self._attempts():
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    made = self.find_job_matching(spec)
                    if made is not None:
                        log.info(
                            "job for table %s: found the one a lost create made",
                            spec.target.table_name,
                        )
                        return made
                return self._send("POST", "/jobs", json=body).into(StreamingJob)
        raise AssertionError("unreachable")  # pragma: no cover

    def find_job_matching(self, spec: StreamingJobSpec) -> StreamingJob | None:
        """The active streaming job on the spec's table that has this spec (`same_as`): what
        a create whose answer was lost made. The one place such a create is recognised."""
        for summary in self.active_jobs(spec.target.table_name):
            job = self.get_job(summary.id)
            if spec.same_as(job.spec):
                return job
        return None

    def active_jobs(self, table_name: str) -> list[JobSummary]:
        """Streaming jobs on a table that are not over (during a replaceRunning hand-over,
        the one going away too)."""
        return [
            j
            for j in self.list_jobs(types=["streaming"], target_table_name=table_name)
            if not j.is_terminal
        ]

    def active_job_for_table(self, table_name: str) -> StreamingJob | None:
        """Polaris allows one running streaming job per table: that one, read in full."""
        jobs = sorted(self.active_jobs(table_name), key=lambda j: j.is_canceling)
        return self.get_job(jobs[0].id) if jobs else None

    def get_job(self, job_id: str) -> StreamingJob:
        """A streaming job in full (summaries from list_jobs never carry the spec)."""
        return self._get_model(f"/jobs/{segment(job_id)}", StreamingJob)

    def get_job_status(self, job_id: str) -> JobStatus:
        return self._get_model(f"/jobs/{segment(job_id)}/status", JobStatus)

    def get_job_metrics(self, job_id: str) -> JobMetrics:
        return self._get_model(f"/jobs/{segment(job_id)}/metrics", JobMetrics)

    def get_job_logs(self, job_id: str) -> list[JobLogEntry]:
        """What the job logged while it ran (records it rejected or warned about, and why),
        newest first."""
        return self._get_model(f"/jobs/{segment(job_id)}/logs", JobLogs).logs

    def list_jobs(
        self,
        *,
        types: Iterable[str] = (),
        health_status: Iterable[str] = (),
        execution_status: Iterable[str] = (),
        connection_name: Iterable[str] = (),
        target_table_name: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> list[JobSummary]:
        """Job summaries, every page; repeated values OR, different parameters AND."""
        params: dict[str, Any] = {
            "type": list(types),
            "healthStatus": list(health_status),
            "executionStatus": list(execution_status),
            "connectionName": list(connection_name),
            "targetTableName": target_table_name,
        }
        params = {k: v for k, v in params.items() if v}
        jobs: list[JobSummary] = []
        while True:
            page_params = params | {"paginationLimit": page_size, "paginationOffset": len(jobs)}
            page = self._request("GET", "/jobs", params=page_params).into(JobList)
            jobs += page.values
            if not page.more_results_available or not page.values:
                return jobs

    def set_job_status(self, job_id: str, desired: str) -> JobStatus:
        """POST /jobs/{id}/status: running, suspended or canceled."""
        response = self._request(
            "POST",
            f"/jobs/{segment(job_id)}/status",
            json={"desiredExecutionStatus": desired},
        )
        return response.into(JobStatus)

    def cancel_job(self, job_id: str) -> StreamingJob:
        """Ask the job to stop; returns it as it was, with the desired status now canceled."""
        job = self.get_job(job_id)
        if job.is_terminal or job.desired_execution_status == "canceled":
            return job
        status = self.set_job_status(job_id, "canceled")
        return job.model_copy(
            update={
                "desired_execution_status": "canceled",
                "execution_status": status.execution_status,
            }
        )

    def reset_job(self, job_id: str) -> None:
        """POST /jobs/{id}/reset (200, no body): reset the read position of the job's topics."""
        # A repeat would move the read position back again, past what was read meanwhile.
        self._request("POST", f"/jobs/{segment(job_id)}/reset", recognisable=False)

    def _poll(
        self,
        job_id: str,
        done: Callable[[StreamingJob], bool],
        goal: str,
        timeout: float,
        poll_interval: float,
    ) -> StreamingJob:
        deadline = time.monotonic() + timeout
        delay = min(0.1, poll_interval)
        while True:
            job = self.get_job(job_id)
            if done(job):
                return job
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(
                    f"job {job_id} (table {job.table_name}) is still {job.execution_status!r} "
                    f"after {timeout:g}s, waiting for it to {goal}; raise the wait timeout or "
                    "check the job"
                )
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, poll_interval)

    def wait_for_start(
        self,
        job_id: str,
        *,
        goal: str = "running",
        timeout: float = 300.0,
        poll_interval: float = 1.0,
    ) -> StreamingJob:
        """Until the job has reached `goal` (see `reached`)."""
        return self._poll(
            job_id,
            lambda job: reached(job, goal),
            "start" if goal == "running" else goal,
            timeout,
            poll_interval,
        )

    def wait_for_jobs(
        self, goals: Mapping[str, tuple[str, float]], *, poll_interval: float = 1.0
    ) -> dict[str, JobSummary]:
        """Until every job (id -> its goal and timeout in seconds) has reached its goal:
        one list of the streaming jobs per poll, for all of them. Fails naming every job that
        failed, or every job still not there at its deadline."""
        started = time.monotonic()
        delay = min(0.1, poll_interval)
        while True:
            found = {j.id: j for j in self.list_jobs(types=["streaming"])}
            failed, waiting = [], []
            for job_id, (goal, timeout) in goals.items():
                job = found.get(job_id)
                try:
                    if job is None:
                        raise JobFailedError(f"job {job_id} is not in Polaris")
                    if not reached(job, goal):
                        waiting.append((job_id, goal, timeout))
                except JobFailedError as exc:
                    failed.append(str(exc))
            if failed:
                raise JobFailedError("; ".join(failed))
            if not waiting:
                return {job_id: found[job_id] for job_id in goals}
            elapsed = time.monotonic() - started
            late = [(i, g, t) for i, g, t in waiting if elapsed >= t]
            if late:
                raise WaitTimeoutError("; ".join(_still(found[i], g, t) for i, g, t in late))
            time.sleep(min(delay, max(0.0, min(t for _, _, t in waiting) - elapsed)))
            delay = min(delay * 2, poll_interval)

    def wait_for_end(
        self, job_id: str, *, timeout: float = 300.0, poll_interval: float = 1.0
    ) -> StreamingJob:
        """Until the job is over: canceled, failed or completed."""
        return self._poll(job_id, lambda j: j.is_terminal, "end", timeout, poll_interval)


def reached(job: JobState, goal: str) -> bool:
    """Whether a job has reached `goal`: `running` (or `idle`: started, nothing to read yet),
    or `suspended`.

    Raises on `failed`, `canceled` or `completed`, and on health `error`. Waiting for
    `running`, a job someone asked to suspend counts as `suspended`. `pending` and `unknown`
    keep waiting.
    """
    status = job.execution_status
    table = getattr(job, "table_name", None)
    if job.is_terminal or (job.health and job.health.is_error):
        health = job.health.describe() if job.health else "no details"
        raise JobFailedError(f"job {job.id} (table {table}) is {status}: {health}", job)
    if goal == "suspended":
        return status == "suspended"
    return status in STARTED_STATUSES or (
        status == "suspended" and job.desired_execution_status == "suspended"
    )


def _still(job: JobSummary, goal: str, timeout: float) -> str:
    what = "start" if goal == "running" else goal
    return (
        f"job {job.id} (table {job.table_name}) is still {job.execution_status!r} after "
        f"{timeout:g}s, waiting for it to {what}"
    )
