"""Polaris API shapes: the one place where snake_case meets the API's camelCase.

Shared by the client, the providers and the emulator. Unknown server fields are kept
(`extra="allow"`), so a newer Polaris does not break older code.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    SerializationInfo,
    ValidationError,
    field_serializer,
)
from pydantic.alias_generators import to_camel, to_snake

# Job execution states (reference: pending, running, canceling, canceled, failed).
TERMINAL_STATUSES = frozenset({"canceled", "failed"})
KNOWN_FORMATS = ("nd-json", "csv", "tsv", "avro_ocf", "avro_stream", "protobuf", "orc", "parquet")
KNOWN_DATA_TYPES = ("string", "long", "double", "float", "json")
MAX_INT = 2147483647


class PolarisModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
    )

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


class SaslPlainSecrets(PolarisModel):
    type: Literal["sasl_plain"] = "sasl_plain"
    username: str
    # Never returned by the API; SecretStr keeps it out of repr, logs and tracebacks.
    password: SecretStr | None = None

    @field_serializer("password")
    def _password(self, value: SecretStr | None, info: SerializationInfo) -> str | None:
        if value is None:
            return None
        ctx = info.context or {}
        return value.get_secret_value() if ctx.get("reveal_secrets") else "**********"


class ConnectionSpec(PolarisModel):
    """What a user declares for a `confluent` connection."""

    type: Literal["confluent"] = "confluent"
    name: str
    description: str | None = None
    bootstrap_servers: str
    topic_name: str
    secrets: SaslPlainSecrets | None = None

    def password(self) -> str:
        """The Kafka password, or "" when this spec carries none."""
        if self.secrets is None or self.secrets.password is None:
            return ""
        return self.secrets.password.get_secret_value()

    def without_password(self) -> dict[str, Any]:
        """The API body minus the password: what the server echoes back."""
        body = self.to_api()
        body.get("secrets", {}).pop("password", None)
        return body


class Connection(ConnectionSpec):
    """A connection as the server returns it (no password)."""

    submitted_by_user: User | None = None
    modified_by_user: User | None = None
    submitted_on_timestamp: str | None = None
    modified_on_timestamp: str | None = None

    def spec(self) -> ConnectionSpec:
        return ConnectionSpec(**{k: getattr(self, k) for k in ConnectionSpec.model_fields})


class ConnectionTestResult(PolarisModel):
    """Result of POST /connections/{name}/test (shape not documented: our reading)."""

    status: Literal["ok", "error"]
    message: str | None = None
    details: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# --- Streaming jobs ----------------------------------------------------------------------


class InputField(PolarisModel):
    name: str
    data_type: str


class FormatSettings(PolarisModel):
    format: str
    flatten_spec: dict[str, Any] | None = None


class ConnectionSource(PolarisModel):
    type: Literal["connection"] = "connection"
    connection_name: str
    format_settings: FormatSettings
    input_schema: list[InputField] = Field(default_factory=list)


class Mapping(PolarisModel):
    column_name: str
    expression: str
    is_aggregation: bool | None = None


class TableTarget(PolarisModel):
    type: Literal["table"] = "table"
    table_name: str
    intervals: list[str] | None = None


class StreamingJobSpec(PolarisModel):
    """What a user declares for a streaming job; None means "server default"."""

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
    desired_execution_status: str | None = None

    def with_defaults(self) -> StreamingJobSpec:
        """This spec with the defaults the server fills in, for comparing specs."""
        spec = self.model_copy(deep=True)
        fmt = spec.source.format_settings
        if fmt.flatten_spec is None:
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
    "desired_execution_status": "running",
}


class Health(PolarisModel):
    status: str = "ok"
    details: list[dict[str, Any]] | None = None

    def describe(self) -> str:
        msgs = [str(d.get("message", d)) for d in self.details or []]
        return "; ".join(msgs) if msgs else self.status


class JobTotals(PolarisModel):
    num_rows_processed: int = 0
    num_rows_processed_with_warnings: int = 0
    num_rows_skipped_by_filter: int = 0
    num_rows_skipped_by_error: int = 0


class StreamingJob(StreamingJobSpec):
    """A streaming job as the server returns it: spec with defaults filled, plus state."""

    id: str
    execution_status: str | None = None
    health: Health | None = None
    created_by: User | None = None
    last_modified_by: User | None = None
    created_timestamp: str | None = None
    last_updated_timestamp: str | None = None
    started_timestamp: str | None = None
    completed_timestamp: str | None = None
    spec: dict[str, Any] | None = None
    totals: JobTotals | None = None

    def job_spec(self) -> StreamingJobSpec:
        return StreamingJobSpec(**{k: getattr(self, k) for k in StreamingJobSpec.model_fields})

    @property
    def is_terminal(self) -> bool:
        return self.execution_status in TERMINAL_STATUSES


class JobStatus(PolarisModel):
    execution_status: str
    health: Health | None = None


# --- Tables ------------------------------------------------------------------------------


class Table(PolarisModel):
    name: str
    type: str | None = None
    schema_mode: str | None = None
    id: str | None = None


class ListResponse(PolarisModel):
    values: list[dict[str, Any]] = Field(default_factory=list)


class ErrorBody(PolarisModel):
    """Polaris error body: documented only as a top-level `message`; parsed defensively."""

    message: str | None = None
    details: list[Any] | None = None


# --- Documented rules ----------------------------------------------------------------------
# Both the emulator (as the server) and the providers' `check` (before anything is sent) apply
# these, so a bad program fails at preview with the same words the API would use.

CONNECTION_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HOST_PORT_RE = re.compile(r"^(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")
_PERIOD_RE = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
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


def problems_from_validation_error(error: ValidationError) -> list[Problem]:
    """Pydantic's type errors as Problems with snake_case paths."""
    out = []
    for e in error.errors(include_url=False):
        path = tuple(p if isinstance(p, int) else to_snake(str(p)) for p in e["loc"])
        out.append(Problem(path, _type_message(e)))
    return out


def _type_message(e: Any) -> str:
    kind = e.get("type", "")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known property"
    if kind == "literal_error":
        return f"must be {e['ctx']['expected']} (got {e.get('input')!r})"
    return f"{e['msg'].lower()} (got {e.get('input')!r})"


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
    else:
        try:
            re.compile(spec.topic_name)
        except re.error as exc:
            problems.append(
                Problem(
                    ("topic_name",), f"{spec.topic_name!r} is not a valid regular expression: {exc}"
                )
            )
    if spec.secrets is None:
        problems.append(
            Problem(("secrets",), "is required: {type: sasl_plain, username, password}")
        )
    else:
        if not spec.secrets.username:
            problems.append(
                Problem(("secrets", "username"), "must not be empty (the Confluent API key)")
            )
        if require_password and (
            spec.secrets.password is None or not spec.secrets.password.get_secret_value()
        ):
            problems.append(
                Problem(("secrets", "password"), "is required (the Confluent API secret)")
            )
    return problems


def job_problems(spec: StreamingJobSpec) -> list[Problem]:
    problems: list[Problem] = []

    def bad(path: tuple[str | int, ...], msg: str) -> None:
        problems.append(Problem(path, msg))

    src = spec.source
    if msg := connection_name_problem(src.connection_name):
        bad(("source", "connection_name"), msg)
    if src.format_settings.format not in KNOWN_FORMATS:
        bad(
            ("source", "format_settings", "format"),
            f"{src.format_settings.format!r} is not a known format; use one of {', '.join(KNOWN_FORMATS)}",
        )
    declared: set[str] = set()
    for i, field in enumerate(src.input_schema):
        if not field.name:
            bad(("source", "input_schema", i, "name"), "must not be empty")
        elif field.name in declared:
            bad(("source", "input_schema", i, "name"), f"{field.name!r} is declared twice")
        declared.add(field.name)
        if field.data_type not in KNOWN_DATA_TYPES:
            bad(
                ("source", "input_schema", i, "data_type"),
                f"{field.data_type!r} is not a known data type; use one of {', '.join(KNOWN_DATA_TYPES)}",
            )
    columns: set[str] = set()
    for i, mapping in enumerate(spec.mappings):
        if not mapping.column_name:
            bad(("mappings", i, "column_name"), "must not be empty")
        elif mapping.column_name in columns:
            bad(("mappings", i, "column_name"), f"column {mapping.column_name!r} is mapped twice")
        columns.add(mapping.column_name)
        if msg := expression_problem(mapping.expression):
            bad(("mappings", i, "expression"), msg)
            continue
        unknown = [f for f in expression_fields(mapping.expression) if f not in declared]
        if unknown:
            bad(
                ("mappings", i, "expression"),
                f"uses {', '.join(repr(u) for u in unknown)}, not declared in source.input_schema: "
                "declare every input field an expression reads",
            )
    if "__time" not in columns and not spec.use_schema_discovery:
        bad(
            ("mappings",),
            'needs a mapping for the __time column (e.g. TIME_PARSE("timestamp")), '
            "or use_schema_discovery=True to take __time from the input",
        )
    if msg := table_name_problem(spec.target.table_name):
        bad(("target", "table_name"), msg)
    for key in ("late_message_rejection_period", "early_message_rejection_period"):
        value = getattr(spec, key)
        if value is not None and (msg := period_problem(value)):
            bad((key,), msg)
    if spec.max_parse_exceptions is not None and not 0 <= spec.max_parse_exceptions <= MAX_INT:
        bad(("max_parse_exceptions",), f"must be between 0 and {MAX_INT}")
    if spec.filter_expression is not None and (msg := expression_problem(spec.filter_expression)):
        bad(("filter_expression",), msg)
    if spec.dimension_exclusions is not None:
        seen: set[str] = set()
        for i, name in enumerate(spec.dimension_exclusions):
            if not name:
                bad(("dimension_exclusions", i), "must not be empty")
            elif name in seen:
                bad(("dimension_exclusions", i), f"{name!r} is listed twice")
            seen.add(name)
    if spec.desired_execution_status not in (None, "running", "canceled"):
        bad(("desired_execution_status",), "must be 'running' or 'canceled'")
    return problems
