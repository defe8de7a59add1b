"""A job's format settings: which settings each format takes, and their values (Avro schemas
parsed by fastavro, Protobuf descriptors by protobuf, Druid flatten specs)."""

from __future__ import annotations

import base64
import copy
from typing import Any

import fastavro
from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError

from polaris_pulumi._contract import DATA_FORMATS
from polaris_pulumi._problems import Path, Problem
from polaris_pulumi._rules import connection_name_problem, duplicates
from polaris_pulumi.jobs._format_model import (
    FORMAT_FIELDS,
    FORMAT_REQUIRED,
    HEADER_ENCODINGS,
    SCHEMA_PROVIDER_FIELDS,
    FormatSettings,
    ParseSchemaProvider,
)


def format_problems(fmt: FormatSettings, path: Path) -> list[Problem]:
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


# Druid's flattenSpec field types.
FLATTEN_FIELD_TYPES = ("root", "path", "jq", "tree")


def _settings_problems(fmt: FormatSettings, path: Path) -> list[Problem]:
    """The values of a format's settings (which settings belong to it: `format_problems`)."""
    problems = []
    if fmt.delimiter is not None and len(fmt.delimiter) != 1:
        problems.append(Problem((*path, "delimiter"), "must be one character (e.g. ',' or '\\t')"))
    if fmt.list_delimiter == "":
        problems.append(Problem((*path, "list_delimiter"), "must not be empty"))
    if fmt.skip_header_rows is not None and fmt.skip_header_rows < 0:
        problems.append(Problem((*path, "skip_header_rows"), "must be 0 or more"))
    problems += duplicates(fmt.columns or [], (*path, "columns"), "listed")
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


def _protobuf_problems(provider: ParseSchemaProvider, path: Path) -> list[Problem]:
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


def _schema_provider_problems(provider: ParseSchemaProvider, fmt: str, path: Path) -> list[Problem]:
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


def flatten_spec_problems(spec: dict[str, Any], path: Path) -> list[Problem]:
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
        for p in duplicates(names, (*path, "fields"), "flattened")
    ]
    return problems


def schema_registry_refs(fmt: FormatSettings, path: Path) -> list[tuple[Path, str]]:
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


# The format each streaming source's records take (a connection type's own format), and the
# formats its records never come in.
_SOURCE_FORMATS = {
    "confluent": ("kinesis",),
    "kafka": ("kinesis",),
    "kinesis": ("kafka",),
}


def source_format_problems(kind: str, fmt: FormatSettings, path: Path) -> list[Problem]:
    """A format the connection's records can come in: `kafka` on Kafka, `kinesis` on Kinesis,
    newline-delimited JSON pushed to a push streaming connection."""
    if kind == "push_streaming" and fmt.format != "nd-json":
        return [
            Problem(
                (*path, "format"),
                f"{fmt.format!r}: events pushed to a push_streaming connection are "
                "newline-delimited JSON; use format nd-json",
            )
        ]
    if fmt.format in _SOURCE_FORMATS.get(kind, ()):
        return [
            Problem(
                (*path, "format"),
                f"{fmt.format!r} is not a format of a {kind} connection's records "
                f"(the {fmt.format} format reads {fmt.format} records)",
            )
        ]
    return []
