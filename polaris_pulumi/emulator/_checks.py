"""What the server refuses, as Polaris' docs and contract say it does, in the server's words.

Written apart from the providers' preview rules on purpose: the end-to-end tests drive this
server, and a server that agreed with the provider by construction would prove nothing. Only
the contract's facts (enums, which fields each format takes) are shared, from the models.
Where the docs are silent and we chose, docs/emulator.md says so.
"""

from __future__ import annotations

import base64
import copy
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import fastavro
from google.protobuf import descriptor_pb2

from polaris_pulumi._contract import (
    DATA_FORMATS,
    DATA_TYPES,
    MAX_INT,
    MEASURE_DATA_TYPES,
    PARTITIONING_GRANULARITIES,
    TIME_RESOLUTIONS,
)
from polaris_pulumi._problems import Path, Problem
from polaris_pulumi.connections._model import (
    AnySpec,
    AwsIamSecrets,
    ConnectionSpec,
    KafkaConnectionSpec,
)
from polaris_pulumi.jobs._model import (
    FORMAT_FIELDS,
    FORMAT_REQUIRED,
    HEADER_ENCODINGS,
    SCHEMA_PROVIDER_FIELDS,
    FormatSettings,
    StreamingJobSpec,
)
from polaris_pulumi.tables._model import TableSpec

# The docs: connection names are 1-64 of letters, digits, '.', '_' and '-'.
_CONNECTION_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_BROKER = re.compile(r"(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):(\d{1,5})")
_HTTP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?(/\S*)?")
_PERIOD = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")
_FLATTEN_TYPES = ("root", "path", "jq", "tree")
_QUOTED = re.compile(r'"((?:[^"]|"")*)"')  # a Druid SQL identifier: an input field


def _bad(path: Path, message: str) -> list[Problem]:
    return [Problem(path, message)]


def _when(failed: bool, path: Path, message: str) -> list[Problem]:
    return _bad(path, message) if failed else []


# --- connections ---------------------------------------------------------------------------


def connection_checks(spec: AnySpec, *, create: bool) -> list[Problem]:
    """A create (or a merged update) of a connection of either type."""
    found = _when(
        not _CONNECTION_NAME.fullmatch(spec.name),
        ("name",),
        f"{spec.name!r} must be 1-64 characters of letters, digits, '.', '_' or '-'",
    )
    if isinstance(spec, ConnectionSpec | KafkaConnectionSpec):
        found += _broker_checks(spec.bootstrap_servers)
        found += _when(not spec.topic_name, ("topic_name",), "is required")
        if spec.topic_name_is_pattern:
            found += _pattern_checks(spec.topic_name)
    else:
        found += _when(not spec.urls, ("urls",), "needs at least one URL")
        found += [
            Problem(("urls", i), f"{url!r} is not an http or https URL")
            for i, url in enumerate(spec.urls)
            if not _HTTP_URL.fullmatch(url)
        ]
    if isinstance(spec, KafkaConnectionSpec):
        found += _keystore_checks(spec, create=create)
    secrets = spec.secrets
    if secrets is None:
        return [*found, Problem(("secrets",), "is required")]
    if isinstance(secrets, AwsIamSecrets):
        arn = secrets.aws_assumed_role_arn
        return found + _when(
            not arn.startswith("arn:"), ("secrets", "aws_assumed_role_arn"), "is not an ARN"
        )
    found += _when(not secrets.username, ("secrets", "username"), "is required")
    missing = secrets.password is None or not secrets.password.get_secret_value()
    return found + _when(create and missing, ("secrets", "password"), "is required")


def _keystore_checks(spec: KafkaConnectionSpec, *, create: bool) -> list[Problem]:
    """A keystore needs its certificates, and on create its private key (never returned,
    so an update may leave it out and keep it)."""
    keystore = spec.ssl.keystore if spec.ssl is not None else None
    if keystore is None:
        return []
    found = _when(not keystore.certificates, ("ssl", "keystore", "certificates"), "is required")
    missing = keystore.key is None or not keystore.key.get_secret_value()
    return found + _when(create and missing, ("ssl", "keystore", "key"), "is required")


def _pattern_checks(pattern: str) -> list[Problem]:
    try:
        re.compile(pattern)
    except re.error as exc:
        return _bad(("topic_name",), f"{pattern!r} is not a regular expression: {exc}")
    return []


def _broker_checks(servers: str) -> list[Problem]:
    for server in (s.strip() for s in servers.split(",")):
        if "://" in server:
            return _bad(("bootstrap_servers",), f"{server!r}: give host:port, without a scheme")
        match = _BROKER.fullmatch(server)
        if not match or not 0 < int(match[2]) < 65536:
            return _bad(("bootstrap_servers",), f"{server!r} is not a broker's host:port")
    return []


# --- streaming jobs ------------------------------------------------------------------------


def job_checks(spec: StreamingJobSpec) -> list[Problem]:
    """A streaming job request, before the server looks up its connection and table."""
    found = format_checks(spec.source.format_settings, ("source", "format_settings"))
    found += [
        Problem(("source", "input_schema", i, "data_type"), f"{f.data_type!r} is not a data type")
        for i, f in enumerate(spec.source.input_schema)
        if f.data_type not in DATA_TYPES
    ]
    columns = [m.column_name for m in spec.mappings]
    found += _when(
        "__time" not in columns and not spec.use_schema_discovery,
        ("mappings",),
        "must map the __time column (or use schema discovery)",
    )
    declared = {f.name for f in spec.source.input_schema}
    for i, m in enumerate(spec.mappings):
        read = {r.replace('""', '"') for r in _QUOTED.findall(m.expression)} - declared
        found += _when(not m.expression.strip(), ("mappings", i, "expression"), "is empty")
        found += _when(
            bool(read), ("mappings", i, "expression"), f"reads {sorted(read)}, not in inputSchema"
        )
    found += [
        Problem((name,), f"{value!r} is not an ISO-8601 period")
        for name in ("late_message_rejection_period", "early_message_rejection_period")
        if (value := getattr(spec, name)) is not None and not _PERIOD.fullmatch(value)
    ]
    limit = spec.max_parse_exceptions
    found += _when(
        limit is not None and not 0 <= limit <= MAX_INT,
        ("max_parse_exceptions",),
        f"must be between 0 and {MAX_INT}",
    )
    return found + table_name_checks(spec.target.table_name, ("target", "table_name"))


def format_checks(fmt: FormatSettings, path: Path) -> list[Problem]:
    """The contract's DataFormatSettings subtypes: the format's own fields, and only those."""
    if fmt.format not in DATA_FORMATS:
        return _bad((*path, "format"), f"{fmt.format!r} is not a supported format")
    takes, needs = FORMAT_FIELDS[fmt.format], FORMAT_REQUIRED.get(fmt.format, frozenset())
    found = []
    for name in FormatSettings.model_fields.keys() - {"format"}:
        given = getattr(fmt, name) is not None
        found += _when(
            given and name not in takes, (*path, name), f"is not a field of {fmt.format}"
        )
        found += _when(not given and name in needs, (*path, name), f"is required for {fmt.format}")
    for name in ("value_format", "key_format"):
        if (nested := getattr(fmt, name)) is not None:
            found += format_checks(nested, (*path, name))
    found += _when(
        fmt.delimiter is not None and len(fmt.delimiter) != 1,
        (*path, "delimiter"),
        "is one character",
    )
    found += _when(
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
        return _bad(path, "is not a flattenSpec {useFieldDiscovery, fields}")
    return [
        Problem((*path, "fields", i), "must be {type: root|path|jq|tree, name, expr}")
        for i, field in enumerate(fields)
        if not isinstance(field, dict) or field.get("type") not in _FLATTEN_TYPES
    ]


def _avro_checks(schema: Any, path: Path) -> list[Problem]:
    try:
        fastavro.parse_schema(copy.deepcopy(schema))
    except Exception as exc:  # noqa: BLE001 - the reader's own refusal is the answer
        return _bad(path, f"is not an Avro schema: {exc}")
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
    found += _when(provider.type == wrong, (*path, "type"), f"does not suit {fmt.format}")
    if provider.type == "inline-avro" and provider.schema_ is not None:
        found += _avro_checks(provider.schema_, (*path, "schema"))
    if provider.type == "inline-protobuf" and provider.descriptor and provider.proto_message_type:
        found += _descriptor_checks(provider.descriptor, provider.proto_message_type, path)
    return found


def _descriptor_checks(descriptor: str, message: str, path: Path) -> list[Problem]:
    try:
        files = descriptor_pb2.FileDescriptorSet.FromString(base64.b64decode(descriptor))
    except Exception:  # noqa: BLE001 - not base64, or not a descriptor set
        return _bad((*path, "descriptor"), "is not a base64 FileDescriptorSet")
    names = {
        full
        for f in files.file
        for m in f.message_type
        for full in (m.name, f"{f.package}.{m.name}")
    }
    return _when(message not in names, (*path, "proto_message_type"), "is not in the descriptor")


def registries(fmt: FormatSettings) -> Iterable[tuple[Path, str]]:
    """The Schema Registry connections a format reads through, with their request paths."""
    provider = fmt.parse_schema_provider
    if provider is not None and provider.type == "connection" and provider.connection_name:
        yield ("parse_schema_provider", "connection_name"), provider.connection_name
    for name in ("value_format", "key_format"):
        if (nested := getattr(fmt, name)) is not None:
            for path, found in registries(nested):
                yield (name, *path), found


def job_table_failures(spec: StreamingJobSpec, table: TableSpec) -> list[tuple[str, str]]:
    """Why a job cannot write to its table: (health code, message), found as it starts."""
    columns = {c.name: c for c in table.schema_ or []}
    strict = table.schema_mode == "strict"
    found = []
    if strict and spec.use_schema_discovery:
        found.append(
            (
                "column_type_not_supported",
                f"Table '{table.name}' has a strict schema: useSchemaDiscovery needs a flexible table",
            )
        )
    for m in spec.mappings:
        column = columns.get(m.column_name)
        if column is None and strict and m.column_name != "__time":
            found.append(
                (
                    "query_not_supported",
                    f"Column '{m.column_name}' is not in strict table '{table.name}'",
                )
            )
        elif column is not None and column.type == "measure" and not m.is_aggregation:
            found.append(("query_not_supported", f"Measure '{m.column_name}' needs an aggregation"))
        elif m.is_aggregation and (
            table.type == "detail" or (column and column.type == "dimension")
        ):
            found.append(("query_not_supported", f"Column '{m.column_name}' cannot be aggregated"))
    return found


# --- tables --------------------------------------------------------------------------------


def table_name_checks(name: str, path: Path) -> list[Problem]:
    """The docs' table names: 1-255 characters; no leading '.', no '/', no control characters,
    and no whitespace but spaces, none at either end."""
    bad = (
        not 0 < len(name) <= 255
        or name.startswith(".")
        or "/" in name
        or name != name.strip()
        or any(unicodedata.category(c) == "Cc" or (c.isspace() and c != " ") for c in name)
    )
    return _when(bad, path, f"{name!r} is not a valid table name")


def table_checks(spec: TableSpec, *, new: bool) -> list[Problem]:
    found = table_name_checks(spec.name, ("name",))
    found += _when(len(spec.description or "") > 1000, ("description",), "is over 1000 characters")
    granularity = spec.partitioning_granularity
    found += _when(
        granularity is not None and granularity not in PARTITIONING_GRANULARITIES,
        ("partitioning_granularity",),
        f"{granularity!r} is not a granularity",
    )
    found += _when(
        new and granularity == "week", ("partitioning_granularity",), "week is deprecated"
    )
    found += _when(
        spec.time_resolution is not None and spec.time_resolution not in TIME_RESOLUTIONS,
        ("time_resolution",),
        f"{spec.time_resolution!r} is not a time resolution",
    )
    aggregate_only = ("time_resolution", "query_granularity")
    found += [
        Problem((name,), "is for aggregate tables")
        for name in aggregate_only
        if spec.type == "detail" and getattr(spec, name) is not None
    ]
    return found + _column_checks(spec) + _policy_checks(spec)


def _column_checks(spec: TableSpec) -> list[Problem]:
    columns = spec.schema_ or []
    found: list[Problem] = []
    seen: set[str] = set()
    for i, c in enumerate(columns):
        allowed = MEASURE_DATA_TYPES if c.type == "measure" else DATA_TYPES
        found += _when(c.name in seen, ("schema", i, "name"), f"{c.name!r} is declared twice")
        found += _when(
            c.data_type not in allowed,
            ("schema", i, "data_type"),
            f"{c.data_type!r} is not allowed",
        )
        found += _when(
            (c.name == "__time") != (c.data_type == "timestamp"),
            ("schema", i, "data_type"),
            "timestamp is for __time, which has it",
        )
        found += _when(
            (spec.type == "aggregate") != (c.type is not None),
            ("schema", i, "type"),
            "dimension or measure, in aggregate tables only",
        )
        seen.add(c.name)
    by_name = {c.name: c for c in columns}
    for i, name in enumerate(spec.clustering_columns or []):
        column = by_name.get(name)
        found += _when(
            column is None or column.type == "measure",
            ("clustering_columns", i),
            f"{name!r} is not a declared dimension",
        )
    return found


def _policy_checks(spec: TableSpec) -> list[Problem]:
    found: list[Problem] = []
    for name in ("cached", "retain"):
        policy = getattr(spec.storage_policy, name, None) if spec.storage_policy else None
        if policy is None:
            continue
        path = ("storage_policy", name)
        if policy.type == "period":
            ok = (
                policy.period is not None
                and policy.intervals is None
                and bool(_PERIOD.fullmatch(policy.period))
            )
            found += _when(not ok, (*path, "period"), "a period policy takes an ISO-8601 period")
        else:
            ok = bool(policy.intervals) and policy.period is None
            ok = ok and all(v.count("/") == 1 for v in policy.intervals or [])
            found += _when(
                not ok, (*path, "intervals"), "an intervals policy takes start/end intervals"
            )
    granularity = spec.query_granularity
    if granularity is not None:
        simple = granularity.type == "simple"
        ok = (
            (granularity.granularity in TIME_RESOLUTIONS)
            if simple
            else bool(_PERIOD.fullmatch(granularity.period or ""))
        )
        found += _when(
            not ok, ("query_granularity",), f"is not a valid {granularity.type} granularity"
        )
    return found
