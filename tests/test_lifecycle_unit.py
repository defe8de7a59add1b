"""The emulator's job state machine (`emulator/state/_lifecycle.py`), driven directly with the
times it is given: no server, no sleep. It is the one place that decides a job's status."""

from __future__ import annotations

from typing import Any

from polaris_pulumi._contract import User
from polaris_pulumi.emulator.state._lifecycle import (
    IDLE_AFTER,
    WARNING_FADES_AFTER,
    Observed,
    advance,
    iso_nano,
    observe,
    reads,
    warned,
)
from polaris_pulumi.emulator.state._records import Failure, JobRecord
from polaris_pulumi.jobs._model import Health, JobTotals, StreamingJobSpec
from tests import samples

T0 = 1_800_000_000.0  # an arbitrary epoch second
DUE = T0 + 2.5


def job(**changes: Any) -> JobRecord:
    spec = StreamingJobSpec.model_validate(samples.JOB)
    user = User(username="u", user_id="1")
    fields: dict[str, Any] = {
        "id": "j1",
        "type": "streaming",
        "desired_execution_status": "running",
        "execution_status": "pending",
        "created_by": user,
        "last_modified_by": user,
        "created_timestamp": iso_nano(T0),
        "last_updated_timestamp": iso_nano(T0),
        "spec": spec,
        "target": spec.target,
        "change_at": DUE,
    }
    return JobRecord(**(fields | changes))


def test_nothing_happens_before_the_transition_is_due() -> None:
    assert advance(job(), DUE - 0.001) is None


def test_a_pending_job_starts_stamped_with_the_time_it_was_due() -> None:
    started = advance(job(), DUE + 100)
    assert started is not None
    assert started.execution_status == "running"
    assert started.started_timestamp == iso_nano(DUE)  # not the time it was looked at
    assert advance(started, DUE + 200) is None  # nothing more is due


def test_a_job_on_a_quiet_source_starts_idle() -> None:
    started = advance(job(idle=True), DUE)
    assert started is not None and started.execution_status == "idle"


def test_failures_fail_the_job_with_their_code_or_multiple() -> None:
    one = advance(job(failures=[Failure(code="could_not_connect_to_source", message="x")]), DUE)
    assert one is not None
    assert (one.execution_status, one.health.status, one.health.code) == (
        "failed",
        "error",
        "could_not_connect_to_source",
    )
    assert one.completed_timestamp == iso_nano(DUE)
    two = [Failure(code="a", message="first"), Failure(code="b", message="second")]
    both = advance(job(failures=two), DUE)
    assert both is not None
    assert both.health.code == "multiple" and both.health.message == "first; second"


def test_a_warning_source_starts_with_health_warn() -> None:
    warned = advance(job(warning="3 rows could not be parsed"), DUE)
    assert warned is not None and warned.health.status == "warn"
    assert warned.health.log is not None
    assert warned.health.log["message"] == "3 rows could not be parsed"


def test_suspend_and_cancel() -> None:
    running = job(execution_status="running")
    suspended = advance(running.model_copy(update={"desired_execution_status": "suspended"}), DUE)
    assert suspended is not None and suspended.execution_status == "suspended"
    canceled = advance(running.model_copy(update={"desired_execution_status": "canceled"}), DUE)
    assert canceled is not None
    assert (canceled.execution_status, canceled.completed_timestamp) == ("canceled", iso_nano(DUE))
    assert advance(canceled, DUE + 10) is None  # over: nothing moves it


def test_a_drop_table_job_never_moves() -> None:
    assert advance(job(type="drop_table", spec=None, execution_status="completed"), DUE) is None


def test_observe_keeps_the_committed_totals_and_follows_the_flow() -> None:
    running = job(execution_status="running")
    committed = JobTotals(num_rows_processed=7, num_bytes_processed=70)
    seen = observe(running, Observed(committed, consumed=True, flowing=True), T0)
    assert seen.execution_status == "running" and seen.totals == committed
    later = committed.model_copy(update={"num_rows_processed": 14})
    again = observe(seen, Observed(later, consumed=True, flowing=True), T0)
    assert again.totals == later  # the totals committed with the rows, never added twice
    quiet = observe(again, Observed(flowing=False), T0 + IDLE_AFTER)
    assert quiet.execution_status == "idle" and quiet.totals == again.totals  # nothing committed
    assert reads(quiet)  # idle still reads


def test_a_source_error_ends_when_records_flow_again_but_a_warning_stays() -> None:
    error = Health(status="error", code="could_not_connect_to_source", message="auth")
    broken = observe(job(execution_status="running"), Observed(health=error), T0)
    assert broken.health == error
    assert observe(broken, Observed(flowing=False), T0).health == error  # no record: stays
    healed = observe(broken, Observed(consumed=True, flowing=True), T0)
    assert healed.health == Health()
    # Given its partitions again (it logged in): healthy before any new record.
    reassigned = observe(broken, Observed(assigned=True), T0)
    assert reassigned.health == Health() and reassigned.execution_status == "idle"
    # An error found in the same batch wins.
    still = observe(broken, Observed(assigned=True, health=error), T0)
    assert still.health == error
    warn = Health(status="warn", code="invalid_rows_found", message="bad row")
    warned = observe(job(execution_status="running", health=warn), Observed(consumed=True), T0)
    assert warned.health == warn


def test_too_many_parse_exceptions_fail_the_job() -> None:
    spec = StreamingJobSpec.model_validate(samples.JOB | {"maxParseExceptions": 2})
    running = job(execution_status="running", spec=spec)
    errors = JobTotals(num_rows_skipped_by_error=2)
    at_limit = observe(running, Observed(errors, consumed=True, flowing=True), T0)
    assert at_limit.execution_status == "running"
    over = observe(at_limit, Observed(JobTotals(num_rows_skipped_by_error=3)), T0 + 1)
    assert over.execution_status == "failed" and not reads(over)
    assert over.health.code == "max_parse_exceptions_exceeded"
    assert over.completed_timestamp == iso_nano(T0 + 1)


def test_only_started_running_jobs_read() -> None:
    assert not reads(job())  # pending
    assert reads(job(execution_status="running"))
    assert not reads(job(execution_status="running", desired_execution_status="suspended"))
    assert not reads(job(execution_status="canceled"))


def test_a_warning_fades_after_batches_without_one() -> None:
    """Our choice where Polaris' docs are silent: a warning stays while batches keep warning,
    and fades once batches without one have come for WARNING_FADES_AFTER seconds."""
    warning = warned("1 row(s) had no __time", T0)
    warn = job(execution_status="running", health=warning)
    clean = Observed(JobTotals(num_rows_processed=600), consumed=True, flowing=True)
    soon = observe(warn, clean, T0 + WARNING_FADES_AFTER / 2)
    assert soon.health == warning  # 600 good events, but too soon: it stays
    again = observe(soon, Observed(JobTotals(), health=warning, consumed=True), T0 + 1000)
    assert again.health == warning  # a batch that warns keeps it
    later = observe(warn, clean, T0 + WARNING_FADES_AFTER)
    assert later.health == Health()
    assert observe(warn, Observed(flowing=False), T0 + 10**6).health == warning  # no batch
