"""A job's record formats: how a streaming job reads its records (DataFormatSettings and its
per-format subtypes, the schema providers). Each field is declared here once (see `_meta`);
docs/formats.md has a page per format."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from polaris_pulumi._contract import PolarisModel
from polaris_pulumi._meta import Prop


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
