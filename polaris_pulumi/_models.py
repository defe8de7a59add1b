"""Polaris API shapes: the one place where snake_case meets the API's camelCase.

The contract is Polaris' published OpenAPI spec, as Imply's official SDK
(`polaris-sdk==20250425.14.0`, `polaris/sdk/project_api/models`) renders it: field names,
required fields and enums below follow it; `tests/test_conformance.py` holds them to it.

Shared by the client, the providers and the emulator. Server responses keep unknown fields
(`extra="allow"`), so a newer Polaris does not break older code; user input and requests to
the emulator are validated with `STRICT` context, where an unknown key is an error.
"""

from __future__ import annotations

import base64
import copy
import difflib
import re
import typing
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import fastavro
from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    SerializationInfo,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_serializer,
    model_validator,
)
from pydantic.alias_generators import to_camel, to_snake
from pydantic_core import InitErrorDetails, PydanticCustomError

# --- Contract enums (project_api/models/_enums.py) ----------------------------------------

# DataFormat.
DATA_FORMATS = (
    "avro_ocf",
    "avro_stream",
    "csv",
    "kafka",
    "kinesis",
    "nd-json",
    "orc",
    "parquet",
    "protobuf",
)
# FieldNameAndDataTypeDataType.
DATA_TYPES = (
    "bigint",
    "complex<json>",
    "double",
    "float",
    "geo",
    "HLLSketch",
    "ipAddress",
    "ipPrefix",
    "json",
    "long",
    "longStringPair",
    "doubleArray",
    "floatArray",
    "longArray",
    "stringArray",
    "quantilesDoublesSketch",
    "string",
    "thetaSketch",
    "ingest_timeseries",
    "timestamp",
    "varchar",
    "variance",
)
# TableColumnDataType is the same list; AggregateTableMeasureColumnDataType, a part of it.
TABLE_COLUMN_DATA_TYPES = DATA_TYPES
MEASURE_DATA_TYPES = (
    "bigint",
    "double",
    "float",
    "HLLSketch",
    "long",
    "longStringPair",
    "quantilesDoublesSketch",
    "string",
    "thetaSketch",
    "ingest_timeseries",
    "varchar",
    "variance",
)
# TablePartitioningGranularity (`week` is deprecated: no new table may use it).
PARTITIONING_GRANULARITIES = (
    "second",
    "minute",
    "five_minute",
    "ten_minute",
    "fifteen_minute",
    "thirty_minute",
    "hour",
    "six_hour",
    "eight_hour",
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "all",
)
# TimeResolution: an aggregate table's rollup granularity.
TIME_RESOLUTIONS = (
    "millisecond",
    "second",
    "minute",
    "fifteen_minute",
    "thirty_minute",
    "hour",
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "all",
)
# JobExecutionStatusV2, DesiredJobExecutionStatusV2, JobHealthStatusV2 (StreamingReadFromPoint
# is the Literal of StreamingJobSpec.read_from_point).
EXECUTION_STATUSES = (
    "pending",
    "running",
    "completed",
    "idle",
    "canceled",
    "failed",
    "suspended",
    "unknown",
)
DESIRED_STATUSES = ("running", "canceled", "suspended")
HEALTH_STATUSES = ("ok", "warn", "error")
# A job in one of these states is over: it never runs again (a new job must be created).
TERMINAL_STATUSES = frozenset({"completed", "canceled", "failed"})
# A streaming job that is `idle` has started and has nothing to read yet.
STARTED_STATUSES = frozenset({"running", "idle"})
MAX_INT = 2147483647
DEFAULT_PAGE_SIZE = 100  # paginationLimit: default 100, at most 1000
MAX_PAGE_SIZE = 1000

# Validation context that makes unknown keys errors (user input; the emulator's requests).
STRICT: dict[str, Any] = {"strict_keys": True}


class PolarisModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _known_keys(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        """Under STRICT context, a key that is neither a field nor its alias is an error."""
        if not (isinstance(data, dict) and info.context and info.context.get("strict_keys")):
            return handler(data)
        fields = cls.model_fields
        known = set(fields) | {f.alias for f in fields.values() if f.alias}
        unknown = [k for k in data if k not in known]
        if not unknown:
            return handler(data)
        errors = [
            InitErrorDetails(
                type=PydanticCustomError("extra_forbidden", "{hint}", {"hint": _key_hint(k, cls)}),
                loc=(k,),
                input=data[k],
            )
            for k in unknown
        ]
        try:
            handler({k: v for k, v in data.items() if k in known})
        except ValidationError as exc:
            errors += exc.errors()  # type: ignore[arg-type]
        raise ValidationError.from_exception_data(cls.__name__, errors)

    def to_api(self, *, reveal_secrets: bool = False) -> dict[str, Any]:
        """JSON body for the API: camelCase, no unset optional fields, secrets only on request."""
        return self.model_dump(
            mode="json",
            by_alias=True,
            exclude_none=True,
            context={"reveal_secrets": reveal_secrets},
        )


class User(PolarisModel):
    username: str | None = None
    user_id: str | None = None


# --- Connections -------------------------------------------------------------------------


class _Password(PolarisModel):
    """Secrets whose password is never returned by the API; SecretStr keeps it out of repr,
    logs and tracebacks."""

    username: str
    password: SecretStr | None = None

    @field_serializer("password")
    def _password(self, value: SecretStr | None, info: SerializationInfo) -> str | None:
        if value is None:
            return None
        ctx = info.context or {}
        return value.get_secret_value() if ctx.get("reveal_secrets") else "**********"


class SaslPlainSecrets(_Password):
    """SaslPlainSecretsRequiredPayload: a Confluent Cloud API key and secret."""

    type: Literal["sasl_plain"] = "sasl_plain"


class BasicAuthSecrets(_Password):
    """HttpBasicAuthSecretsRequiredPayload: a Schema Registry API key and secret."""

    type: Literal["basic"] = "basic"


class _ConnectionSpec(PolarisModel):
    """What every connection a user declares has: a unique name, and secrets with a password."""

    name: str
    description: str | None = None
    secrets: _Password | None = None

    def password(self) -> str:
        """The password, or "" when this spec carries none."""
        if self.secrets is None or self.secrets.password is None:
            return ""
        return self.secrets.password.get_secret_value()

    def without_password(self) -> dict[str, Any]:
        """The API body minus the password: what the server echoes back."""
        body = self.to_api()
        body.get("secrets", {}).pop("password", None)
        return body

    def update_body(self) -> dict[str, Any]:
        """PATCH body (Update...ConnectionRequest): `type` and the rest, never `name`.

        An unset description is sent as null so that PATCH clears it (our reading: PATCH keeps
        omitted fields); the password goes only when the spec carries one.
        """
        body = self.to_api(reveal_secrets=True)
        body.pop("name")
        body.setdefault("description", None)
        return body


class ConnectionSpec(_ConnectionSpec):
    """What a user declares for a `confluent` connection (CreateConfluentConnectionRequest)."""

    type: Literal["confluent"] = "confluent"
    bootstrap_servers: str
    topic_name: str
    topic_name_is_pattern: bool | None = None
    secrets: SaslPlainSecrets | None = None


class SchemaRegistryConnectionSpec(_ConnectionSpec):
    """What a user declares for a Confluent Schema Registry connection
    (CreateConfluentSchemaRegistryConnectionRequest)."""

    type: Literal["confluent_schema_registry"] = "confluent_schema_registry"
    urls: list[str]
    secrets: BasicAuthSecrets | None = None


class ConnectionSecretsInfo(PolarisModel):
    """Secrets as a connection response shows them: the type and the non-secret part.

    `sasl_plain` has `username`; the deprecated `confluent` type has `key`.
    """

    type: str
    username: str | None = None
    key: str | None = None


class _Submitted(PolarisModel):
    """Who made and last changed a connection, and when (ConnectionResponse)."""

    submitted_by_user: User | None = None
    modified_by_user: User | None = None
    submitted_on_timestamp: str | None = None
    modified_on_timestamp: str | None = None


class Connection(ConnectionSpec, _Submitted):
    """A connection as the server returns it (ConfluentConnectionResponse; no password)."""

    type: str = "confluent"  # type: ignore[assignment]
    secrets: ConnectionSecretsInfo | None = None  # type: ignore[assignment]

    def spec(self) -> ConnectionSpec:
        """What this connection was made from, minus the password Polaris never returns.

        Secrets of another type than `sasl_plain` (the deprecated `confluent`) are left out.
        """
        secrets = self.secrets
        return ConnectionSpec(
            name=self.name,
            description=self.description,
            bootstrap_servers=self.bootstrap_servers,
            topic_name=self.topic_name,
            topic_name_is_pattern=self.topic_name_is_pattern,
            secrets=SaslPlainSecrets(username=secrets.username)
            if secrets is not None and secrets.type == "sasl_plain" and secrets.username
            else None,
        )


class SchemaRegistryConnection(SchemaRegistryConnectionSpec, _Submitted):
    """A Schema Registry connection as the server returns it (no password)."""

    secrets: ConnectionSecretsInfo | None = None  # type: ignore[assignment]


def connection_model(doc: dict[str, Any]) -> type[Connection] | type[SchemaRegistryConnection]:
    """The response model of a connection document, by its type."""
    if doc.get("type") == "confluent_schema_registry":
        return SchemaRegistryConnection
    return Connection


class ConnectionTestResult(PolarisModel):
    """Outcome of POST /connections/{name}/test: 200 with no body, or 400 ErrorResponse."""

    ok: bool
    message: str | None = None
    details: list[str] = Field(default_factory=list)


# --- Streaming jobs ----------------------------------------------------------------------


class InputField(PolarisModel):
    """FieldNameAndDataType."""

    name: str
    data_type: str


class ParseSchemaProvider(PolarisModel):
    """Where avro_stream / protobuf read their schema: a registry connection or inline."""

    type: Literal["connection", "inline-avro", "inline-protobuf"]
    connection_name: str | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    descriptor: str | None = None
    proto_message_type: str | None = None


class FormatSettings(PolarisModel):
    """DataFormatSettings: every field of its per-format subtypes; FORMAT_FIELDS says which
    belong to which format."""

    format: str
    flatten_spec: dict[str, Any] | None = None
    # csv
    columns: list[str] | None = None
    delimiter: str | None = None
    list_delimiter: str | None = None
    skip_header_rows: int | None = None
    # avro_ocf, avro_stream, orc, parquet, protobuf
    binary_as_string: bool | None = None
    extract_unions_by_type: bool | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    parse_schema_provider: ParseSchemaProvider | None = None
    # kafka, kinesis
    value_format: FormatSettings | None = None
    key_format: FormatSettings | None = None
    header_format: str | None = None
    header_label_prefix: str | None = None
    key_column_name: str | None = None
    timestamp_column_name: str | None = None
    partition_key_column_name: str | None = None


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


class ConnectionSource(PolarisModel):
    """ConnectionJobSourceV2."""

    type: Literal["connection"] = "connection"
    connection_name: str
    format_settings: FormatSettings
    input_schema: list[InputField] = Field(default_factory=list)


class Mapping(PolarisModel):
    """InputToTableSchemaMapping."""

    column_name: str
    expression: str
    is_aggregation: bool | None = None


class TableTarget(PolarisModel):
    """TableJobTargetV2."""

    type: Literal["table"] = "table"
    table_name: str
    intervals: list[str] | None = None


class StreamingJobSpec(PolarisModel):
    """CreateStreamingJobRequest: what a user declares; None means "server default"."""

    type: Literal["streaming"] = "streaming"
    source: ConnectionSource
    mappings: list[Mapping] = Field(default_factory=list)
    target: TableTarget
    create_table_if_not_exists: bool | None = None
    use_schema_discovery: bool | None = None
    dimension_exclusions: list[str] | None = None
    filter_expression: str | None = None
    late_message_rejection_period: str | None = None
    early_message_rejection_period: str | None = None
    read_from_point: Literal["latest", "earliest"] | None = None
    max_parse_exceptions: int | None = None
    replace_running: bool | None = None
    clustering_columns: list[str] | None = None
    partitioned_by: str | None = None
    enable_upserts: bool | None = None
    upsert_key_columns: list[str] | None = None
    upsert_version_column: str | None = None

    def with_defaults(self) -> StreamingJobSpec:
        """This spec with the defaults the server fills in, for comparing specs."""
        spec = self.model_copy(deep=True)
        fmt = spec.source.format_settings
        if fmt.flatten_spec is None and "flatten_spec" in FORMAT_FIELDS.get(fmt.format, ()):
            fmt.flatten_spec = {}
        if spec.target.intervals is None:
            spec.target.intervals = []
        for key, value in JOB_DEFAULTS.items():
            if getattr(spec, key) is None:
                setattr(spec, key, copy.deepcopy(value))
        return spec


# Server defaults of a streaming job (reference: "Response: the job with server defaults").
JOB_DEFAULTS: dict[str, Any] = {
    "create_table_if_not_exists": False,
    "use_schema_discovery": False,
    "dimension_exclusions": [],
    "late_message_rejection_period": "P30D",
    "early_message_rejection_period": "P2000D",
    "read_from_point": "latest",
    "max_parse_exceptions": MAX_INT,
    "replace_running": False,
}


class Health(PolarisModel):
    """JobHealthV2: `ok`, or `warn` / `error` with a code, a message and a log entry."""

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
    """IngestionJobTotals, from GET /jobs/{id}/metrics."""

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


# --- Tables ------------------------------------------------------------------------------


class TableColumn(PolarisModel):
    """DetailTableColumn, or AggregateTableDimensionColumn / ...MeasureColumn (with `type`)."""

    name: str
    data_type: str
    type: Literal["dimension", "measure"] | None = None


class StoragePolicy(PolarisModel):
    """StoragePolicyPayload: IntervalsPolicyPayload or PeriodPolicyPayload."""

    type: Literal["intervals", "period"]
    intervals: list[str] | None = None
    period: str | None = None


class TableStoragePolicy(PolarisModel):
    """TableStoragePolicy: how long data is kept (`retain`) and precached (`cached`)."""

    cached: StoragePolicy | None = None
    retain: StoragePolicy | None = None


class QueryGranularity(PolarisModel):
    """GranularityPayload: SimpleGranularityPayload or PeriodGranularityPayload."""

    type: Literal["simple", "period"]
    granularity: str | None = None
    period: str | None = None
    time_zone: str | None = None
    origin: str | None = None


class TableSpec(PolarisModel):
    """What a user declares for a table (TablePayload's writable fields, both subtypes:
    DetailTablePayload and AggregateTablePayload). None means "server default"."""

    name: str
    type: Literal["detail", "aggregate"]
    description: str | None = None
    schema_mode: Literal["flexible", "strict"] | None = None
    partitioning_granularity: str | None = None
    clustering_columns: list[str] | None = None
    storage_policy: TableStoragePolicy | None = None
    schema_: list[TableColumn] | None = Field(default=None, alias="schema")
    # aggregate tables only
    time_resolution: str | None = None
    query_granularity: QueryGranularity | None = None

    def with_defaults(self) -> TableSpec:
        """This spec with the defaults the server fills in, for comparing specs."""
        spec = self.model_copy(deep=True)
        for key, value in TABLE_DEFAULTS.items():
            if getattr(spec, key) is None:
                setattr(spec, key, copy.deepcopy(value))
        if spec.type == "aggregate" and spec.time_resolution is None:
            spec.time_resolution = "millisecond"
        return spec


# Server defaults of a table (TablePayload's: partitioning `day`; docs: schema mode flexible).
TABLE_DEFAULTS: dict[str, Any] = {
    "schema_mode": "flexible",
    "partitioning_granularity": "day",
    "clustering_columns": [],
    "schema_": [],
}
# Fields a table keeps for life (TablePayload: "the unique, immutable name"; the docs: name
# and type cannot change): a change to one is a new table, and its data is lost.
TABLE_IMMUTABLE = ("name", "type")


class QueryableColumn(PolarisModel):
    """DruidTableColumn."""

    name: str
    data_type: str
    is_discovered: bool | None = None


class Table(TableSpec):
    """A table as the server returns it (TablePayload; TableSummaryPayload in lists)."""

    type: str  # type: ignore[assignment]  # also `table` (a visualization) in the contract
    id: str | None = None
    version: int | None = None
    availability: str | None = None
    created_by_user: User | None = None
    modified_by_user: User | None = None
    created_on_timestamp: str | None = None
    modified_on_timestamp: str | None = None
    queryable_schema: list[QueryableColumn] | None = None
    segment_count: int | None = None
    total_rows: int | None = None
    total_data_size_bytes: int | None = None

    def spec(self) -> TableSpec:
        """What this table was declared with (the writable fields)."""
        return TableSpec.model_validate(
            self.model_dump(include=set(TableSpec.model_fields), by_alias=True)
        )


class ListResponse(PolarisModel):
    values: list[dict[str, Any]] = Field(default_factory=list)


class ErrorBody(PolarisModel):
    """ErrorResponse: {code, message, target, details: [ErrorResponse], innererror}."""

    code: str | None = None
    message: str | None = None
    target: str | None = None
    details: list[ErrorBody] | None = None
    innererror: dict[str, Any] | None = None


# --- Documented rules ----------------------------------------------------------------------
# Both the emulator (as the server) and the providers' `check` (before anything is sent) apply
# these, so a bad program fails at preview with the same words the API would use.

CONNECTION_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HOST_PORT_RE = re.compile(r"^(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")
_PERIOD_RE = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
_URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/\S*)?$")
_FIELD_REF_RE = re.compile(r'"((?:[^"]|"")*)"')


@dataclass(frozen=True)
class Problem:
    """One invalid property: `path` in snake_case Python names, e.g. ("target", "table_name")."""

    path: tuple[str | int, ...]
    message: str

    @property
    def property_name(self) -> str:
        return _dotted(self.path, camel=False)

    @property
    def api_field(self) -> str:
        return _dotted(self.path, camel=True)


def _dotted(path: tuple[str | int, ...], *, camel: bool) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = to_camel(part) if camel else part
            out += f".{name}" if out else name
    return out


def _key_hint(key: str, model: type[BaseModel]) -> str:
    """The known key closest to a misspelt one, or the known keys when none is close."""
    fields = model.model_fields
    names = sorted(set(fields) | {f.alias for f in fields.values() if f.alias})
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; {model.__name__} takes {', '.join(sorted(n.rstrip('_') for n in fields))}"


def _holds_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(_holds_secret(f.annotation) for f in annotation.model_fields.values())
    return any(_holds_secret(a) for a in typing.get_args(annotation))


def _secret_properties(*models: type[BaseModel]) -> frozenset[str]:
    """Names of fields that are, or hold, a SecretStr: their values are never echoed."""
    found: set[str] = set()
    todo = list(models)
    while todo:
        model = todo.pop()
        for name, f in model.model_fields.items():
            if _holds_secret(f.annotation):
                found.add(name)
                todo += [
                    a
                    for a in (f.annotation, *typing.get_args(f.annotation))
                    if isinstance(a, type) and issubclass(a, BaseModel)
                ]
    return frozenset(found)


SECRET_PROPERTIES = _secret_properties(ConnectionSpec, SchemaRegistryConnectionSpec)


def problems_from_validation_error(error: ValidationError) -> list[Problem]:
    """Pydantic's type errors as Problems with snake_case paths.

    The value given is quoted back, except under a secret property (a mistyped password).
    """
    out = []
    for e in error.errors(include_url=False):
        path = tuple(p if isinstance(p, int) else to_snake(str(p)) for p in e["loc"])
        secret = any(p in SECRET_PROPERTIES for p in path)
        out.append(Problem(path, _type_message(e, quote=not secret)))
    return out


def _type_message(e: Any, *, quote: bool) -> str:
    kind = e.get("type", "")
    got = f" (got {e.get('input')!r})" if quote else ""
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known property" + str((e.get("ctx") or {}).get("hint", ""))
    if kind == "literal_error":
        return f"must be {e['ctx']['expected']}{got}"
    return f"{e['msg'].lower()}{got}"


def bootstrap_servers_problem(value: str) -> str | None:
    if not value.strip():
        return "must not be empty: a comma-separated list of host:port"
    for server in value.split(","):
        server = server.strip()
        if "://" in server:
            return (
                f"{server!r} has a URL scheme: Polaris wants host:port (drop the "
                f"'{server.split('://')[0]}://' prefix; polaris_pulumi.bootstrap_servers() does it)"
            )
        match = _HOST_PORT_RE.match(server)
        if not match or not 0 < int(match["port"]) < 65536:
            return (
                f"{server!r} is not host:port (e.g. pkc-xxxxx.us-east-1.aws.confluent.cloud:9092)"
            )
    return None


def table_name_problem(name: str) -> str | None:
    if not name:
        return "must not be empty"
    if len(name) > 255:
        return f"has {len(name)} characters; at most 255 are allowed"
    if name != name.strip(" "):
        return "must not start or end with a space"
    if name.startswith("."):
        return "must not start with '.'"
    if "/" in name:
        return "must not contain '/'"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "must not contain control characters"
    if any(c.isspace() and c != " " for c in name):
        return "must not contain whitespace other than spaces"
    return None


def connection_name_problem(name: str) -> str | None:
    if not CONNECTION_NAME_RE.match(name):
        return (
            f"{name!r} is not a valid connection name: use 1-64 ASCII letters, digits, "
            "'.', '_' or '-'"
        )
    return None


def period_problem(value: str) -> str | None:
    if not _PERIOD_RE.match(value):
        return f"{value!r} is not an ISO-8601 period such as P30D, PT12H or P1Y2M"
    return None


def expression_fields(expression: str) -> list[str]:
    """Druid SQL identifiers in double quotes: the input fields an expression reads."""
    return [m.replace('""', '"') for m in _FIELD_REF_RE.findall(expression)]


def expression_problem(expression: str) -> str | None:
    if not expression.strip():
        return "must not be empty"
    depth = 0
    in_single = in_double = False
    for c in expression:
        if c == "'" and not in_double:
            in_single = not in_single
        elif c == '"' and not in_single:
            in_double = not in_double
        elif not in_single and not in_double:
            depth += {"(": 1, ")": -1}.get(c, 0)
            if depth < 0:
                return "has a ')' without its '('"
    if in_single or in_double:
        return "has an unterminated quote"
    if depth:
        return "has unbalanced parentheses"
    return None


def connection_problems(spec: ConnectionSpec, *, require_password: bool) -> list[Problem]:
    problems: list[Problem] = []
    if msg := connection_name_problem(spec.name):
        problems.append(Problem(("name",), msg))
    if msg := bootstrap_servers_problem(spec.bootstrap_servers):
        problems.append(Problem(("bootstrap_servers",), msg))
    if not spec.topic_name:
        problems.append(Problem(("topic_name",), "must not be empty"))
    elif spec.topic_name_is_pattern:
        try:
            re.compile(spec.topic_name)
        except re.error as exc:
            problems.append(
                Problem(
                    ("topic_name",), f"{spec.topic_name!r} is not a valid regular expression: {exc}"
                )
            )
    return problems + _secrets_problems(spec, "sasl_plain", "Confluent", require_password)


def _secrets_problems(
    spec: _ConnectionSpec, kind: str, whose: str, require_password: bool
) -> list[Problem]:
    if spec.secrets is None:
        return [Problem(("secrets",), f"is required: {{type: {kind}, username, password}}")]
    problems = []
    if not spec.secrets.username:
        problems.append(
            Problem(("secrets", "username"), f"must not be empty (the {whose} API key)")
        )
    if require_password and (
        spec.secrets.password is None or not spec.secrets.password.get_secret_value()
    ):
        problems.append(Problem(("secrets", "password"), f"is required (the {whose} API secret)"))
    return problems


def schema_registry_problems(
    spec: SchemaRegistryConnectionSpec, *, require_password: bool
) -> list[Problem]:
    problems: list[Problem] = []
    if msg := connection_name_problem(spec.name):
        problems.append(Problem(("name",), msg))
    if not spec.urls:
        problems.append(
            Problem(("urls",), "needs at least one Schema Registry URL (https://psrc-...)")
        )
    problems += [
        Problem(
            ("urls", i),
            f"{url!r} is not an http(s) URL such as https://psrc-xxxxx.region.aws.confluent.cloud",
        )
        for i, url in enumerate(spec.urls)
        if not _URL_RE.match(url)
    ]
    return problems + _secrets_problems(spec, "basic", "Schema Registry", require_password)


def job_problems(spec: StreamingJobSpec) -> list[Problem]:
    """Every rule of a streaming job spec: source, mappings, target and settings."""
    declared = {f.name for f in spec.source.input_schema if f.name}
    problems = _source_problems(spec.source)
    problems += _mapping_problems(spec.mappings, declared, spec.use_schema_discovery)
    if msg := table_name_problem(spec.target.table_name):
        problems.append(Problem(("target", "table_name"), msg))
    return problems + _setting_problems(spec)


def _duplicates(names: Sequence[str], path: tuple[str | int, ...], what: str) -> list[Problem]:
    """Empty or repeated names in a list: `what` says how a repeat is described."""
    problems, seen = [], set()
    for i, name in enumerate(names):
        if not name:
            problems.append(Problem((*path, i), "must not be empty"))
        elif name in seen:
            problems.append(Problem((*path, i), f"{name!r} is {what} twice"))
        seen.add(name)
    return problems


def _source_problems(src: ConnectionSource) -> list[Problem]:
    problems = []
    if msg := connection_name_problem(src.connection_name):
        problems.append(Problem(("source", "connection_name"), msg))
    problems += format_problems(src.format_settings, ("source", "format_settings"))
    schema = ("source", "input_schema")
    names = [f.name for f in src.input_schema]
    problems += [
        Problem((*p.path, "name"), p.message) for p in _duplicates(names, schema, "declared")
    ]
    problems += [
        Problem(
            (*schema, i, "data_type"),
            f"{f.data_type!r} is not a data type of Polaris; use one of {', '.join(DATA_TYPES)}",
        )
        for i, f in enumerate(src.input_schema)
        if f.data_type not in DATA_TYPES
    ]
    return problems


def _mapping_problems(
    mappings: Sequence[Mapping], declared: set[str], schema_discovery: bool | None
) -> list[Problem]:
    columns = [m.column_name for m in mappings]
    problems = [
        Problem((*p.path, "column_name"), p.message)
        for p in _duplicates(columns, ("mappings",), "mapped")
    ]
    for i, mapping in enumerate(mappings):
        if msg := expression_problem(mapping.expression):
            problems.append(Problem(("mappings", i, "expression"), msg))
            continue
        unknown = [f for f in expression_fields(mapping.expression) if f not in declared]
        if unknown:
            problems.append(
                Problem(
                    ("mappings", i, "expression"),
                    f"uses {', '.join(repr(u) for u in unknown)}, not declared in "
                    "source.input_schema: declare every input field an expression reads",
                )
            )
    if "__time" not in columns and not schema_discovery:
        problems.append(
            Problem(
                ("mappings",),
                'needs a mapping for the __time column (e.g. TIME_PARSE("timestamp")), '
                "or use_schema_discovery=True to take __time from the input",
            )
        )
    return problems


def _setting_problems(spec: StreamingJobSpec) -> list[Problem]:
    problems = []
    for key in ("late_message_rejection_period", "early_message_rejection_period"):
        value = getattr(spec, key)
        if value is not None and (msg := period_problem(value)):
            problems.append(Problem((key,), msg))
    if spec.max_parse_exceptions is not None and not 0 <= spec.max_parse_exceptions <= MAX_INT:
        problems.append(Problem(("max_parse_exceptions",), f"must be between 0 and {MAX_INT}"))
    if spec.filter_expression is not None and (msg := expression_problem(spec.filter_expression)):
        problems.append(Problem(("filter_expression",), msg))
    problems += _duplicates(spec.dimension_exclusions or [], ("dimension_exclusions",), "listed")
    return problems


def format_problems(fmt: FormatSettings, path: tuple[str | int, ...]) -> list[Problem]:
    """The format is one of the contract's, with its own fields and only those."""
    if fmt.format not in DATA_FORMATS:
        return [
            Problem(
                (*path, "format"),
                f"{fmt.format!r} is not a format of Polaris; use one of {', '.join(DATA_FORMATS)}",
            )
        ]
    problems = []
    allowed = FORMAT_FIELDS[fmt.format]
    for name in FormatSettings.model_fields:
        value = getattr(fmt, name)
        if name == "format":
            continue
        if value is not None and name not in allowed:
            problems.append(
                Problem(
                    (*path, name.rstrip("_")),
                    f"is not a setting of format {fmt.format!r}; it takes "
                    f"{', '.join(sorted(a.rstrip('_') for a in allowed))}",
                )
            )
        elif value is None and name in FORMAT_REQUIRED.get(fmt.format, ()):
            problems.append(Problem((*path, name), f"is required for format {fmt.format!r}"))
    for name in ("value_format", "key_format"):
        nested = getattr(fmt, name)
        if nested is not None and name in allowed:
            problems += format_problems(nested, (*path, name))
            if nested.format in ("kafka", "kinesis"):
                problems.append(
                    Problem((*path, name, "format"), "must be a payload format (nd-json, ...)")
                )
    return problems + _settings_problems(fmt, path)


# KafkaFormatSettings.header_format: "Supported values include" these encodings.
HEADER_ENCODINGS = ("utf-8", "utf-16", "utf-16be", "utf-16le", "iso-8859-1", "us-ascii")
# Druid's flattenSpec field types.
FLATTEN_FIELD_TYPES = ("root", "path", "jq", "tree")


def _settings_problems(fmt: FormatSettings, path: tuple[str | int, ...]) -> list[Problem]:
    """The values of a format's settings (which settings belong to it: `format_problems`)."""
    problems = []
    if fmt.delimiter is not None and len(fmt.delimiter) != 1:
        problems.append(Problem((*path, "delimiter"), "must be one character (e.g. ',' or '\\t')"))
    if fmt.list_delimiter == "":
        problems.append(Problem((*path, "list_delimiter"), "must not be empty"))
    if fmt.skip_header_rows is not None and fmt.skip_header_rows < 0:
        problems.append(Problem((*path, "skip_header_rows"), "must be 0 or more"))
    problems += _duplicates(fmt.columns or [], (*path, "columns"), "listed")
    if fmt.format == "csv" and path[-1] == "key_format" and not fmt.columns:
        problems.append(
            Problem((*path, "columns"), "is required for a csv key: name the key's column")
        )
    if fmt.header_format is not None and fmt.header_format not in HEADER_ENCODINGS:
        problems.append(
            Problem((*path, "header_format"), f"must be one of {', '.join(HEADER_ENCODINGS)}")
        )
    if fmt.flatten_spec is not None:
        problems += flatten_spec_problems(fmt.flatten_spec, (*path, "flatten_spec"))
    if fmt.schema_ is not None and (msg := avro_schema_problem(fmt.schema_)):
        problems.append(Problem((*path, "schema"), msg))
    if fmt.parse_schema_provider is not None:
        problems += _schema_provider_problems(
            fmt.parse_schema_provider, fmt.format, (*path, "parse_schema_provider")
        )
    return problems


def avro_schema_problem(schema: Any) -> str | None:
    """Why `schema` is not an Avro schema (fastavro parses it as Polaris' Avro reader would)."""
    try:
        fastavro.parse_schema(copy.deepcopy(schema))
    except Exception as exc:  # noqa: BLE001 - fastavro raises several kinds; each is the answer
        return f"is not a valid Avro schema: {exc}"
    return None


def _protobuf_problems(provider: ParseSchemaProvider, path: tuple[str | int, ...]) -> list[Problem]:
    if not provider.descriptor or not provider.proto_message_type:
        missing = [k for k in ("descriptor", "proto_message_type") if not getattr(provider, k)]
        return [Problem((*path, k), "is required for type 'inline-protobuf'") for k in missing]
    try:
        files = descriptor_pb2.FileDescriptorSet.FromString(
            base64.b64decode(provider.descriptor, validate=True)
        )
    except (ValueError, DecodeError):
        return [
            Problem(
                (*path, "descriptor"),
                "is not a base64 FileDescriptorSet (protoc --descriptor_set_out, then base64)",
            )
        ]
    names = {
        name
        for f in files.file
        for m in f.message_type
        for name in (m.name, f"{f.package}.{m.name}" if f.package else m.name)
    }
    if provider.proto_message_type not in names:
        return [
            Problem(
                (*path, "proto_message_type"),
                f"{provider.proto_message_type!r} is not a message of the descriptor; it has "
                f"{', '.join(sorted(names)) or 'none'}",
            )
        ]
    return []


# Per schema provider type (ParseSchemaProvider's subtypes): the fields it takes.
SCHEMA_PROVIDER_FIELDS = {
    "connection": frozenset({"connection_name"}),
    "inline-avro": frozenset({"schema_"}),
    "inline-protobuf": frozenset({"descriptor", "proto_message_type"}),
}


def _schema_provider_problems(
    provider: ParseSchemaProvider, fmt: str, path: tuple[str | int, ...]
) -> list[Problem]:
    allowed = SCHEMA_PROVIDER_FIELDS[provider.type]
    problems = [
        Problem((*path, name.rstrip("_")), f"is not a setting of type {provider.type!r}")
        for name in ParseSchemaProvider.model_fields
        if name != "type" and name not in allowed and getattr(provider, name) is not None
    ]
    if provider.type == "inline-avro" and fmt == "protobuf":
        problems.append(Problem((*path, "type"), "format 'protobuf' takes 'inline-protobuf'"))
    if provider.type == "inline-protobuf" and fmt == "avro_stream":
        problems.append(Problem((*path, "type"), "format 'avro_stream' takes 'inline-avro'"))
    if provider.type == "connection":
        name = provider.connection_name
        if not name:
            problems.append(
                Problem((*path, "connection_name"), "is required: a Schema Registry connection")
            )
        elif msg := connection_name_problem(name):
            problems.append(Problem((*path, "connection_name"), msg))
    elif provider.type == "inline-avro":
        if provider.schema_ is None:
            problems.append(Problem((*path, "schema"), "is required for type 'inline-avro'"))
        elif msg := avro_schema_problem(provider.schema_):
            problems.append(Problem((*path, "schema"), msg))
    else:
        problems += _protobuf_problems(provider, path)
    return problems


def flatten_spec_problems(spec: dict[str, Any], path: tuple[str | int, ...]) -> list[Problem]:
    """A Druid flattenSpec: `use_field_discovery` and `fields` of {type, name, expr}."""
    problems = [
        Problem(
            (*path, key),
            "is not a known property; a flatten spec takes useFieldDiscovery and fields",
        )
        for key in spec
        if key not in ("useFieldDiscovery", "fields")
    ]
    if not isinstance(spec.get("useFieldDiscovery", True), bool):
        problems.append(Problem((*path, "useFieldDiscovery"), "must be true or false"))
    fields = spec.get("fields", [])
    if not isinstance(fields, list):
        return [*problems, Problem((*path, "fields"), "must be a list of {type, name, expr}")]
    names = []
    for i, field in enumerate(fields):
        at = (*path, "fields", i)
        if not isinstance(field, dict) or set(field) - {"type", "name", "expr", "nodes"}:
            problems.append(Problem(at, "must be {type, name, expr}"))
            continue
        kind, expr = field.get("type"), field.get("expr")
        names.append(field.get("name") or "")
        if kind not in FLATTEN_FIELD_TYPES:
            problems.append(
                Problem((*at, "type"), f"must be one of {', '.join(FLATTEN_FIELD_TYPES)}")
            )
        elif kind in ("path", "jq") and not (isinstance(expr, str) and expr):
            problems.append(Problem((*at, "expr"), f"is required for type {kind!r}"))
        elif kind == "path" and not str(expr).startswith("$"):
            problems.append(Problem((*at, "expr"), f"{expr!r} is not a JSONPath (starts with '$')"))
    problems += [
        Problem((*p.path[:-1], p.path[-1], "name"), p.message)
        for p in _duplicates(names, (*path, "fields"), "flattened")
    ]
    return problems


def schema_registry_refs(
    fmt: FormatSettings, path: tuple[str | int, ...]
) -> list[tuple[tuple[str | int, ...], str]]:
    """The Schema Registry connections a format reads its schemas through, with their paths."""
    found = []
    provider = fmt.parse_schema_provider
    if provider is not None and provider.type == "connection" and provider.connection_name:
        found.append(
            ((*path, "parse_schema_provider", "connection_name"), provider.connection_name)
        )
    for name in ("value_format", "key_format"):
        nested = getattr(fmt, name)
        if nested is not None:
            found += schema_registry_refs(nested, (*path, name))
    return found


def table_problems(spec: TableSpec, *, new: bool) -> list[Problem]:
    """Every rule of a table declaration; `new`: rules that hold only when creating."""
    problems = []
    if msg := table_name_problem(spec.name):
        problems.append(Problem(("name",), msg))
    if spec.description is not None and len(spec.description) > 1000:
        problems.append(Problem(("description",), "has more than 1000 characters"))
    problems += _enum_problem(
        spec.partitioning_granularity, PARTITIONING_GRANULARITIES, ("partitioning_granularity",)
    )
    if new and spec.partitioning_granularity == "week":
        problems.append(
            Problem(("partitioning_granularity",), "'week' is deprecated: no new table may use it")
        )
    problems += _column_problems(spec)
    problems += _clustering_problems(spec)
    if spec.type == "detail":
        problems += [
            Problem((key,), "is only for aggregate tables (type='aggregate')")
            for key in ("time_resolution", "query_granularity")
            if getattr(spec, key) is not None
        ]
    problems += _enum_problem(spec.time_resolution, TIME_RESOLUTIONS, ("time_resolution",))
    if spec.query_granularity is not None:
        problems += _granularity_problems(spec.query_granularity, ("query_granularity",))
    policy = spec.storage_policy
    for key in ("cached", "retain"):
        value = getattr(policy, key) if policy is not None else None
        if value is not None:
            problems += _storage_problems(value, ("storage_policy", key))
    return problems


def _enum_problem(
    value: str | None, allowed: Sequence[str], path: tuple[str | int, ...]
) -> list[Problem]:
    if value is None or value in allowed:
        return []
    return [Problem(path, f"{value!r} is not one of {', '.join(allowed)}")]


def _column_problems(spec: TableSpec) -> list[Problem]:
    columns = spec.schema_ or []
    problems = [
        Problem((*p.path, "name"), p.message)
        for p in _duplicates([c.name for c in columns], ("schema",), "declared")
    ]
    for i, column in enumerate(columns):
        at = ("schema", i)
        allowed = MEASURE_DATA_TYPES if column.type == "measure" else TABLE_COLUMN_DATA_TYPES
        problems += _enum_problem(column.data_type, allowed, (*at, "data_type"))
        if (column.data_type == "timestamp") != (column.name == "__time"):
            problems.append(
                Problem(
                    (*at, "data_type"),
                    "the timestamp type is for the __time column only, which must have it",
                )
            )
        if spec.type == "detail" and column.type is not None:
            problems.append(
                Problem((*at, "type"), "is only for aggregate tables (dimension or measure)")
            )
        if spec.type == "aggregate" and column.type is None:
            problems.append(
                Problem((*at, "type"), "is required in an aggregate table: dimension or measure")
            )
    return problems


def _clustering_problems(spec: TableSpec) -> list[Problem]:
    declared = {c.name: c for c in spec.schema_ or []}
    names = spec.clustering_columns or []
    problems = _duplicates(names, ("clustering_columns",), "listed")
    for i, name in enumerate(names):
        column = declared.get(name)
        if name and column is None:
            problems.append(
                Problem(
                    ("clustering_columns", i),
                    f"{name!r} is not a column of the table's schema: declare it in `schema`",
                )
            )
        elif column is not None and column.type == "measure":
            problems.append(
                Problem(("clustering_columns", i), f"{name!r} is a measure: cluster by dimensions")
            )
    return problems


def _granularity_problems(value: QueryGranularity, path: tuple[str | int, ...]) -> list[Problem]:
    if value.type == "simple":
        if value.granularity is None:
            return [Problem((*path, "granularity"), "is required for type 'simple'")]
        extra = [k for k in ("period", "time_zone", "origin") if getattr(value, k) is not None]
        return _enum_problem(value.granularity, TIME_RESOLUTIONS, (*path, "granularity")) + [
            Problem((*path, k), "is only for type 'period'") for k in extra
        ]
    if value.granularity is not None:
        return [Problem((*path, "granularity"), "is only for type 'simple'")]
    if value.period is None:
        return [Problem((*path, "period"), "is required for type 'period'")]
    return [Problem((*path, "period"), msg)] if (msg := period_problem(value.period)) else []


def _storage_problems(value: StoragePolicy, path: tuple[str | int, ...]) -> list[Problem]:
    if value.type == "intervals":
        if value.period is not None:
            return [Problem((*path, "period"), "is only for type 'period'")]
        if not value.intervals:
            return [Problem((*path, "intervals"), "is required for type 'intervals'")]
        return [
            Problem((*path, "intervals", i), f"{v!r} is not an ISO-8601 interval (start/end)")
            for i, v in enumerate(value.intervals)
            if v.count("/") != 1
        ]
    if value.intervals is not None:
        return [Problem((*path, "intervals"), "is only for type 'intervals'")]
    if value.period is None:
        return [Problem((*path, "period"), "is required for type 'period'")]
    return [Problem((*path, "period"), msg)] if (msg := period_problem(value.period)) else []


def table_job_problems(job: StreamingJobSpec, table: TableSpec) -> list[Problem]:
    """A streaming job against the declared table it writes to: where the table's schema
    refuses the job's mappings."""
    columns = {c.name: c for c in table.schema_ or []}
    strict = table.schema_mode == "strict"
    problems = []
    if strict and job.use_schema_discovery:
        problems.append(
            Problem(
                ("use_schema_discovery",),
                f"table {table.name!r} has a strict schema: schema discovery needs a flexible "
                "table (schema_mode='flexible')",
            )
        )
    for i, mapping in enumerate(job.mappings):
        column = columns.get(mapping.column_name)
        at = ("mappings", i)
        if column is None:
            if strict and mapping.column_name != "__time":
                problems.append(
                    Problem(
                        (*at, "column_name"),
                        f"{mapping.column_name!r} is not a column of table {table.name!r}, whose "
                        "schema is strict: declare the column in the Table's schema",
                    )
                )
            continue
        if table.type == "detail" and mapping.is_aggregation:
            problems.append(
                Problem(
                    (*at, "is_aggregation"),
                    f"table {table.name!r} is a detail table: aggregations need type='aggregate'",
                )
            )
        elif column.type == "measure" and not mapping.is_aggregation:
            problems.append(
                Problem(
                    (*at, "is_aggregation"),
                    f"column {column.name!r} is a measure of table {table.name!r}: map it with an "
                    "aggregation (e.g. SUM(...)) and is_aggregation=True",
                )
            )
        elif column.type == "dimension" and mapping.is_aggregation:
            problems.append(
                Problem(
                    (*at, "is_aggregation"),
                    f"column {column.name!r} is a dimension of table {table.name!r}: dimensions "
                    "are not aggregated",
                )
            )
    return problems
