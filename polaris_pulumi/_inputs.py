"""Args classes of the resources, mirroring the Polaris API's nesting in snake_case.

Wherever an Args class is accepted, a plain dict with the same snake_case keys is too; each
nested Args has an `...ArgsDict` TypedDict for such dicts (as Pulumi's generated SDKs have), so
that a type checker catches a wrong key. tests/test_provider_unit.py holds both to the models.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired, TypeAlias, TypedDict

import pulumi


@dataclasses.dataclass
class SaslPlainSecretsArgs:
    """Confluent Cloud API key (username) and secret (password)."""

    username: pulumi.Input[str]
    password: pulumi.Input[str]
    type: pulumi.Input[Literal["sasl_plain"]] = "sasl_plain"


class SaslPlainSecretsArgsDict(TypedDict):
    """Confluent Cloud API key (username) and secret (password)."""

    username: pulumi.Input[str]
    password: pulumi.Input[str]
    type: NotRequired[pulumi.Input[Literal["sasl_plain"]]]


@dataclasses.dataclass
class ConnectionArgs:
    bootstrap_servers: pulumi.Input[str]
    """Comma-separated `host:port` list; see `polaris_pulumi.bootstrap_servers()`."""
    topic_name: pulumi.Input[str]
    """A topic; with `topic_name_is_pattern`, a regular expression matching several topics."""
    secrets: pulumi.Input[SaslPlainSecretsArgs | SaslPlainSecretsArgsDict]
    topic_name_is_pattern: pulumi.Input[bool] | None = None
    """Take `topic_name` as a regular expression (default false: the name is literal)."""
    name: pulumi.Input[str] | None = None
    """Polaris connection name; default: the resource name plus a suffix derived from the
    project, stack and parent (stable: preview shows what `up` creates)."""
    description: pulumi.Input[str] | None = None
    test_connection: pulumi.Input[bool] | None = None
    """Run Polaris' connection test after create/update and fail with its details (default on)."""
    adopt_existing: pulumi.Input[bool] | None = None
    """Take over an existing connection of this name on create (our import path)."""


@dataclasses.dataclass
class BasicAuthSecretsArgs:
    """Schema Registry API key (username) and secret (password)."""

    username: pulumi.Input[str]
    password: pulumi.Input[str]
    type: pulumi.Input[Literal["basic"]] = "basic"


class BasicAuthSecretsArgsDict(TypedDict):
    """Schema Registry API key (username) and secret (password)."""

    username: pulumi.Input[str]
    password: pulumi.Input[str]
    type: NotRequired[pulumi.Input[Literal["basic"]]]


@dataclasses.dataclass
class SchemaRegistryConnectionArgs:
    urls: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The Schema Registry's REST endpoint(s), e.g. a Confluent Cloud cluster's
    `rest_endpoint` (https://psrc-xxxxx.region.aws.confluent.cloud)."""
    secrets: pulumi.Input[BasicAuthSecretsArgs | BasicAuthSecretsArgsDict]
    name: pulumi.Input[str] | None = None
    """Polaris connection name; default: the resource name plus a suffix derived from the
    project, stack and parent."""
    description: pulumi.Input[str] | None = None
    test_connection: pulumi.Input[bool] | None = None
    """Run Polaris' connection test after create/update and fail with its details (default on)."""
    adopt_existing: pulumi.Input[bool] | None = None
    """Take over an existing Schema Registry connection of this name on create."""


@dataclasses.dataclass
class InputFieldArgs:
    name: pulumi.Input[str]
    data_type: pulumi.Input[str]


class InputFieldArgsDict(TypedDict):
    name: pulumi.Input[str]
    data_type: pulumi.Input[str]


@dataclasses.dataclass
class ParseSchemaProviderArgs:
    """Where `avro_stream` and `protobuf` read their schema: `connection` (a Schema Registry
    connection, by name: pass `registry.name`), `inline-avro` (an Avro schema as a dict) or
    `inline-protobuf` (a base64 FileDescriptorSet and the message type)."""

    type: pulumi.Input[Literal["connection", "inline-avro", "inline-protobuf"]]
    connection_name: pulumi.Input[str] | None = None
    schema: pulumi.Input[Mapping[str, Any]] | None = None
    descriptor: pulumi.Input[str] | None = None
    proto_message_type: pulumi.Input[str] | None = None


class ParseSchemaProviderArgsDict(TypedDict):
    type: pulumi.Input[Literal["connection", "inline-avro", "inline-protobuf"]]
    connection_name: NotRequired[pulumi.Input[str]]
    schema: NotRequired[pulumi.Input[Mapping[str, Any]]]
    descriptor: NotRequired[pulumi.Input[str]]
    proto_message_type: NotRequired[pulumi.Input[str]]


@dataclasses.dataclass
class FormatSettingsArgs:
    """A format and its own settings (each format takes only its own: preview names any
    other). See docs/formats.md."""

    format: pulumi.Input[str]
    flatten_spec: pulumi.Input[Mapping[str, Any]] | None = None
    """nd-json, avro, protobuf, orc, parquet: `{"fields": [{"type": "path", "name": ...,
    "expr": "$.a.b"}]}` to read nested fields (Druid's flattenSpec, camelCase keys)."""
    # csv
    columns: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    delimiter: pulumi.Input[str] | None = None
    list_delimiter: pulumi.Input[str] | None = None
    skip_header_rows: pulumi.Input[int] | None = None
    # avro_ocf, avro_stream, orc, parquet, protobuf
    binary_as_string: pulumi.Input[bool] | None = None
    extract_unions_by_type: pulumi.Input[bool] | None = None
    schema: pulumi.Input[Mapping[str, Any]] | None = None
    parse_schema_provider: (
        pulumi.Input[ParseSchemaProviderArgs | ParseSchemaProviderArgsDict] | None
    ) = None
    # kafka, kinesis
    value_format: pulumi.Input[FormatSettingsArgs | FormatSettingsArgsDict] | None = None
    key_format: pulumi.Input[FormatSettingsArgs | FormatSettingsArgsDict] | None = None
    header_format: pulumi.Input[str] | None = None
    header_label_prefix: pulumi.Input[str] | None = None
    key_column_name: pulumi.Input[str] | None = None
    timestamp_column_name: pulumi.Input[str] | None = None
    partition_key_column_name: pulumi.Input[str] | None = None


class FormatSettingsArgsDict(TypedDict):
    format: pulumi.Input[str]
    flatten_spec: NotRequired[pulumi.Input[Mapping[str, Any]]]
    columns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    delimiter: NotRequired[pulumi.Input[str]]
    list_delimiter: NotRequired[pulumi.Input[str]]
    skip_header_rows: NotRequired[pulumi.Input[int]]
    binary_as_string: NotRequired[pulumi.Input[bool]]
    extract_unions_by_type: NotRequired[pulumi.Input[bool]]
    schema: NotRequired[pulumi.Input[Mapping[str, Any]]]
    parse_schema_provider: NotRequired[
        pulumi.Input[ParseSchemaProviderArgs | ParseSchemaProviderArgsDict]
    ]
    value_format: NotRequired[pulumi.Input[FormatSettingsArgs | FormatSettingsArgsDict]]
    key_format: NotRequired[pulumi.Input[FormatSettingsArgs | FormatSettingsArgsDict]]
    header_format: NotRequired[pulumi.Input[str]]
    header_label_prefix: NotRequired[pulumi.Input[str]]
    key_column_name: NotRequired[pulumi.Input[str]]
    timestamp_column_name: NotRequired[pulumi.Input[str]]
    partition_key_column_name: NotRequired[pulumi.Input[str]]


@dataclasses.dataclass
class ConnectionSourceArgs:
    connection_name: pulumi.Input[str]
    format_settings: pulumi.Input[FormatSettingsArgs | FormatSettingsArgsDict]
    input_schema: (
        pulumi.Input[Sequence[pulumi.Input[InputFieldArgs | InputFieldArgsDict]]] | None
    ) = None
    type: pulumi.Input[Literal["connection"]] = "connection"


class ConnectionSourceArgsDict(TypedDict):
    connection_name: pulumi.Input[str]
    format_settings: pulumi.Input[FormatSettingsArgs | FormatSettingsArgsDict]
    input_schema: NotRequired[
        pulumi.Input[Sequence[pulumi.Input[InputFieldArgs | InputFieldArgsDict]]]
    ]
    type: NotRequired[pulumi.Input[Literal["connection"]]]


@dataclasses.dataclass
class MappingArgs:
    column_name: pulumi.Input[str]
    expression: pulumi.Input[str]
    is_aggregation: pulumi.Input[bool] | None = None


class MappingArgsDict(TypedDict):
    column_name: pulumi.Input[str]
    expression: pulumi.Input[str]
    is_aggregation: NotRequired[pulumi.Input[bool]]


@dataclasses.dataclass
class TableTargetArgs:
    table_name: pulumi.Input[str]
    type: pulumi.Input[Literal["table"]] = "table"


class TableTargetArgsDict(TypedDict):
    table_name: pulumi.Input[str]
    type: NotRequired[pulumi.Input[Literal["table"]]]


@dataclasses.dataclass
class StreamingJobArgs:
    source: pulumi.Input[ConnectionSourceArgs | ConnectionSourceArgsDict]
    target: pulumi.Input[TableTargetArgs | TableTargetArgsDict]
    mappings: pulumi.Input[Sequence[pulumi.Input[MappingArgs | MappingArgsDict]]] | None = None
    create_table_if_not_exists: pulumi.Input[bool] | None = None
    use_schema_discovery: pulumi.Input[bool] | None = None
    dimension_exclusions: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    filter_expression: pulumi.Input[str] | None = None
    late_message_rejection_period: pulumi.Input[str] | None = None
    early_message_rejection_period: pulumi.Input[str] | None = None
    read_from_point: pulumi.Input[Literal["latest", "earliest"]] | None = None
    max_parse_exceptions: pulumi.Input[int] | None = None
    replace_running: pulumi.Input[bool] | None = None
    """Let the new job take the place of the table's running streaming job. Set for you when
    a spec change replaces this resource's job on the same table."""
    clustering_columns: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    partitioned_by: pulumi.Input[str] | None = None
    enable_upserts: pulumi.Input[bool] | None = None
    upsert_key_columns: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    upsert_version_column: pulumi.Input[str] | None = None
    desired_execution_status: pulumi.Input[Literal["running", "suspended"]] | None = None
    """`running` (default) or `suspended`: changing it suspends or resumes the job in place.
    A job can be created suspended."""
    read_position_reset_trigger: pulumi.Input[str] | None = None
    """Any value; setting or changing it on an existing job resets the job's read position
    (POST /jobs/{id}/reset) to `read_from_point`: `earliest` re-reads what the topic still
    holds, `latest` skips what arrived meanwhile. A new job starts from `read_from_point` (or
    the table's kept position) whatever the value."""
    wait_for_running: pulumi.Input[bool] | None = None
    """Wait until the job has started (`running`, or `idle` with no data yet), or is suspended
    when so declared (default on). The job's `started` child waits, after all jobs of the
    program exist, so the waits overlap."""
    wait_timeout: pulumi.Input[float] | None = None
    """Seconds to wait for the job to start or end (default 300); Pulumi's CustomTimeouts do
    not reach dynamic providers."""
    adopt_existing: pulumi.Input[bool] | None = None
    """Take over the streaming job already feeding the target table on create."""


@dataclasses.dataclass
class TableColumnArgs:
    """A column of the table's schema; `type` (dimension or measure) in aggregate tables only."""

    name: pulumi.Input[str]
    data_type: pulumi.Input[str]
    type: pulumi.Input[Literal["dimension", "measure"]] | None = None


class TableColumnArgsDict(TypedDict):
    name: pulumi.Input[str]
    data_type: pulumi.Input[str]
    type: NotRequired[pulumi.Input[Literal["dimension", "measure"]]]


@dataclasses.dataclass
class StoragePolicyArgs:
    """`intervals` (ISO-8601 `start/end` intervals) or `period` (an ISO-8601 period back from
    now, e.g. P90D)."""

    type: pulumi.Input[Literal["intervals", "period"]]
    intervals: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    period: pulumi.Input[str] | None = None


class StoragePolicyArgsDict(TypedDict):
    type: pulumi.Input[Literal["intervals", "period"]]
    intervals: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    period: NotRequired[pulumi.Input[str]]


@dataclasses.dataclass
class TableStoragePolicyArgs:
    """How long data is kept (`retain`; older data is deleted) and precached (`cached`)."""

    cached: pulumi.Input[StoragePolicyArgs | StoragePolicyArgsDict] | None = None
    retain: pulumi.Input[StoragePolicyArgs | StoragePolicyArgsDict] | None = None


class TableStoragePolicyArgsDict(TypedDict):
    cached: NotRequired[pulumi.Input[StoragePolicyArgs | StoragePolicyArgsDict]]
    retain: NotRequired[pulumi.Input[StoragePolicyArgs | StoragePolicyArgsDict]]


@dataclasses.dataclass
class QueryGranularityArgs:
    """`simple` with a `granularity` (hour, day, ...), or `period` with an ISO-8601 `period`
    and optional `time_zone` and `origin`."""

    type: pulumi.Input[Literal["simple", "period"]]
    granularity: pulumi.Input[str] | None = None
    period: pulumi.Input[str] | None = None
    time_zone: pulumi.Input[str] | None = None
    origin: pulumi.Input[str] | None = None


class QueryGranularityArgsDict(TypedDict):
    type: pulumi.Input[Literal["simple", "period"]]
    granularity: NotRequired[pulumi.Input[str]]
    period: NotRequired[pulumi.Input[str]]
    time_zone: NotRequired[pulumi.Input[str]]
    origin: NotRequired[pulumi.Input[str]]


@dataclasses.dataclass
class TableArgs:
    name: pulumi.Input[str]
    """The table's name in Polaris; it cannot change (a new name is a new table)."""
    type: pulumi.Input[Literal["detail", "aggregate"]]
    """`detail` (rows as ingested) or `aggregate` (rolled up); it cannot change."""
    schema: pulumi.Input[Sequence[pulumi.Input[TableColumnArgs | TableColumnArgsDict]]] | None = (
        None
    )
    """Declared columns, in order; `__time` has data type `timestamp`."""
    schema_mode: pulumi.Input[Literal["flexible", "strict"]] | None = None
    """`flexible` (default: undeclared columns are added as data arrives) or `strict`."""
    partitioning_granularity: pulumi.Input[str] | None = None
    """Time partitioning (default `day`)."""
    clustering_columns: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    """Declared columns (dimensions) to sort by within a partition."""
    description: pulumi.Input[str] | None = None
    storage_policy: pulumi.Input[TableStoragePolicyArgs | TableStoragePolicyArgsDict] | None = None
    time_resolution: pulumi.Input[str] | None = None
    """Aggregate tables: the rollup granularity (default `millisecond`)."""
    query_granularity: pulumi.Input[QueryGranularityArgs | QueryGranularityArgsDict] | None = None
    """Aggregate tables: a rollup granularity that overrides `time_resolution`."""
    deletion_protection: bool | None = None
    """A plain bool, default True: a protected table is never dropped (destroy, replace or
    removal fails first, before any job is canceled). Set False and run `pulumi up` before
    deleting or replacing the table."""
    adopt_existing: pulumi.Input[bool] | None = None
    """Take over an existing table of this name and type on create (then bring it to this
    spec)."""
    wait_timeout: pulumi.Input[float] | None = None
    """Seconds to wait for a dropped table to be gone (default 300)."""


ArgsLike: TypeAlias = Any


def to_props(value: ArgsLike) -> Any:
    """Args instances and nested dicts to plain dicts, leaving Outputs untouched."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_props(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, Mapping):
        return {k: to_props(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_props(v) for v in value]
    return value
