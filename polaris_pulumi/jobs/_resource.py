"""`StreamingJob`: what users write in their programs (its typed surface is generated into
`_generated.py` and `_generated_bases.py`), and `StreamingJobsStarted`, the one wait after all the jobs of a program."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import Resource, ResourceProvider

from polaris_pulumi._declare import with_outputs
from polaris_pulumi._endpoints import endpoint_name, provider_of
from polaris_pulumi._exceptions import DeclarationError
from polaris_pulumi._registry import REGISTRY
from polaris_pulumi.jobs._generated_bases import StreamingJobBase
from polaris_pulumi.jobs._provider import OUTPUT_KEYS, StreamingJobProvider
from polaris_pulumi.jobs._started import WAIT_ID, StreamingJobsStartedProvider

if TYPE_CHECKING:
    from polaris_pulumi._outputs import HealthDict


class StreamingJob(StreamingJobBase, module="polaris", name="StreamingJob"):
    """A Polaris streaming ingestion job from a connection into a table.

    Polaris changes no spec of a running streaming job: any change makes a new job that takes
    the old one's place on the table (`replaceRunning`), keeping the table's read position.
    Suspending, resuming (`desired_execution_status`) and resetting the read position
    (`read_position_reset_trigger`) happen in place. The program's one wait,
    StreamingJobsStarted, waits until every job runs, after all of them were created;
    `job.started` is what it observed of this one.
    `pulumi destroy` cancels it (Polaris never deletes jobs) and waits until it is canceled.
    """

    output_keys = OUTPUT_KEYS

    started: JobStarted | None
    """What the program's one wait (StreamingJobsStarted) observed of this job as it started:
    `execution_status` and `health` (None with wait_for_running=False or for `.get`)."""

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions | None]:
        _claim_table(resource_name, values.get("target"), endpoint_name(opts))
        protected = _table_protection(values.get("target"))
        if protected is not None:
            values["target_table_protected"] = protected
        return StreamingJobProvider(), with_outputs(OUTPUT_KEYS, values), opts

    def _declared(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> None:
        self.started = None
        if (opts is None or opts.id is None) and values.get("wait_for_running") is not False:
            wait = {
                "job_id": self.id,
                "goal": values.get("desired_execution_status") or "running",
                "wait_timeout": values.get("wait_timeout"),
                "wait": values.get("wait_for_running"),  # None, or an Output
            }
            set_ = {k: v for k, v in wait.items() if v is not None}  # no nulls in the state
            self.started = _wait_for(self, resource_name, set_, opts)


def _claim_table(resource_name: str, target: Any, endpoint: str) -> None:
    """Polaris allows one streaming job per table: refuse a second one before preview ends.

    Per-resource `check` cannot see other resources, so this is caught in the program; a table
    name that is an Output is only caught by Polaris at `up`.
    """
    table = target.get("table_name") if isinstance(target, dict) else None
    if not isinstance(table, str):
        return
    owner = REGISTRY.program().table_owners.setdefault((endpoint, table), resource_name)
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


class StreamingJobsStarted(Resource, module="polaris", name="StreamingJobsStarted"):
    """One per program: waits for every StreamingJob of the program at once, and holds what it
    observed of each (its execution status and health, by the job's resource name).

    It is made once the program has declared its jobs, and depends on them all, so the jobs
    start meanwhile and one poll of Polaris' job list serves them all. A job that fails to
    start fails the `up` with Polaris' reason; the job stays recorded. Its refresh reads the
    job list once; its delete makes no API call.
    """

    jobs: pulumi.Output[dict[str, Any]]
    observed: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        resource_name: str,
        jobs: dict[str, Any],
        after: Sequence[pulumi.Resource],
        provider: pulumi.ProviderResource | None = None,
    ) -> None:
        # Observations, not inputs: the display hides their changes.
        opts = pulumi.ResourceOptions(
            depends_on=list(after), hide_diffs=["observed"], provider=provider
        )
        props = {"jobs": jobs, "observed": None}
        super().__init__(StreamingJobsStartedProvider(), resource_name, props, opts)


class JobStarted:
    """`job.started`: what the program's one wait observed of this job, once it started (or
    was suspended, when that is its desired state)."""

    execution_status: pulumi.Output[str | None]
    if TYPE_CHECKING:  # at run time a plain dict
        health: pulumi.Output[HealthDict | None]

    def __init__(self, wait: asyncio.Future[StreamingJobsStarted], key: str) -> None:
        waited: pulumi.Output[StreamingJobsStarted] = pulumi.Output.from_input(wait)
        seen: pulumi.Output[dict[str, Any] | None] = waited.apply(lambda w: w.observed)
        mine = seen.apply(lambda observed: (observed or {}).get(key) or {})
        self.execution_status = mine.apply(lambda s: s.get("execution_status"))
        self.health = mine.apply(lambda s: s.get("health"))


class _Batch:
    """The StreamingJobs a program builds in one stretch of its synchronous body (normally all)
    for one endpoint (each `polaris.Provider` has its own wait, served by it).

    The loop's next turn comes once the program's body has returned (or awaits): by then every
    job it declared is registered, and the batch's one wait is made.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, index: int, opts: pulumi.ResourceOptions | None
    ) -> None:
        self.jobs: list[pulumi.Resource] = []
        self.waits: dict[str, dict[str, Any]] = {}
        self.index = index
        self.provider, self.endpoint = provider_of(opts), endpoint_name(opts)
        self.ready: asyncio.Future[StreamingJobsStarted] = loop.create_future()
        loop.call_soon(self._close)

    def add(self, job: pulumi.Resource, name: str, wait: dict[str, Any]) -> str:
        """Register a job and its wait; returns its key (its resource name, made unique)."""
        key, n = name, 1
        while key in self.waits:
            n += 1
            key = f"{name}#{n}"
        self.jobs.append(job)
        self.waits[key] = wait
        return key

    def _close(self) -> None:
        REGISTRY.program().batch.pop(self.endpoint, None)
        name = WAIT_ID + (f"-{self.endpoint}" if self.endpoint else "")
        name += f"-{self.index}" if self.index > 1 else ""
        try:
            wait = StreamingJobsStarted(name, self.waits, self.jobs, self.provider)
            self.ready.set_result(wait)
        except Exception as exc:  # noqa: BLE001 - surfaces in every job's `started` instead
            self.ready.set_exception(exc)


def _wait_for(
    job: pulumi.Resource, name: str, wait: dict[str, Any], opts: pulumi.ResourceOptions | None
) -> JobStarted:
    """`job.started`, from the one wait of the job's batch (of its endpoint)."""
    program, endpoint = REGISTRY.program(), endpoint_name(opts)
    if endpoint not in program.batch:
        index = program.batches[endpoint] = program.batches.get(endpoint, 0) + 1
        program.batch[endpoint] = _Batch(asyncio.get_event_loop(), index, opts)
    batch: _Batch = program.batch[endpoint]
    return JobStarted(batch.ready, batch.add(job, name, wait))
