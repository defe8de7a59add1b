"""What the server refuses in a job's format settings (flatten specs, inline Avro and
Protobuf schemas, schema providers), in its own words, and the Schema Registry connections a
format reads; apart from the providers' preview rules, as `_checks` is."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterable
from typing import Any

import fastavro
from google.protobuf import descriptor_pb2

from polaris_pulumi._contract import (
    DATA_FORMATS,
)
from polaris_pulumi._problems import Path, Problem
from polaris_pulumi.emulator.api._errors import bad, when
from polaris_pulumi.jobs._format_model import (
    FORMAT_FIELDS,
    FORMAT_REQUIRED,
    HEADER_ENCODINGS,
    SCHEMA_PROVIDER_FIELDS,
    FormatSettings,
)

# The docs: connection names are 1-64 of letters, digits, '.', '_' and '-'.

_FLATTEN_TYPES = ("root", "path", "jq", "tree")


def format_checks(fmt: FormatSettings, path: Path) -> list[Problem]:
    """The contract's DataFormatSettings subtypes: the format's own fields, and only those."""
    if fmt.format not in DATA_FORMATS:
        return bad((*path, "format"), f"{fmt.format!r} is not a supported format")
    takes, needs = FORMAT_FIELDS[fmt.format], FORMAT_REQUIRED.get(fmt.format, frozenset())
    found = []
    for name in FormatSettings.model_fields.keys() - {"format"}:
        given = getattr(fmt, name) is not None
        found += when(given and name not in takes, (*path, name), f"is not a field of {fmt.format}")
        found += when(not given and name in needs, (*path, name), f"is required for {fmt.format}")
    for name in ("value_format", "key_format"):
        if (nested := getattr(fmt, name)) is not None:
            found += format_checks(nested, (*path, name))
    found += when(
        fmt.delimiter is not None and len(fmt.delimiter) != 1,
        (*path, "delimiter"),
        "is one character",
    )
    found += when(
        fmt.header_format not in (None, *HEADER_ENCODINGS),
        (*path, "header_format"),
        f"{fmt.header_format!r} is not a supported encoding",
    )
    found += _flatten_checks(fmt.flatten_spec, (*path, "flatten_spec"))
    if fmt.schema_ is not None:
        found += _avro_checks(fmt.schema_, (*path, "schema"))
    return found + _schema_provider_checks(fmt, (*path, "parse_schema_provider"))


def _flatten_checks(spec: Any, path: Path) -> list[Problem]:
    if spec is None:
        return []
    fields = spec.get("fields", []) if isinstance(spec, dict) else None
    if not isinstance(fields, list) or set(spec) - {"useFieldDiscovery", "fields"}:
        return bad(path, "is not a flattenSpec {useFieldDiscovery, fields}")
    return [
        Problem((*path, "fields", i), "must be {type: root|path|jq|tree, name, expr}")
        for i, field in enumerate(fields)
        if not isinstance(field, dict) or field.get("type") not in _FLATTEN_TYPES
    ]


def _avro_checks(schema: Any, path: Path) -> list[Problem]:
    try:
        fastavro.parse_schema(copy.deepcopy(schema))
    except Exception as exc:  # noqa: BLE001 - the reader's own refusal is the answer
        return bad(path, f"is not an Avro schema: {exc}")
    return []


def _schema_provider_checks(fmt: FormatSettings, path: Path) -> list[Problem]:
    provider = fmt.parse_schema_provider
    if provider is None:
        return []
    takes = SCHEMA_PROVIDER_FIELDS[provider.type]
    found = [
        Problem((*path, name), f"is not a field of {provider.type}")
        for name in provider.model_fields.keys() - {"type"}
        if getattr(provider, name) is not None and name not in takes
    ]
    found += [
        Problem((*path, name), f"is required for {provider.type}")
        for name in takes
        if getattr(provider, name) is None
    ]
    wrong = {"avro_stream": "inline-protobuf", "protobuf": "inline-avro"}.get(fmt.format)
    found += when(provider.type == wrong, (*path, "type"), f"does not suit {fmt.format}")
    if provider.type == "inline-avro" and provider.schema_ is not None:
        found += _avro_checks(provider.schema_, (*path, "schema"))
    if provider.type == "inline-protobuf" and provider.descriptor and provider.proto_message_type:
        found += _descriptor_checks(provider.descriptor, provider.proto_message_type, path)
    return found


def _descriptor_checks(descriptor: str, message: str, path: Path) -> list[Problem]:
    try:
        files = descriptor_pb2.FileDescriptorSet.FromString(base64.b64decode(descriptor))
    except Exception:  # noqa: BLE001 - not base64, or not a descriptor set
        return bad((*path, "descriptor"), "is not a base64 FileDescriptorSet")
    names = {
        full
        for f in files.file
        for m in f.message_type
        for full in (m.name, f"{f.package}.{m.name}")
    }
    return when(message not in names, (*path, "proto_message_type"), "is not in the descriptor")


def registries(fmt: FormatSettings) -> Iterable[tuple[Path, str]]:
    """The Schema Registry connections a format reads through, with their request paths."""
    provider = fmt.parse_schema_provider
    if provider is not None and provider.type == "connection" and provider.connection_name:
        yield ("parse_schema_provider", "connection_name"), provider.connection_name
    for name in ("value_format", "key_format"):
        if (nested := getattr(fmt, name)) is not None:
            for path, found in registries(nested):
                yield (name, *path), found
