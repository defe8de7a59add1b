"""A streaming job's shapes: what a program declares (CreateStreamingJobRequest), what Polaris
answers (the job, its summary, metrics), and the resource's own settings. Each field is
declared here once (see `_meta`)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from polaris_pulumi._contract import MAX_INT, TERMINAL_STATUSES, PolarisModel, Seconds, User
from polaris_pulumi._meta import Prop, keys, with_defaults


class InputField(PolarisModel):
    """A field of the incoming records and its type: what mappings and the filter may read
    (FieldNameAndDataType)."""

    name: str
    """The field's name in the records (after flattening)."""
    data_type: str
    """Its input type: `string`, `long`, `double`, `float`, `timestamp`, `json`, or an array
    such as `array<string>` (the contract's InputDataType)."""


class ParseSchemaProvider(PolarisModel):
    """Where `avro_stream` and `protobuf` read their schema: `connection` (a Schema Registry
    connection, by name: pass `registry.name`), `inline-avro` (an Avro schema as a dict) or
    `inline-protobuf` (a base64 FileDescriptorSet and the message type)."""

    type: Literal["connection", "inline-avro", "inline-protobuf"]
    """`connection`, `inline-avro` or `inline-protobuf`."""
    connection_name: str | None = None
    """`connection`: the Schema Registry connection's name (pass `registry.name`)."""
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    """`inline-avro`: the Avro schema, as a dict."""
    descriptor: str | None = None
    """`inline-protobuf`: a compiled FileDescriptorSet, base64 (`protoc --descriptor_set_out`)."""
    proto_message_type: str | None = None
    """`inline-protobuf`: the message type in the descriptor (e.g. `shop.Click`)."""


# Per format (DataFormatSettings' subtypes): the fields it takes, and those it requires.
FORMAT_FIELDS: dict[str, frozenset[str]] = {
    "nd-json": frozenset({"flatten_spec"}),
    "csv": frozenset({"columns", "delimiter", "list_delimiter", "skip_header_rows"}),
    "avro_ocf": frozenset(
        {"binary_as_string", "extract_unions_by_type", "flatten_spec", "schema_"}
    ),
    "avro_stream": frozenset(
        {"parse_schema_provider", "binary_as_string", "extract_unions_by_type", "flatten_spec"}
    ),
    "protobuf": frozenset({"parse_schema_provider", "flatten_spec"}),
    "orc": frozenset({"binary_as_string", "flatten_spec"}),
    "parquet": frozenset({"binary_as_string", "flatten_spec"}),
    "kafka": frozenset(
        {
            "value_format",
            "key_format",
            "header_format",
            "header_label_prefix",
            "key_column_name",
            "timestamp_column_name",
        }
    ),
    "kinesis": frozenset({"value_format", "partition_key_column_name", "timestamp_column_name"}),
}
FORMAT_REQUIRED: dict[str, frozenset[str]] = {
    "avro_stream": frozenset({"parse_schema_provider"}),
    "protobuf": frozenset({"parse_schema_provider"}),
    "kafka": frozenset({"value_format"}),
    "kinesis": frozenset({"value_format"}),
}

# KafkaFormatSettings.header_format: "Supported values include" these encodings.
HEADER_ENCODINGS = ("utf-8", "utf-16", "utf-16be", "utf-16le", "iso-8859-1", "us-ascii")

# Per schema provider type (ParseSchemaProvider's subtypes): the fields it takes.
SCHEMA_PROVIDER_FIELDS = {
    "connection": frozenset({"connection_name"}),
    "inline-avro": frozenset({"schema_"}),
    "inline-protobuf": frozenset({"descriptor", "proto_message_type"}),
}


def _takes_flatten_spec(fmt: FormatSettings) -> bool:
    return "flatten_spec" in FORMAT_FIELDS.get(fmt.format, ())


class FormatSettings(PolarisModel):
    """A format and its own settings (DataFormatSettings: every field of its per-format
    subtypes; each format takes only its own, and preview names any other). See
    docs/formats.md."""

    format: str
    """The records' format: nd-json, csv, avro_ocf, avro_stream, protobuf, orc, parquet, or
    kafka (a Kafka record's value, key, headers and timestamp), kinesis."""
    flatten_spec: Annotated[
        dict[str, Any] | None, Prop(default={}, default_when=_takes_flatten_spec)
    ] = None
    """nd-json, avro, protobuf, orc, parquet: `{"fields": [{"type": "path", "name": ...,
    "expr": "$.a.b"}]}` to read nested fields (Druid's flattenSpec, camelCase keys)."""
    columns: list[str] | None = None
    """csv: the column names, in order (else the header row names them)."""
    delimiter: str | None = None
    """csv: the field delimiter (default `,`; a tab for TSV)."""
    list_delimiter: str | None = None
    """csv: the delimiter of multi-value fields within a field."""
    skip_header_rows: int | None = None
    """csv: how many leading rows to skip."""
    binary_as_string: bool | None = None
    """avro_ocf, avro_stream, orc, parquet: read bytes fields as UTF-8 strings."""
    extract_unions_by_type: bool | None = None
    """avro_ocf, avro_stream: name a union's members by their type when flattening."""
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    """avro_ocf: a reader schema (Avro, as a dict) that overrides the file's writer schema."""
    parse_schema_provider: ParseSchemaProvider | None = None
    """avro_stream, protobuf: where the records' schema comes from."""
    value_format: FormatSettings | None = None
    """kafka, kinesis: the format of the record's value (required)."""
    key_format: FormatSettings | None = None
    """kafka: the format of the record's key, read into `key_column_name`."""
    header_format: str | None = None
    """kafka: the encoding of header values (e.g. `utf-8`)."""
    header_label_prefix: str | None = None
    """kafka: the prefix of the columns made from headers (default `kafka.header.`)."""
    key_column_name: str | None = None
    """kafka: the column that holds the key (default `kafka.key`)."""
    timestamp_column_name: str | None = None
    """kafka, kinesis: the column that holds the record's own timestamp (default
    `kafka.timestamp` or `kinesis.timestamp`)."""
    partition_key_column_name: str | None = None
    """kinesis: the column that holds the partition key."""


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
