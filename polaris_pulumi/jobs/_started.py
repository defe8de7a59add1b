"""One wait for every job of a program: `StreamingJobsStarted`, made after all the jobs, polls
one list of Polaris' streaming jobs for all of them and holds what it observed of each."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from polaris_pulumi._base_provider import DEFAULT_WAIT_TIMEOUT, PolarisProvider
from polaris_pulumi._contract import STARTED_STATUSES
from polaris_pulumi._engine import log
from polaris_pulumi._exceptions import JobFailedError, PolarisProviderError, WaitTimeoutError
from polaris_pulumi.jobs._model import JobSummary

WAIT_ID = "streaming-jobs-started"


def _goals(jobs: dict[str, Any]) -> dict[str, tuple[str, float]]:
    """Job id -> its goal and timeout, for the jobs the wait holds."""
    return {
        str(w["job_id"]): (
            str(w.get("goal") or "running"),
            float(w.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT),
        )
        for w in jobs.values()
        if w.get("wait") is not False
    }


def _observed(jobs: dict[str, Any], found: dict[str, JobSummary]) -> dict[str, Any]:
    """Per job (by its key in the program): its execution status and health, as Polaris
    reported them. A job Polaris no longer has shows as None."""
    out = {}
    for key, wait in jobs.items():
        job = found.get(str(wait["job_id"]))
        health = (
            job.health.model_dump(mode="json", exclude_none=True) if job and job.health else None
        )
        out[key] = {"execution_status": job.execution_status if job else None, "health": health}
    return out


def _at_goal(jobs: dict[str, Any], observed: dict[str, Any]) -> bool:
    """Whether every job, as last observed, is where the program wants it: a refresh that found
    one suspended (or failed) outside Pulumi makes the next `up` wait again."""
    for key, wait in jobs.items():
        seen = (observed or {}).get(key) or {}
        status = seen.get("execution_status")
        if status is None or wait.get("wait") is False:
            continue
        goal = wait.get("goal") or "running"
        if goal == "suspended" and status != "suspended":
            return False
        if goal == "running" and status not in STARTED_STATUSES:
            return False
    return True


class StreamingJobsStartedProvider(PolarisProvider):
    """Waits until each job of the program has reached its desired state (started, or
    suspended). It runs once every job exists in Polaris, so the jobs start meanwhile and one
    poll of the job list serves them all."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news), [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        jobs = news.get("jobs") or {}
        changed = olds.get("jobs") != jobs or not _at_goal(jobs, olds.get("observed") or {})
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(WAIT_ID, self._wait(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._wait(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The jobs as Polaris reports them now (one list), so the observed states follow.

        A changed status or health is said in a line: Pulumi's refresh compares what it read
        with the program's wish, so a job still running but now failing counts as unchanged,
        and the program's outputs follow only at the next `up`."""
        jobs = props.get("jobs") or {}
        found = {j.id: j for j in self.client().list_jobs(types=["streaming"])} if jobs else {}
        observed = _observed(jobs, found)
        for line in _changes(jobs, props.get("observed") or {}, observed):
            log(line)
        return ReadResult(id_, {"jobs": jobs, "observed": observed}, {"jobs": jobs})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None  # a wait leaves nothing behind

    def _wait(self, props: dict[str, Any]) -> dict[str, Any]:
        jobs = props.get("jobs") or {}
        goals = _goals(jobs)
        try:
            found = self.client().wait_for_jobs(goals) if goals else {}
        except JobFailedError as exc:
            raise PolarisProviderError(
                f"{exc}. The jobs are in the stack's state: fix the connection (topic, brokers, "
                "credentials) or the spec; `pulumi up --refresh` then replaces a failed job."
            ) from None
        except WaitTimeoutError as exc:
            raise PolarisProviderError(
                f"{exc}. The jobs stay, recorded in the stack; the next `pulumi up` waits again. "
                "Raise wait_timeout, or set wait_for_running=False."
            ) from None
        for job in found.values():
            _report(job, goals[job.id][0])
        return {"jobs": jobs, "observed": _observed(jobs, found)}


def _changes(jobs: dict[str, Any], before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """One line per job whose execution status or health differs from what was recorded."""
    lines = []
    for key, wait in jobs.items():
        old, new = before.get(key) or {}, now.get(key) or {}
        if old == new:
            continue
        status, health = new.get("execution_status"), new.get("health") or {}
        said = ": ".join(str(p) for p in (health.get("code"), health.get("message")) if p)
        lines.append(
            f"job {wait['job_id']} ({key}) changed since it was recorded: "
            f"{_state(old)} => {_state(new)}"
            + (f" ({said})" if said else "")
            + ("" if status else ": Polaris no longer has it")
        )
    return lines


def _state(seen: dict[str, Any]) -> str:
    health = (seen.get("health") or {}).get("status")
    return f"{seen.get('execution_status') or 'gone'}, health {health or 'unknown'}"


def _report(job: JobSummary, goal: str) -> None:
    if job.health and (job.health.is_warning or job.health.status == "error"):
        # A job that started but cannot ingest (an error of its source, or an expression
        # the engine does not evaluate) is said at `up`, not only on a later look.
        said = "warn" if job.health.is_warning else "error"
        log(f"job {job.id} (table {job.table_name}) health is {said}: {job.health.describe()}")
    if job.execution_status == "suspended" and goal == "running":
        log(f"job {job.id} (table {job.table_name}) was suspended by someone: resume it")
