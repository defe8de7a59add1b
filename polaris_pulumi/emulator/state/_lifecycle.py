"""A streaming job's state machine: the one place that decides a job's execution status and
health, as pure functions of its record, the time and what its consumer saw.

`advance` moves a job toward its desired status (pending, running, suspended, canceled); it is
applied when a job is next looked at, stamped with the time the transition became due, so that
a job's timestamps do not depend on who polled it, or when. `observe` applies what a job's
consumer saw in one batch (records flowing or not, parse errors, Kafka's errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from polaris_pulumi._contract import STARTED_STATUSES
from polaris_pulumi.emulator.state._records import JobRecord
from polaris_pulumi.jobs._model import Health, JobTotals

IDLE_AFTER = 10.0  # seconds without a record before a running job is idle


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


# --- what a job's consumer saw ----------------------------------------------------------------


@dataclass
class Observed:
    """One batch of a job's consumer: the job's totals once it committed (None: it committed
    nothing), whether it read a record, whether records still flow (one came within
    `IDLE_AFTER`), the health it found, if any, and whether it was just given its partitions
    (it logged in and joined: the source works, records or not)."""

    totals: JobTotals | None = None
    consumed: bool = False
    flowing: bool = False
    health: Health | None = None
    assigned: bool = False


def reads(job: JobRecord) -> bool:
    """Whether the job should have a consumer: started, and meant to run."""
    return (
        job.spec is not None
        and job.desired_execution_status == "running"
        and job.execution_status in STARTED_STATUSES
    )


def observe(job: JobRecord, seen: Observed, now: float) -> JobRecord:
    """The job after its consumer's batch: `running` while records flow, `idle` without; an
    error of the source is over as soon as the consumer reads again (a record came, or it was
    given its partitions), not only when a record arrives (a warning stays); `failed` once
    more records than `maxParseExceptions` could not be parsed."""
    totals = seen.totals or job.totals
    update: dict[str, object] = {
        "totals": totals,
        "execution_status": "running" if seen.flowing else "idle",
    }
    reads_again = seen.consumed or seen.assigned
    recovered = Health() if reads_again and job.health.status == "error" else None
    if seen.health is None and seen.totals is not None and _faded(job.health, now):
        recovered = Health()  # good records since a warning long enough ago: it fades
    if (health := seen.health or recovered) is not None:
        update["health"] = health
    limit = job.spec.max_parse_exceptions if job.spec is not None else None
    if limit is not None and totals.num_rows_skipped_by_error > limit:
        message = f"More than maxParseExceptions ({limit}) records could not be parsed"
        update |= {
            "execution_status": "failed",
            "completed_timestamp": iso_nano(now),
            "health": Health(status="error", code="max_parse_exceptions_exceeded", message=message),
        }
    return job.model_copy(update=update)


WARNING_FADES_AFTER = 300.0  # seconds of batches without a warning before one fades


def _faded(health: Health, now: float) -> bool:
    """Whether a warning is old enough to fade (a batch without one came after it)."""
    if health.status != "warn" or not health.log:
        return False
    try:
        at = datetime.strptime(str(health.log["timestamp"]), "%Y-%m-%dT%H:%M:%S.%fZ")
    except (KeyError, ValueError):
        return False
    return now - at.replace(tzinfo=UTC).timestamp() >= WARNING_FADES_AFTER


def warned(message: str, now: float) -> Health:
    """Health `warn`: some records could not be used."""
    entry = {
        "timestamp": iso_micro(now),
        "healthStatus": "warn",
        "code": "invalid_rows_found",
        "message": message,
    }
    return Health(status="warn", code="invalid_rows_found", message=message, log=entry)


def unevaluated(message: str) -> Health:
    """Health `error`: the local engine cannot run the job as declared; it reads nothing."""
    return Health(status="error", code="unsupported_by_local_engine", message=message)
