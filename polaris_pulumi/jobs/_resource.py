"""`StreamingJob` and its wait, `StreamingJobStart`: what users write in their programs (the
job's typed surface is generated into `_generated.py`), and the barrier after all jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import Resource, ResourceProvider

from polaris_pulumi._declare import with_outputs
from polaris_pulumi._exceptions import DeclarationError
from polaris_pulumi._registry import REGISTRY
from polaris_pulumi.jobs._generated import StreamingJobBase
from polaris_pulumi.jobs._provider import OUTPUT_KEYS, StreamingJobProvider
from polaris_pulumi.jobs._start import (
    START_OBSERVED_KEYS,
    START_OUTPUT_KEYS,
    StreamingJobsCreatedProvider,
    StreamingJobStartProvider,
)

if TYPE_CHECKING:
    from polaris_pulumi._outputs import HealthDict, MetricsDict


class StreamingJob(StreamingJobBase, module="polaris", name="StreamingJob"):
    """A Polaris streaming ingestion job from a connection into a table.

    Polaris changes no spec of a running streaming job: any change makes a new job that takes
    the old one's place on the table (`replaceRunning`), keeping the table's read position.
    Suspending, resuming (`desired_execution_status`) and resetting the read position
    (`read_position_reset_trigger`) happen in place. Its child `started` (a StreamingJobStart)
    waits until the job runs, after every job of the program was created, so waits overlap.
    `pulumi destroy` cancels it (Polaris never deletes jobs) and waits until it is canceled.
    """

    started: StreamingJobStart | None
    """The wait for this job to start, and what Polaris observes of it: execution status,
    health and metrics (None with wait_for_running=False or for `.get`)."""

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions | None]:
        _claim_table(resource_name, values.get("target"))
        protected = _table_protection(values.get("target"))
        if protected is not None:
            values["target_table_protected"] = protected
        return StreamingJobProvider(), with_outputs(OUTPUT_KEYS, values), opts

    def _declared(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> None:
        self.started = None
        if (opts is None or opts.id is None) and values.get("wait_for_running") is not False:
            self.started = StreamingJobStart(
                f"{resource_name}-started",
                job=self,
                goal=values.get("desired_execution_status") or "running",
                wait=values.get("wait_for_running"),
                wait_timeout=values.get("wait_timeout"),
            )

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> StreamingJob:
        """Read an existing streaming job by id."""
        return StreamingJob(
            resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        )


def _claim_table(resource_name: str, target: Any) -> None:
    """Polaris allows one streaming job per table: refuse a second one before preview ends.

    Per-resource `check` cannot see other resources, so this is caught in the program; a table
    name that is an Output is only caught by Polaris at `up`.
    """
    table = target.get("table_name") if isinstance(target, dict) else None
    if not isinstance(table, str):
        return
    owner = REGISTRY.program().table_owners.setdefault(table, resource_name)
    if owner != resource_name:
        raise DeclarationError(
            f"StreamingJob {resource_name!r}: target.table_name {table!r} is also the target of "
            f"StreamingJob {owner!r}; Polaris allows one streaming job per table. Use another "
            "table, or one job with several mappings."
        )


def _table_protection(target: Any) -> bool | None:
    """Whether the target is a Table resource's `name` output, and that table is protected."""
    name = target.get("table_name") if isinstance(target, dict) else None
    found = REGISTRY.program().table_names.get(id(name))
    return found[1] if found is not None and found[0] is name else None


class StreamingJobsCreated(Resource, module="polaris", name="StreamingJobsCreated"):
    """A barrier, one per program: done once every StreamingJob of the program exists.

    Each job's StreamingJobStart depends on it rather than on every job, so the state stays
    linear in the number of jobs. It makes no API call.
    """

    def __init__(self, resource_name: str, jobs: Sequence[pulumi.Resource]) -> None:
        super().__init__(
            StreamingJobsCreatedProvider(),
            resource_name,
            {},
            pulumi.ResourceOptions(depends_on=list(jobs)),
        )


class _Batch:
    """The StreamingJobs a program builds in one stretch of its synchronous body (normally all).

    The loop's next turn comes once the program's body has returned (or awaits): by then every
    job it declared is registered, and the batch's barrier is made.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, index: int) -> None:
        self.jobs: list[pulumi.Resource] = []
        self.index = index
        self.ready: asyncio.Future[list[pulumi.Resource]] = loop.create_future()
        loop.call_soon(self._close)

    def _close(self) -> None:
        REGISTRY.program().batch = None
        name = "streaming-jobs-created" + (f"-{self.index}" if self.index > 1 else "")
        try:
            self.ready.set_result([StreamingJobsCreated(name, self.jobs)])
        except Exception as exc:  # noqa: BLE001 - surfaces in every job's wait instead
            self.ready.set_exception(exc)


def _every_job(job: pulumi.Resource) -> asyncio.Future[list[pulumi.Resource]]:
    """The barrier after `job` and the other jobs of its batch, once the program declared them."""
    program = REGISTRY.program()
    if program.batch is None:
        program.batches += 1
        program.batch = _Batch(asyncio.get_event_loop(), program.batches)
    batch: _Batch = program.batch
    batch.jobs.append(job)
    return batch.ready


class StreamingJobStart(Resource, module="polaris", name="StreamingJobStart"):
    """Waits until a StreamingJob has started (`running` or `idle`), or is `suspended` when
    that is its desired state; fails the `up` with Polaris' reason when the job fails.

    Made by StreamingJob itself (its `started` attribute), as its child. It runs after every
    job of the program was created (through the StreamingJobsCreated barrier), so the waits
    overlap: N jobs wait about one start time. Its refresh reads the job (status, health,
    metrics); its delete makes no API call.
    """

    job_id: pulumi.Output[str]
    goal: pulumi.Output[str]
    execution_status: pulumi.Output[str | None]
    if TYPE_CHECKING:  # typed for editors; at run time plain dicts (the runtime
        # would check a TypedDict annotation as a class)
        health: pulumi.Output[HealthDict | None]
        metrics: pulumi.Output[MetricsDict | None]
        """Row counters from /jobs/{id}/metrics, as of the last wait or refresh."""

    def __init__(
        self,
        resource_name: str,
        *,
        job: StreamingJob,
        goal: pulumi.Input[str],
        wait: pulumi.Input[bool] | None,
        wait_timeout: pulumi.Input[float] | None,
    ) -> None:
        values = {"job_id": job.id, "goal": goal, "wait": wait, "wait_timeout": wait_timeout}
        opts = pulumi.ResourceOptions(
            parent=job,
            depends_on=_every_job(job),
            # Observations, not inputs: the display hides their changes.
            hide_diffs=list(START_OBSERVED_KEYS),
        )
        props = with_outputs(START_OUTPUT_KEYS, values)
        super().__init__(StreamingJobStartProvider(), resource_name, props, opts)
