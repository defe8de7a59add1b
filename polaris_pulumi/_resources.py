"""`Connection`, `SchemaRegistryConnection`, `StreamingJob` and `Table`: what users write in
their Pulumi programs."""

from __future__ import annotations

import asyncio
import dataclasses
import weakref
from collections.abc import Sequence
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any, overload

import pulumi
from pulumi.dynamic import Resource

from polaris_pulumi._exceptions import DeclarationError
from polaris_pulumi._inputs import (
    BasicAuthSecretsArgs,
    BasicAuthSecretsArgsDict,
    ConnectionArgs,
    ConnectionSourceArgs,
    ConnectionSourceArgsDict,
    MappingArgs,
    MappingArgsDict,
    QueryGranularityArgs,
    QueryGranularityArgsDict,
    SaslPlainSecretsArgs,
    SaslPlainSecretsArgsDict,
    SchemaRegistryConnectionArgs,
    StreamingJobArgs,
    TableArgs,
    TableColumnArgs,
    TableColumnArgsDict,
    TableStoragePolicyArgs,
    TableStoragePolicyArgsDict,
    TableTargetArgs,
    TableTargetArgsDict,
    to_props,
)
from polaris_pulumi._outputs import (
    ConnectionSecretsDict,
    HealthDict,
    MetricsDict,
    QueryableColumnDict,
    UserDict,
)
from polaris_pulumi._provider import (
    CONNECTION_OUTPUT_KEYS,
    JOB_OUTPUT_KEYS,
    SCHEMA_REGISTRY_OUTPUT_KEYS,
    START_OBSERVED_KEYS,
    START_OUTPUT_KEYS,
    TABLE_OUTPUT_KEYS,
    ConnectionProvider,
    SchemaRegistryConnectionProvider,
    StreamingJobProvider,
    StreamingJobsCreatedProvider,
    StreamingJobStartProvider,
    TableProvider,
    auto_name,
)


def _arguments(
    kind: str, args_type: type[Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[dict[str, Any], pulumi.ResourceOptions | None]:
    """A resource's props and options from `(args, opts)` or `(opts, **keywords)`, as in
    Pulumi's generated SDKs: an Args object or keywords, never both (nothing is dropped)."""
    fields = [f.name for f in dataclasses.fields(args_type)]
    positional = list(args)
    given = kwargs.pop("args", None)
    if positional and given is None and isinstance(positional[0], args_type | None):
        given = positional.pop(0)
    opts = kwargs.pop("opts", None)
    if positional and opts is None:
        opts = positional.pop(0)
    if positional or not isinstance(opts, pulumi.ResourceOptions | None):
        raise TypeError(
            f"{kind}(resource_name, args, opts) or {kind}(resource_name, opts, **keywords): "
            f"got {len(args)} positional arguments of types "
            f"{', '.join(type(a).__name__ for a in args)}"
        )
    unknown = [k for k in kwargs if k not in fields]
    if unknown:
        hints = [
            f"{k!r}" + "".join(f" (did you mean {m!r}?)" for m in get_close_matches(k, fields, 1))
            for k in unknown
        ]
        raise TypeError(f"{kind} got unexpected keyword arguments: {', '.join(hints)}")
    keywords = {k: v for k, v in kwargs.items() if v is not None}
    if given is not None:
        if not isinstance(given, args_type):
            raise TypeError(
                f"{kind}: args must be a {args_type.__name__}, not {type(given).__name__}"
            )
        if keywords:
            raise TypeError(
                f"{kind}: give either a {args_type.__name__} or keyword arguments, not both "
                f"(keywords given with it: {', '.join(sorted(keywords))}); put them into the "
                f"{args_type.__name__}"
            )
        return to_props(given), opts
    return to_props(keywords), opts


def _auto_name(resource_name: str, opts: pulumi.ResourceOptions | None) -> pulumi.Input[str]:
    """The derived connection name: scoped by the parent's URN, or by project and stack."""
    parent = opts.parent if opts is not None else None
    if parent is None:
        return auto_name(resource_name, f"{pulumi.get_project()}/{pulumi.get_stack()}")
    return parent.urn.apply(lambda urn: auto_name(resource_name, urn))


def _props(outputs: Sequence[str], values: dict[str, Any]) -> dict[str, Any]:
    # An output is visible as an attribute only if its key is among the props (#6678).
    return {key: None for key in outputs} | values


class Connection(Resource, module="polaris", name="Connection"):
    """A Polaris connection of type `confluent` (a Confluent Cloud topic, or a topic regex with
    `topic_name_is_pattern=True`)."""

    name: pulumi.Output[str]
    description: pulumi.Output[str | None]
    bootstrap_servers: pulumi.Output[str]
    topic_name: pulumi.Output[str]
    topic_name_is_pattern: pulumi.Output[bool]
    submitted_on_timestamp: pulumi.Output[str]
    modified_on_timestamp: pulumi.Output[str]
    test_connection: pulumi.Output[bool | None]
    adopt_existing: pulumi.Output[bool | None]

    if TYPE_CHECKING:  # typed for editors; at run time plain dicts (the runtime
        # would check a TypedDict annotation as a class)
        secrets: pulumi.Output[ConnectionSecretsDict]
        """Always secret: holds the Confluent API secret."""
        submitted_by_user: pulumi.Output[UserDict]
        modified_by_user: pulumi.Output[UserDict]

    @overload
    def __init__(
        self,
        resource_name: str,
        args: ConnectionArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        bootstrap_servers: pulumi.Input[str] | None = None,
        topic_name: pulumi.Input[str] | None = None,
        secrets: pulumi.Input[SaslPlainSecretsArgs | SaslPlainSecretsArgsDict] | None = None,
        topic_name_is_pattern: pulumi.Input[bool] | None = None,
        name: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        test_connection: pulumi.Input[bool] | None = None,
        adopt_existing: pulumi.Input[bool] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        values, opts = _arguments(type(self).__name__, ConnectionArgs, args, kwargs)
        props, opts = _connection_props(resource_name, values, opts, CONNECTION_OUTPUT_KEYS)
        super().__init__(ConnectionProvider(), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> Connection:
        """Read an existing connection by name (not managed: see adopt_existing for that)."""
        return Connection(
            resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        )


def _connection_props(
    resource_name: str,
    values: dict[str, Any],
    opts: pulumi.ResourceOptions | None,
    outputs: Sequence[str],
) -> tuple[dict[str, Any], pulumi.ResourceOptions]:
    """A connection's props (password secret, derived name's scope) and options."""
    values["secrets"] = _secret_password(values.get("secrets"))
    props = _props(outputs, values)
    # Auto-naming needs where the resource is declared, which check() is not told.
    props["auto_name"] = _auto_name(resource_name, opts)
    opts = pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(additional_secret_outputs=["secrets"])
    )
    return props, opts


class SchemaRegistryConnection(Resource, module="polaris", name="SchemaRegistryConnection"):
    """A Polaris connection of type `confluent_schema_registry`: where `avro_stream` and
    `protobuf` jobs read their schemas (`parse_schema_provider={"type": "connection",
    "connection_name": registry.name}`). The same lifecycle as `Connection`: validated at
    preview, tested after create and update (a failed update is put back), secret kept secret,
    `adopt_existing`, derived name."""

    name: pulumi.Output[str]
    description: pulumi.Output[str | None]
    urls: pulumi.Output[list[str]]
    submitted_on_timestamp: pulumi.Output[str]
    modified_on_timestamp: pulumi.Output[str]
    test_connection: pulumi.Output[bool | None]
    adopt_existing: pulumi.Output[bool | None]

    if TYPE_CHECKING:  # typed for editors; at run time plain dicts
        secrets: pulumi.Output[ConnectionSecretsDict]
        """Always secret: holds the Schema Registry API secret."""
        submitted_by_user: pulumi.Output[UserDict]
        modified_by_user: pulumi.Output[UserDict]

    @overload
    def __init__(
        self,
        resource_name: str,
        args: SchemaRegistryConnectionArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        urls: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        secrets: pulumi.Input[BasicAuthSecretsArgs | BasicAuthSecretsArgsDict] | None = None,
        name: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        test_connection: pulumi.Input[bool] | None = None,
        adopt_existing: pulumi.Input[bool] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        values, opts = _arguments(type(self).__name__, SchemaRegistryConnectionArgs, args, kwargs)
        props, opts = _connection_props(resource_name, values, opts, SCHEMA_REGISTRY_OUTPUT_KEYS)
        super().__init__(SchemaRegistryConnectionProvider(), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> SchemaRegistryConnection:
        """Read an existing Schema Registry connection by name (not managed)."""
        return SchemaRegistryConnection(
            resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        )


def _secret_password(secrets: Any) -> Any:
    """Mark the password secret even when given as a plain string; anything that is not an
    object (an Output, or a mistake such as "KEY:SECRET") is secret whole, so that not even
    the engine's own check-failure message can print it."""
    if isinstance(secrets, dict):
        if secrets.get("password") is None:
            return secrets
        return {**secrets, "password": pulumi.Output.secret(secrets["password"])}
    return None if secrets is None else pulumi.Output.secret(secrets)


# Per program run (its event loop, as the job batches): table name (known at program time) ->
# the StreamingJob targeting it. Runs in one process (Automation API, tests) never share it.
_TABLE_OWNERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, str]] = (
    weakref.WeakKeyDictionary()
)


def _claim_table(resource_name: str, target: Any) -> None:
    """Polaris allows one streaming job per table: refuse a second one before preview ends.

    Per-resource `check` cannot see other resources, so this is caught in the program; a table
    name that is an Output is only caught by Polaris at `up`.
    """
    table = target.get("table_name") if isinstance(target, dict) else None
    if not isinstance(table, str):
        return
    owners = _TABLE_OWNERS.setdefault(asyncio.get_event_loop(), {})
    owner = owners.setdefault(table, resource_name)
    if owner != resource_name:
        raise DeclarationError(
            f"StreamingJob {resource_name!r}: target.table_name {table!r} is also the target of "
            f"StreamingJob {owner!r}; Polaris allows one streaming job per table. Use another "
            "table, or one job with several mappings."
        )


# Per program run: the `name` output of each Table resource (by identity) -> whether the table
# is protected. A job whose target is that output knows it writes to a protected table.
_TABLE_NAMES: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[int, tuple[pulumi.Output[str], bool]]
] = weakref.WeakKeyDictionary()


def _table_protection(target: Any) -> bool | None:
    name = target.get("table_name") if isinstance(target, dict) else None
    found = _TABLE_NAMES.get(asyncio.get_event_loop(), {}).get(id(name))
    return found[1] if found is not None and found[0] is name else None


class Table(Resource, module="polaris", name="Table"):
    """A Polaris table: detail or aggregate (rollup), its schema, partitioning and clustering.

    Name and type cannot change in Polaris: a change to either is a new table, and the old
    one is dropped with its data. So a table is protected by default (`deletion_protection`):
    `pulumi destroy`, a replacement or removing it from the program fails, before any job is
    canceled, until `deletion_protection=False` was applied by a `pulumi up`. Every other
    field is changed in place. A StreamingJob whose `target.table_name` is this table's `name`
    output is created after it, canceled before it, and its mappings are checked against the
    declared schema at preview.
    """

    name: pulumi.Output[str]
    type: pulumi.Output[str]
    schema: pulumi.Output[list[dict[str, Any]]]
    schema_mode: pulumi.Output[str]
    partitioning_granularity: pulumi.Output[str]
    clustering_columns: pulumi.Output[list[str]]
    description: pulumi.Output[str | None]
    storage_policy: pulumi.Output[dict[str, Any] | None]
    time_resolution: pulumi.Output[str | None]
    query_granularity: pulumi.Output[dict[str, Any] | None]
    table_id: pulumi.Output[str]
    version: pulumi.Output[int]
    availability: pulumi.Output[str]
    created_on_timestamp: pulumi.Output[str]
    modified_on_timestamp: pulumi.Output[str]
    segment_count: pulumi.Output[int | None]
    total_rows: pulumi.Output[int | None]
    total_data_size_bytes: pulumi.Output[int | None]
    deletion_protection: pulumi.Output[bool]
    adopt_existing: pulumi.Output[bool | None]
    wait_timeout: pulumi.Output[float | None]

    if TYPE_CHECKING:  # typed for editors; at run time plain dicts
        created_by_user: pulumi.Output[UserDict]
        modified_by_user: pulumi.Output[UserDict]
        queryable_schema: pulumi.Output[list[QueryableColumnDict]]
        """Every queryable column, declared or discovered."""

    @overload
    def __init__(
        self,
        resource_name: str,
        args: TableArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        name: pulumi.Input[str] | None = None,
        type: pulumi.Input[str] | None = None,
        schema: pulumi.Input[Sequence[pulumi.Input[TableColumnArgs | TableColumnArgsDict]]]
        | None = None,
        schema_mode: pulumi.Input[str] | None = None,
        partitioning_granularity: pulumi.Input[str] | None = None,
        clustering_columns: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        description: pulumi.Input[str] | None = None,
        storage_policy: pulumi.Input[TableStoragePolicyArgs | TableStoragePolicyArgsDict]
        | None = None,
        time_resolution: pulumi.Input[str] | None = None,
        query_granularity: pulumi.Input[QueryGranularityArgs | QueryGranularityArgsDict]
        | None = None,
        deletion_protection: bool | None = None,
        adopt_existing: pulumi.Input[bool] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        values, opts = _arguments(type(self).__name__, TableArgs, args, kwargs)
        protected = values.get("deletion_protection", True)
        if not isinstance(protected, bool):
            raise TypeError(
                f"Table {resource_name!r}: deletion_protection must be a plain True or False "
                f"(got {type(protected).__name__}): Pulumi's engine enforces it before any step "
                "runs, so it must be known when the program runs"
            )
        values["deletion_protection"] = protected
        if protected:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True))
        super().__init__(TableProvider(), resource_name, _props(TABLE_OUTPUT_KEYS, values), opts)
        names = _TABLE_NAMES.setdefault(asyncio.get_event_loop(), {})
        names[id(self.name)] = (self.name, protected)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> Table:
        """Read an existing table by name (not managed: see adopt_existing for that)."""
        return Table(
            resource_name,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)),
            deletion_protection=False,
        )


class StreamingJob(Resource, module="polaris", name="StreamingJob"):
    """A Polaris streaming ingestion job from a connection into a table.

    Polaris changes no spec of a running streaming job: any change makes a new job that takes
    the old one's place on the table (`replaceRunning`), keeping the table's read position.
    Suspending, resuming (`desired_execution_status`) and resetting the read position
    (`read_position_reset_trigger`) happen in place. Its child `started` (a StreamingJobStart)
    waits until the job runs, after every job of the program was created, so waits overlap.
    `pulumi destroy` cancels it (Polaris never deletes jobs) and waits until it is canceled.
    """

    source: pulumi.Output[dict[str, Any]]
    mappings: pulumi.Output[list[dict[str, Any]]]
    target: pulumi.Output[dict[str, Any]]
    create_table_if_not_exists: pulumi.Output[bool]
    use_schema_discovery: pulumi.Output[bool]
    dimension_exclusions: pulumi.Output[list[str]]
    filter_expression: pulumi.Output[str | None]
    late_message_rejection_period: pulumi.Output[str]
    early_message_rejection_period: pulumi.Output[str]
    read_from_point: pulumi.Output[str]
    max_parse_exceptions: pulumi.Output[int]
    replace_running: pulumi.Output[bool]
    clustering_columns: pulumi.Output[list[str] | None]
    partitioned_by: pulumi.Output[str | None]
    enable_upserts: pulumi.Output[bool | None]
    upsert_key_columns: pulumi.Output[list[str] | None]
    upsert_version_column: pulumi.Output[str | None]
    desired_execution_status: pulumi.Output[str]
    read_position_reset_trigger: pulumi.Output[str | None]
    started: StreamingJobStart | None
    """The wait for this job to start, and what Polaris observes of it: execution status,
    health and metrics (None with wait_for_running=False or for `.get`)."""
    ended_status: pulumi.Output[str | None]
    """`failed` or `completed` once Polaris says the job is over (a refresh reads it): the
    next `up` replaces it. None while it runs."""
    wait_for_running: pulumi.Output[bool | None]
    wait_timeout: pulumi.Output[float | None]
    adopt_existing: pulumi.Output[bool | None]

    @overload
    def __init__(
        self,
        resource_name: str,
        args: StreamingJobArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        source: pulumi.Input[ConnectionSourceArgs | ConnectionSourceArgsDict] | None = None,
        target: pulumi.Input[TableTargetArgs | TableTargetArgsDict] | None = None,
        mappings: pulumi.Input[Sequence[pulumi.Input[MappingArgs | MappingArgsDict]]] | None = None,
        create_table_if_not_exists: pulumi.Input[bool] | None = None,
        use_schema_discovery: pulumi.Input[bool] | None = None,
        dimension_exclusions: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        filter_expression: pulumi.Input[str] | None = None,
        late_message_rejection_period: pulumi.Input[str] | None = None,
        early_message_rejection_period: pulumi.Input[str] | None = None,
        read_from_point: pulumi.Input[str] | None = None,
        max_parse_exceptions: pulumi.Input[int] | None = None,
        replace_running: pulumi.Input[bool] | None = None,
        clustering_columns: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        partitioned_by: pulumi.Input[str] | None = None,
        enable_upserts: pulumi.Input[bool] | None = None,
        upsert_key_columns: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        upsert_version_column: pulumi.Input[str] | None = None,
        desired_execution_status: pulumi.Input[str] | None = None,
        read_position_reset_trigger: pulumi.Input[str] | None = None,
        wait_for_running: pulumi.Input[bool] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        adopt_existing: pulumi.Input[bool] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        values, opts = _arguments(type(self).__name__, StreamingJobArgs, args, kwargs)
        _claim_table(resource_name, values.get("target"))
        protected = _table_protection(values.get("target"))
        if protected is not None:
            values["target_table_protected"] = protected
        super().__init__(
            StreamingJobProvider(), resource_name, _props(JOB_OUTPUT_KEYS, values), opts
        )
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
        loop.call_soon(self._close, loop)

    def _close(self, loop: asyncio.AbstractEventLoop) -> None:
        _BATCHES.pop(loop, None)
        name = "streaming-jobs-created" + (f"-{self.index}" if self.index > 1 else "")
        try:
            self.ready.set_result([StreamingJobsCreated(name, self.jobs)])
        except Exception as exc:  # noqa: BLE001 - surfaces in every job's wait instead
            self.ready.set_exception(exc)


_BATCHES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batch] = weakref.WeakKeyDictionary()
_BATCH_COUNTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, int] = (
    weakref.WeakKeyDictionary()
)


def _every_job(job: pulumi.Resource) -> asyncio.Future[list[pulumi.Resource]]:
    """The barrier after `job` and the other jobs of its batch, once the program declared them."""
    loop = asyncio.get_event_loop()
    batch = _BATCHES.get(loop)
    if batch is None:
        _BATCH_COUNTS[loop] = _BATCH_COUNTS.get(loop, 0) + 1
        batch = _BATCHES[loop] = _Batch(loop, _BATCH_COUNTS[loop])
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
        super().__init__(
            StreamingJobStartProvider(), resource_name, _props(START_OUTPUT_KEYS, values), opts
        )
