"""A streaming job's state machine: a pure function of its record and the time.

Transitions are applied when a job is next looked at, stamped with the time they became due,
so that a job's timestamps do not depend on who polled it, or when.
"""

from __future__ import annotations

from datetime import UTC, datetime

from polaris_pulumi.emulator._records import JobRecord
from polaris_pulumi.jobs._model import Health


def iso_micro(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_nano(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def advance(job: JobRecord, now: float) -> JobRecord | None:
    """The job moved toward its desired status as of `now`, or None if nothing is due."""
    status, desired, due = job.execution_status, job.desired_execution_status, job.change_at
    if job.type != "streaming" or job.terminal or now < due:
        return None
    if desired == "running" and status in ("pending", "suspended"):
        return _failed(job, due) if job.failures else _started(job, due)
    if desired == "canceled":
        return job.model_copy(
            update={"execution_status": "canceled", "completed_timestamp": iso_nano(due)}
        )
    if desired == "suspended" and status in ("pending", "running", "idle"):
        return job.model_copy(update={"execution_status": "suspended"})
    return None


def _failed(job: JobRecord, due: float) -> JobRecord:
    code = job.failures[0].code if len(job.failures) == 1 else "multiple"
    message = "; ".join(f.message for f in job.failures)
    return job.model_copy(
        update={
            "execution_status": "failed",
            "health": Health(status="error", code=code, message=message),
            "completed_timestamp": iso_nano(due),
        }
    )


def _started(job: JobRecord, due: float) -> JobRecord:
    update: dict[str, object] = {
        "execution_status": "idle" if job.idle else "running",
        "started_timestamp": job.started_timestamp or iso_nano(due),
    }
    if job.warning:
        entry = {
            "timestamp": iso_micro(due),
            "healthStatus": "warn",
            "code": "invalid_rows_found",
            "message": job.warning,
        }
        update["health"] = Health(status="warn", code="invalid_rows_found", log=entry)
    return job.model_copy(update=update)
