"""A streaming job's shapes: what a program declares (CreateStreamingJobRequest), what Polaris
answers (the job, its summary, metrics), and the resource's own settings. Each field is
declared here once (see `_meta`)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from polaris_pulumi._contract import MAX_INT, TERMINAL_STATUSES, PolarisModel, Seconds, User
from polaris_pulumi._meta import Prop, keys, with_defaults
from polaris_pulumi.jobs._format_model import FormatSettings


class InputField(PolarisModel):
    """A field of the incoming records and its type: what mappings and the filter may read
    (FieldNameAndDataType)."""

    name: str
    """The field's name in the records (after flattening)."""
    data_type: str
    """Its input type: `string`, `long`, `double`, `float`, `timestamp`, `json`, or an array
    such as `array<string>` (the contract's InputDataType)."""


class ConnectionSource(PolarisModel):
    """Where a streaming job reads: a connection's topic, the records' format and the fields
    they carry (ConnectionJobSourceV2)."""

    type: Literal["connection"] = "connection"
    """Always `connection`."""
    connection_name: str
    """The connection to read (pass `conn.name`, so that the job waits for it)."""
    format_settings: FormatSettings
    """How records are read: see docs/formats.md."""
    input_schema: list[InputField] = Field(default_factory=list)
    """The fields the mappings and the filter read, with their types."""


class Mapping(PolarisModel):
    """How one table column is computed from the input fields (InputToTableSchemaMapping)."""

    column_name: str
    """The table column (`__time` for the primary timestamp)."""
    expression: str
    """A Druid SQL expression over the input fields, e.g. `TIME_PARSE("ts")` or `SUM("n")`."""
    is_aggregation: bool | None = None
    """The expression is an aggregation (a measure of an aggregate table)."""


class TableTarget(PolarisModel):
    """The table a job writes into (TableJobTargetV2)."""

    type: Literal["table"] = "table"
    """Always `table`."""
    table_name: str
    """The table's name (pass `table.name` for a Table of this program)."""
    intervals: Annotated[list[str] | None, Prop(default=[], internal=True)] = None


_NEW = Prop(replaces=True)
# Also at the top level of StreamingJobResponse.
_ECHOED = Prop(replaces=True, echoed=True)


class StreamingJobSpec(PolarisModel):
    """A Polaris streaming ingestion job from a connection into a table
    (CreateStreamingJobRequest); None means "server default". Polaris changes no spec of a
    running streaming job: a change to any field is a new job (`Prop(replaces=True)`)."""

    type: Annotated[Literal["streaming"], Prop(internal=True)] = "streaming"
    source: Annotated[ConnectionSource, _ECHOED]
    """The connection, the records' format and their fields."""
    mappings: Annotated[list[Mapping], Prop(replaces=True, echoed=True, default=[])] = Field(
        default_factory=list
    )
    """How each table column is computed; one maps `__time`."""
    target: Annotated[TableTarget, _ECHOED]
    """The table the job writes into."""
    create_table_if_not_exists: Annotated[bool | None, Prop(replaces=True, default=False)] = None
    """Create the table if it does not exist (aggregate if a mapping aggregates, else detail;
    it stays after the job and after `pulumi destroy`)."""
    use_schema_discovery: Annotated[
        bool | None, Prop(replaces=True, echoed=True, default=False)
    ] = None
    """Add every input field as a column (a flexible table only), but `dimension_exclusions`."""
    dimension_exclusions: Annotated[
        list[str] | None, Prop(replaces=True, echoed=True, default=[])
    ] = None
    """Fields schema discovery leaves out (e.g. those only `__time` is built from)."""
    filter_expression: Annotated[str | None, _ECHOED] = None
    """A Druid SQL condition: only records for which it is true are ingested."""
    late_message_rejection_period: Annotated[
        str | None, Prop(replaces=True, echoed=True, default="P30D")
    ] = None
    """An ISO 8601 period (default `P30D`): records older than this before the job started are
    rejected. Raise it to ingest older events."""
    early_message_rejection_period: Annotated[
        str | None, Prop(replaces=True, echoed=True, default="P2000D")
    ] = None
    """An ISO 8601 period (default `P2000D`): records further in the future are rejected."""
    read_from_point: Annotated[
        Literal["latest", "earliest"] | None, Prop(replaces=True, echoed=True, default="latest")
    ] = None
    """Where a table with no read position starts: `latest` (default) or `earliest`. The
    table keeps its position across jobs on the same topic."""
    max_parse_exceptions: Annotated[
        int | None, Prop(replaces=True, echoed=True, default=MAX_INT)
    ] = None
    """How many unparseable records the job tolerates before it fails (default: no limit)."""
    replace_running: Annotated[bool | None, Prop(default=False)] = None
    """Let the new job take the place of the table's running streaming job. Set for you when
    a spec change replaces this resource's job on the same table."""
    clustering_columns: Annotated[list[str] | None, _NEW] = None
    """Columns to sort by within a time partition, for a table the job creates."""
    partitioned_by: Annotated[str | None, _NEW] = None
    """The time partitioning of a table the job creates (e.g. `day`)."""
    enable_upserts: Annotated[bool | None, _NEW] = None
    """Replace rows by key (`upsert_key_columns`) instead of appending."""
    upsert_key_columns: Annotated[list[str] | None, _NEW] = None
    """With upserts: the columns that identify a row."""
    upsert_version_column: Annotated[str | None, _NEW] = None
    """With upserts: the column whose greatest value wins among rows of one key."""

    def view(self) -> dict[str, Any]:
        """The spec as Polaris holds it, as JSON (see `held`)."""
        return self.held().model_dump(mode="json", exclude={"type", "replace_running"})

    def held(self) -> StreamingJobSpec:
        """The spec as Polaris holds it (defaults filled in), minus the server's own target
        intervals: what makes two jobs the same."""
        held = with_defaults(self)
        return held.model_copy(
            update={"target": held.target.model_copy(update={"intervals": None})}
        )

    def changed(self, other: StreamingJobSpec) -> list[str]:
        """The fields in which a job of `other` would differ from one of this spec: each makes
        a new job (how it is created, replaceRunning, does not)."""
        mine, theirs = self.held(), other.held()
        return [name for name in _REPLACING if getattr(mine, name) != getattr(theirs, name)]

    def same_as(self, other: StreamingJobSpec) -> bool:
        """Whether a job Polaris holds has this spec: how a create whose answer was lost, or
        a job an interrupted `up` made, is recognised."""
        return not self.changed(other)


_REPLACING = keys(StreamingJobSpec, replaces=True)


class Health(PolarisModel):
    """A job's health (JobHealthV2): `ok`, or `warn` / `error` with a code, a message and a
    log entry."""

    output_dict: ClassVar[str] = "HealthDict"

    status: str = "ok"
    code: str | None = None
    message: str | None = None
    log: dict[str, Any] | None = None

    @property
    def is_error(self) -> bool:
        return self.status == "error"

    @property
    def is_warning(self) -> bool:
        # JobHealthStatusV2 says `warn`; the SDK's health subtype map says `warning`.
        return self.status in ("warn", "warning")

    def describe(self) -> str:
        """`code: message` (a warning's message is in its log entry)."""
        message = self.message or (self.log or {}).get("message")
        text = ": ".join(p for p in (self.code, message) if p)
        return text or self.status


class JobState(PolarisModel):
    """What every job response and job summary carries (JobSummaryResponse)."""

    id: str
    type: str
    desired_execution_status: str | None = None
    execution_status: str | None = None
    health: Health | None = None
    created_by: User | None = None
    last_modified_by: User | None = None
    created_timestamp: str | None = None
    last_updated_timestamp: str | None = None
    started_timestamp: str | None = None
    completed_timestamp: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.execution_status in TERMINAL_STATUSES

    @property
    def is_canceling(self) -> bool:
        return self.desired_execution_status == "canceled" and not self.is_terminal


class JobSummary(JobState):
    """An item of GET /jobs: a streaming summary's source is only {type, connectionName}."""

    target: dict[str, Any] | None = None
    source: dict[str, Any] | None = None

    @property
    def table_name(self) -> str | None:
        return (self.target or {}).get("tableName")

    @property
    def connection_name(self) -> str | None:
        return (self.source or {}).get("connectionName")


class StreamingJob(JobState):
    """GET /jobs/{id} of a streaming job: its state, and under `spec` what it was created
    from with the server's defaults (the only place createTableIfNotExists lives)."""

    spec: StreamingJobSpec

    @property
    def table_name(self) -> str:
        return self.spec.target.table_name

    @property
    def connection_name(self) -> str:
        return self.spec.source.connection_name


class JobList(PolarisModel):
    """JobListResponse."""

    values: list[JobSummary] = Field(default_factory=list)
    more_results_available: bool = False


class JobTotals(PolarisModel):
    """A job's row counters (IngestionJobTotals), from GET /jobs/{id}/metrics."""

    output_dict: ClassVar[str] = "MetricsDict"

    num_bytes_processed: int = 0
    num_rows_persisted: int = 0
    num_rows_processed: int = 0
    num_rows_processed_with_warning: int = 0
    num_rows_skipped_by_error: int = 0
    num_rows_skipped_by_filter: int = 0


class JobMetrics(PolarisModel):
    totals: JobTotals = Field(default_factory=JobTotals)


class JobLogEntry(PolarisModel):
    """One entry of GET /jobs/{id}/logs (JobLogEntry): an event, warning or error logged
    while the job ran, such as a record it could not parse, and why."""

    timestamp: str | None = None
    health_status: str | None = None
    code: str | None = None
    message: str | None = None


class JobLogs(PolarisModel):
    """JobLogsResponse."""

    logs: list[JobLogEntry] = Field(default_factory=list)


class JobStatus(PolarisModel):
    """JobStatusResponse."""

    execution_status: str


class StreamingJobSettings(BaseModel):
    """The resource's own settings (never sent), and what the provider adds to its outputs."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    desired_execution_status: Annotated[
        Literal["running", "suspended"] | None,
        Prop(default="running", hint="`pulumi destroy` cancels a job"),
    ] = None
    """`running` (default) or `suspended`: changing it suspends or resumes the job in place.
    A job can be created suspended."""
    read_position_reset_trigger: str | None = None
    """Any value; setting or changing it on an existing job resets the job's read position
    (POST /jobs/{id}/reset) to `read_from_point`: `earliest` re-reads what the topic still
    holds, `latest` skips what arrived meanwhile. A new job starts from `read_from_point` (or
    the table's kept position) whatever the value."""
    wait_for_running: bool | None = None
    """Wait until the job has started (`running`, or `idle` with no data yet), or is suspended
    when so declared (default on). The job's `started` child waits, after all jobs of the
    program exist, so the waits overlap."""
    wait_timeout: Seconds = None
    """Seconds to wait for the job to start or end (default 300); Pulumi's CustomTimeouts do
    not reach dynamic providers."""
    adopt_existing: bool | None = None
    """Take over the streaming job already feeding the target table on create."""
    target_table_protected: Annotated[bool | None, Prop(internal=True)] = None
    """Set by the program when the target is a Table resource: its deletion_protection."""
    ended_status: Annotated[str | None, Prop(output=True)] = None
    """`failed` or `completed` once Polaris says the job is over (a refresh reads it): the
    next `up` replaces it. None while it runs."""

    @property
    def desired(self) -> str:
        return self.desired_execution_status or "running"

    @property
    def ended(self) -> bool:
        return self.ended_status in TERMINAL_STATUSES
