"""What the server refuses, as Polaris' docs and contract say it does, in the server's words.

Written apart from the providers' preview rules on purpose: the end-to-end tests drive this
server, and a server that agreed with the provider by construction would prove nothing. Only
the contract's facts (enums, which fields each format takes) are shared, from the models.
Where the docs are silent and we chose, docs/emulator.md says so.
"""

from __future__ import annotations

import re
import unicodedata

from polaris_pulumi._contract import (
    DATA_TYPES,
    MAX_INT,
    MEASURE_DATA_TYPES,
    PARTITIONING_GRANULARITIES,
    TIME_RESOLUTIONS,
)
from polaris_pulumi._problems import Path, Problem
from polaris_pulumi.connections._any import AnySpec
from polaris_pulumi.connections._foreign import AzureConnectionSpec, S3ConnectionSpec
from polaris_pulumi.connections._model import (
    AwsIamSecrets,
    ConnectionSpec,
    KafkaConnectionSpec,
    SchemaRegistryConnectionSpec,
)
from polaris_pulumi.connections._streams import KinesisConnectionSpec, PushStreamingConnectionSpec
from polaris_pulumi.emulator.api._errors import bad, when
from polaris_pulumi.emulator.api._format_checks import format_checks
from polaris_pulumi.emulator.ingest import _druid_sql as sql
from polaris_pulumi.jobs._format_model import FormatSettings
from polaris_pulumi.jobs._model import (
    StreamingJobSpec,
)
from polaris_pulumi.tables._model import TableSpec

# The docs: connection names are 1-64 of letters, digits, '.', '_' and '-'.
_CONNECTION_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_BROKER = re.compile(r"(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):(\d{1,5})")
_HTTP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?(/\S*)?")
_PERIOD = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")


# --- connections ---------------------------------------------------------------------------


def connection_checks(spec: AnySpec, *, create: bool) -> list[Problem]:
    """A create (or a merged update) of a connection of any type."""
    found = when(
        not _CONNECTION_NAME.fullmatch(spec.name),
        ("name",),
        f"{spec.name!r} must be 1-64 characters of letters, digits, '.', '_' or '-'",
    )
    if isinstance(spec, KinesisConnectionSpec):
        return found + _kinesis_checks(spec)
    if isinstance(spec, AzureConnectionSpec):
        return found + when(spec.secrets is None, ("secrets",), "is required")
    if isinstance(spec, PushStreamingConnectionSpec | S3ConnectionSpec):
        return found  # a name; an s3 connection's fields and secrets are all optional
    if isinstance(spec, ConnectionSpec | KafkaConnectionSpec):
        found += _broker_checks(spec.bootstrap_servers)
        found += when(not spec.topic_name, ("topic_name",), "is required")
        if spec.topic_name_is_pattern:
            found += _pattern_checks(spec.topic_name)
    else:
        found += when(not spec.urls, ("urls",), "needs at least one URL")
        found += [
            Problem(("urls", i), f"{url!r} is not an http or https URL")
            for i, url in enumerate(spec.urls)
            if not _HTTP_URL.fullmatch(url)
        ]
    if isinstance(spec, KafkaConnectionSpec):
        found += _keystore_checks(spec, create=create)
    return found + _secrets_checks(spec, create=create)


def _kinesis_checks(spec: KinesisConnectionSpec) -> list[Problem]:
    """Stream, endpoint and role: what reading a stream needs (all three: our reading)."""
    found = when(not spec.stream, ("stream",), "is required")
    found += when(not spec.aws_endpoint, ("awsEndpoint",), "is required")
    arn = spec.aws_assumed_role_arn
    return found + when(not arn.startswith("arn:"), ("awsAssumedRoleArn",), "is not an ARN")


def _secrets_checks(
    spec: ConnectionSpec | KafkaConnectionSpec | SchemaRegistryConnectionSpec, *, create: bool
) -> list[Problem]:
    secrets = spec.secrets
    if secrets is None:
        return [Problem(("secrets",), "is required")]
    if isinstance(secrets, AwsIamSecrets):
        arn = secrets.aws_assumed_role_arn
        return when(
            not arn.startswith("arn:"), ("secrets", "aws_assumed_role_arn"), "is not an ARN"
        )
    found = when(not secrets.username, ("secrets", "username"), "is required")
    missing = secrets.password is None or not secrets.password.get_secret_value()
    return found + when(create and missing, ("secrets", "password"), "is required")


def _keystore_checks(spec: KafkaConnectionSpec, *, create: bool) -> list[Problem]:
    """A keystore needs its certificates, and on create its private key (never returned,
    so an update may leave it out and keep it)."""
    keystore = spec.ssl.keystore if spec.ssl is not None else None
    if keystore is None:
        return []
    found = when(not keystore.certificates, ("ssl", "keystore", "certificates"), "is required")
    missing = keystore.key is None or not keystore.key.get_secret_value()
    return found + when(create and missing, ("ssl", "keystore", "key"), "is required")


def _pattern_checks(pattern: str) -> list[Problem]:
    try:
        re.compile(pattern)
    except re.error as exc:
        return bad(("topic_name",), f"{pattern!r} is not a regular expression: {exc}")
    return []


def _broker_checks(servers: str) -> list[Problem]:
    for server in (s.strip() for s in servers.split(",")):
        if "://" in server:
            return bad(("bootstrap_servers",), f"{server!r}: give host:port, without a scheme")
        match = _BROKER.fullmatch(server)
        if not match or not 0 < int(match[2]) < 65536:
            return bad(("bootstrap_servers",), f"{server!r} is not a broker's host:port")
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
    found += when(
        "__time" not in columns and not spec.use_schema_discovery,
        ("mappings",),
        "must map the __time column (or use schema discovery)",
    )
    found += case_collisions(columns, ("mappings",), "column_name")
    declared = {f.name for f in spec.source.input_schema}
    expressions: list[tuple[Path, str]] = [
        (("mappings", i, "expression"), m.expression) for i, m in enumerate(spec.mappings)
    ]
    if spec.filter_expression is not None:
        expressions.append((("filter_expression",), spec.filter_expression))
    for path, text in expressions:
        found += _expression_checks(path, text, declared)
    found += _upsert_checks(spec, columns)
    found += [
        Problem((name,), f"{value!r} is not an ISO-8601 period")
        for name in ("late_message_rejection_period", "early_message_rejection_period")
        if (value := getattr(spec, name)) is not None and not _PERIOD.fullmatch(value)
    ]
    limit = spec.max_parse_exceptions
    found += when(
        limit is not None and not 0 <= limit <= MAX_INT,
        ("max_parse_exceptions",),
        f"must be between 0 and {MAX_INT}",
    )
    return found + table_name_checks(spec.target.table_name, ("target", "table_name"))


def _upsert_checks(spec: StreamingJobSpec, columns: list[str]) -> list[Problem]:
    """Upserts need key columns, and their key and version columns must be columns the job
    maps (a row without them could not be matched)."""
    if not spec.enable_upserts:
        return []
    keys = spec.upsert_key_columns or []
    found = when(not keys, ("upsert_key_columns",), "is required with enableUpserts")
    mapped = {*columns, "__time"}
    found += [
        Problem(("upsert_key_columns", i), f"{k!r} is not a column the job maps ({sorted(mapped)})")
        for i, k in enumerate(keys)
        if k not in mapped
    ]
    version = spec.upsert_version_column
    found += when(
        version is not None and version not in mapped,
        ("upsert_version_column",),
        f"{version!r} is not a column the job maps ({sorted(mapped)})",
    )
    return found


def _expression_checks(path: Path, text: str, declared: set[str]) -> list[Problem]:
    """A mapping or filter: Druid SQL an ingestion expression can hold, reading declared
    input fields (the fields it reads are named with the schema's)."""
    if not text.strip():
        return bad(path, "is empty")
    read = sql.read_expression(text)
    if read.tree is None or read.refusal is not None:
        return bad(path, read.refusal or f"{text!r} is not Druid SQL")
    if why := sql.unwritable(read.tree):
        return bad(path, why)
    unknown = read.fields - declared
    return when(
        bool(unknown),
        path,
        f"reads {sorted(unknown)}, not in inputSchema (its fields: {sorted(declared)}); "
        "declare them in source.inputSchema",
    )


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
    folded = {name.lower(): name for name in columns}
    for m in spec.mappings:
        column = columns.get(m.column_name)
        other = folded.get(m.column_name.lower(), m.column_name)
        if other != m.column_name:
            found.append(
                (
                    "unsupported_by_local_engine",
                    f"Column '{m.column_name}' differs from column '{other}' of table "
                    f"'{table.name}' only in case, which the local engine cannot hold apart",
                )
            )
        elif column is None and strict and m.column_name != "__time":
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


def case_collisions(names: list[str], path: Path, field: str) -> list[Problem]:
    """Columns whose names differ only in case: Druid keeps them apart, DuckDB (which holds
    the local rows) cannot, so the local engine refuses the second."""
    first: dict[str, str] = {}
    found = []
    for i, name in enumerate(names):
        other = first.setdefault(name.lower(), name)
        if other != name:
            found.append(
                Problem(
                    (*path, i, field),
                    f"{name!r} differs from column {other!r} only in case, which the local "
                    "engine cannot hold apart (Polaris can): rename one of them",
                )
            )
    return found


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
    return when(bad, path, f"{name!r} is not a valid table name")


def table_checks(spec: TableSpec, *, new: bool) -> list[Problem]:
    found = table_name_checks(spec.name, ("name",))
    found += when(len(spec.description or "") > 1000, ("description",), "is over 1000 characters")
    granularity = spec.partitioning_granularity
    found += when(
        granularity is not None and granularity not in PARTITIONING_GRANULARITIES,
        ("partitioning_granularity",),
        f"{granularity!r} is not a granularity",
    )
    found += when(
        new and granularity == "week", ("partitioning_granularity",), "week is deprecated"
    )
    found += when(
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
        found += when(c.name in seen, ("schema", i, "name"), f"{c.name!r} is declared twice")
        found += when(
            c.data_type not in allowed,
            ("schema", i, "data_type"),
            f"{c.data_type!r} is not allowed",
        )
        found += when(
            (c.name == "__time") != (c.data_type == "timestamp"),
            ("schema", i, "data_type"),
            "timestamp is for __time, which has it",
        )
        found += when(
            (spec.type == "aggregate") != (c.type is not None),
            ("schema", i, "type"),
            "dimension or measure, in aggregate tables only",
        )
        seen.add(c.name)
    found += case_collisions([c.name for c in columns], ("schema",), "name")
    by_name = {c.name: c for c in columns}
    for i, name in enumerate(spec.clustering_columns or []):
        column = by_name.get(name)
        found += when(
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
            found += when(not ok, (*path, "period"), "a period policy takes an ISO-8601 period")
        else:
            ok = bool(policy.intervals) and policy.period is None
            ok = ok and all(v.count("/") == 1 for v in policy.intervals or [])
            found += when(
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
        found += when(
            not ok, ("query_granularity",), f"is not a valid {granularity.type} granularity"
        )
    return found


def source_format_problems(kind: str, fmt: FormatSettings) -> list[Problem]:
    """The job's format is one its connection's records come in: pushed events are JSON
    lines, and the `kafka` and `kinesis` formats read their own sources' records only."""
    at = ("source", "format_settings", "format")
    if kind == "push_streaming":
        return when(fmt.format != "nd-json", at, "must be nd-json for a push_streaming connection")
    own = {"kafka": ("confluent", "kafka"), "kinesis": ("kinesis",)}.get(fmt.format)
    return when(
        own is not None and kind not in own, at, f"{fmt.format!r} cannot read a {kind} connection"
    )
