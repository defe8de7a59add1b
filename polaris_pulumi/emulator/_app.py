"""The Polaris emulator: Connections v1, Jobs v1 and Tables on Polaris' published contract.

Shapes, methods and status codes follow Imply's official SDK (`polaris-sdk`, generated from
Polaris' OpenAPI spec); `tests/test_conformance.py` drives the emulator with that SDK. Where the
contract is silent the emulator follows the docs, and docs/emulator.md lists each such choice.

Deterministic Kafka stand-ins (docs/emulator.md): a broker host ending in `.invalid` is
unreachable, a topic starting with `missing` does not exist, a username starting with `invalid`
fails authentication (a job on such a connection ends `failed`); a topic starting with `idle`
has no data (the job is `idle`), one starting with `warn` has unparseable rows (health `warn`).
"""

import asyncio
import base64
import binascii
import hashlib
import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.dataclasses import dataclass as pydantic_dataclass
from starlette.exceptions import HTTPException as StarletteHTTPException

from polaris_pulumi._contract import (
    DESIRED_STATUSES,
    EXECUTION_STATUSES,
    HEALTH_STATUSES,
    MAX_PAGE_SIZE,
    STRICT,
    TERMINAL_STATUSES,
)
from polaris_pulumi._meta import with_defaults
from polaris_pulumi._problems import Problem, problems_from_validation_error
from polaris_pulumi.connections._model import ConnectionSpec, SchemaRegistryConnectionSpec
from polaris_pulumi.connections._rules import connection_problems, schema_registry_problems
from polaris_pulumi.emulator._store import Doc, Store
from polaris_pulumi.jobs._formats import schema_registry_refs
from polaris_pulumi.jobs._model import FormatSettings, JobState, StreamingJobSpec
from polaris_pulumi.jobs._rules import job_problems, table_job_problems
from polaris_pulumi.tables._model import Table, TableSpec
from polaris_pulumi.tables._rules import table_problems

ALL_PERMISSIONS = frozenset({"ManageConnections", "ManageIngestionJobs", "ManageTables"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_AGGREGATORS = re.compile(r"\b(SUM|COUNT|MIN|MAX|LATEST|EARLIEST|APPROX_\w+|DS_\w+)\s*\(", re.I)

# TablePayload's fields that TableSummaryPayload (a table in a list) leaves out.
_NOT_IN_SUMMARY = frozenset(
    {"clusteringColumns", "schema", "queryableSchema", "timeResolution", "queryGranularity"}
)

# ErrorResponse.code per status: the contract names no codes, so these are ours (assumption).
ERROR_CODES = {
    400: "BadArgument",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
# StreamingJobResponse's top-level fields that repeat the spec (createTableIfNotExists,
# replaceRunning and the clustering/upsert settings live only under `spec`).
_JOB_TOP_LEVEL = (
    "target",
    "source",
    "mappings",
    "dimensionExclusions",
    "useSchemaDiscovery",
    "filterExpression",
    "lateMessageRejectionPeriod",
    "earlyMessageRejectionPeriod",
    "readFromPoint",
    "maxParseExceptions",
)
_CONNECTION_FIELDS = {
    model.model_fields["type"].default: tuple(f.alias or n for n, f in model.model_fields.items())
    for model in (ConnectionSpec, SchemaRegistryConnectionSpec)
}
# What every job response and summary carries (JobSummaryResponse), from our model of it.
_JOB_STATE_KEYS = tuple(f.alias or n for n, f in JobState.model_fields.items())
# JobSortSearchColumn -> how to read it from a job document.
_SORT_KEYS: dict[str, Callable[[Doc], Any]] = {
    "created_date_time": lambda d: d["createdTimestamp"],
    "last_updated_date_time": lambda d: d["lastUpdatedTimestamp"],
    "execution_status": lambda d: d["executionStatus"],
    "target_table_name": lambda d: d["target"].get("tableName", ""),
    "type": lambda d: d["type"],
    "source_connection_name": lambda d: (d.get("source") or {}).get("connectionName") or "",
    "created_by_user_name": lambda d: d["createdBy"]["username"],
    "source_type": lambda d: (d.get("source") or {}).get("type") or "",
    "source_name": lambda d: (d.get("source") or {}).get("connectionName") or "",
    "source_table_name": lambda d: "",
}


@pydantic_dataclass(config=ConfigDict(extra="forbid"))
class Faults:
    """Injected failures; rates are probabilities per request. Validated (an unknown key or a
    wrong type is an error), so PUT /_emulator/faults takes exactly these fields."""

    rate_429: float = 0.0
    rate_503: float = 0.0
    # A 500 before the request is handled (the contract documents 500 for most operations).
    rate_500: float = 0.0
    lost_write_rate: float = 0.0
    # The status a lost write answers with: 504 (lost on the way back) or 500 (the server
    # failed after it committed), the two a client cannot tell from "nothing happened".
    lost_write_status: Literal[500, 504] = 504
    latency_ms: float = 0.0
    retry_after_seconds: float = 1.0
    seed: int | None = None


@dataclass
class EmulatorConfig:
    db_path: str = ":memory:"
    api_keys: dict[str, frozenset[str]] = field(default_factory=dict)
    bearer_tokens: frozenset[str] = frozenset()
    project_id: str = "demo-project"
    job_start_delay: float = 1.0
    job_cancel_delay: float = 0.5
    faults: Faults = field(default_factory=Faults)


class PolarisAPIError(Exception):
    """Rendered as the contract's ErrorResponse; `details` are field-level ErrorResponses."""

    def __init__(
        self,
        status: int,
        message: str,
        details: list[Problem] | None = None,
        *,
        target: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []
        self.target = target

    def body(self) -> Doc:
        doc: Doc = {"code": ERROR_CODES.get(self.status, "Error"), "message": self.message}
        if self.target:
            doc["target"] = self.target
        if self.details:
            doc["details"] = [
                {"code": "InvalidValue", "message": p.message, "target": p.api_field}
                for p in self.details
            ]
        return doc


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        PolarisAPIError(status, message).body(), status_code=status, headers=headers
    )


def _now() -> float:
    return time.time()


def _iso_micro(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iso_nano(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def _parse(model: type[BaseModel], body: Any, what: str) -> Any:
    """Strict parse of a request body: unknown keys and wrong types are a 400."""
    try:
        return model.model_validate(body, context=STRICT)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc)
        raise PolarisAPIError(
            400,
            f"Invalid {what}: " + "; ".join(f"{p.api_field} {p.message}" for p in problems),
            problems,
        ) from None


def _registry_problems(conn: Doc) -> list[Problem]:
    problems = [
        Problem(("urls",), f"Unable to reach Schema Registry {url}: connection timed out")
        for url in conn.get("urls") or []
        if (urlsplit(url).hostname or "").endswith(".invalid")
    ]
    if (conn.get("secrets") or {}).get("username", "").startswith("invalid"):
        problems.append(Problem(("secrets",), "Authentication failed: 401 from Schema Registry"))
    return problems


def _registries(job: Doc) -> list[str]:
    """The Schema Registry connections a job document reads its schemas through."""
    fmt = ((job.get("spec") or {}).get("source") or {}).get("formatSettings")
    if not isinstance(fmt, dict):
        return []
    return [name for _, name in schema_registry_refs(FormatSettings.model_validate(fmt), ())]


def _path_template(path: str) -> str:
    parts = path.strip("/").split("/")
    if len(parts) >= 3 and parts[:2] == ["v1", "projects"]:
        parts[2] = "{projectId}"
    if len(parts) >= 5:
        parts[4] = "{id}"
    return "/" + "/".join(parts)


@dataclass
class Principal:
    username: str
    user_id: str
    permissions: frozenset[str]

    def user(self) -> dict[str, str]:
        return {"username": self.username, "userId": self.user_id}


@dataclass
class JobQuery:
    """GET /jobs query parameters (build_jobs_list_jobs_request)."""

    types: list[str]
    connection_names: list[str]
    execution_statuses: list[str]
    health_statuses: list[str]
    target_table_name: str | None = None
    target_table_id: str | None = None
    search_string: str | None = None
    sort_column: str = "last_updated_date_time"
    sort_order: str = "DESC"
    limit: int = 100
    offset: int = 0

    @classmethod
    def from_request(cls, request: Request) -> "JobQuery":
        q = request.query_params

        def number(name: str, default: int, low: int, high: int | None) -> int:
            raw = q.get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                value = low - 1
            if value < low or (high is not None and value > high):
                bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
                raise PolarisAPIError(400, f"{name} must be an integer {bounds}", target=name)
            return value

        def choices(name: str, allowed: tuple[str, ...] | list[str]) -> list[str]:
            values = q.getlist(name)
            wrong = [v for v in values if v not in allowed]
            if wrong:
                raise PolarisAPIError(
                    400, f"{name}: {wrong[0]!r} is not one of {', '.join(allowed)}", target=name
                )
            return values

        sort_column = q.get("sortColumn", "last_updated_date_time")
        if sort_column not in _SORT_KEYS:
            raise PolarisAPIError(
                400, f"sortColumn {sort_column!r} is not known", target="sortColumn"
            )
        sort_order = q.get("sortOrder", "DESC")
        if sort_order not in ("ASC", "DESC"):
            raise PolarisAPIError(400, "sortOrder must be ASC or DESC", target="sortOrder")
        return cls(
            types=choices(
                "type", ["batch", "delete_data", "drop_table", "restore_data", "streaming", "sql"]
            ),
            connection_names=q.getlist("connectionName"),
            execution_statuses=choices("executionStatus", EXECUTION_STATUSES),
            health_statuses=choices("healthStatus", HEALTH_STATUSES),
            target_table_name=q.get("targetTableName"),
            target_table_id=q.get("targetTableId"),
            search_string=q.get("searchString"),
            sort_column=sort_column,
            sort_order=sort_order,
            limit=number("paginationLimit", 100, 1, MAX_PAGE_SIZE),
            offset=number("paginationOffset", 0, 0, None),
        )


class Emulator:
    """State and rules; the FastAPI routes below are thin."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.store = Store(config.db_path)
        self.faults = config.faults
        self.rng = random.Random(config.faults.seed)
        self.received: Counter[str] = Counter()
        self.handled: Counter[str] = Counter()
        self._counter_lock = threading.Lock()

    # --- auth ------------------------------------------------------------------------------

    def authenticate(self, header: str) -> Principal:
        scheme, _, token = header.partition(" ")
        if scheme == "Basic" and token:
            for candidate in (token, _basic_user(token)):
                if candidate and candidate in self.config.api_keys:
                    digest = hashlib.sha256(candidate.encode()).hexdigest()
                    return Principal(
                        f"apikey-{digest[:8]}",
                        str(uuid.UUID(digest[:32])),
                        self.config.api_keys[candidate],
                    )
        elif scheme == "Bearer" and token:
            if token in self.config.bearer_tokens:
                digest = hashlib.sha256(token.encode()).hexdigest()
                return Principal(
                    f"oauth-{digest[:8]}", str(uuid.UUID(digest[:32])), ALL_PERMISSIONS
                )
            raise PolarisAPIError(401, "Token claims invalid: token expired or unknown")
        raise PolarisAPIError(401, "Unauthorized")

    @staticmethod
    def require(principal: Principal, permission: str) -> None:
        if permission not in principal.permissions:
            raise PolarisAPIError(403, f"Forbidden: the API key lacks the {permission} permission")

    # --- kafka stand-ins -------------------------------------------------------------------

    @staticmethod
    def kafka_problems(conn: Doc) -> list[Problem]:
        """What a connection test finds (stand-ins: see docs/emulator.md)."""
        if conn.get("type") == "confluent_schema_registry":
            return _registry_problems(conn)
        problems = []
        for server in conn["bootstrapServers"].split(","):
            host = server.strip().rsplit(":", 1)[0]
            if host.endswith(".invalid"):
                problems.append(
                    Problem(
                        ("bootstrap_servers",),
                        f"Unable to reach broker {server.strip()}: connection timed out",
                    )
                )
        if (conn.get("secrets") or {}).get("username", "").startswith("invalid"):
            problems.append(
                Problem(("secrets",), "Authentication failed: invalid SASL/PLAIN credentials")
            )
        if conn["topicName"].startswith("missing"):
            problems.append(
                Problem(("topic_name",), f"Unknown topic: no topic matches {conn['topicName']!r}")
            )
        return problems

    # --- connections -----------------------------------------------------------------------

    def _connection_users(self, name: str) -> list[Doc]:
        """Non-finished jobs reading a connection: as their source, or for their schemas."""
        return [
            job
            for job in self.jobs()
            if not _terminal(job)
            and (
                (job.get("source") or {}).get("connectionName") == name or name in _registries(job)
            )
        ]

    def _connection_body(
        self, body: Any, *, create: bool
    ) -> tuple[ConnectionSpec | SchemaRegistryConnectionSpec, Doc | None]:
        """A confluent connection (the deprecated `confluent` secrets type is read as such), or
        a Confluent Schema Registry one."""
        kind = body.get("type") if isinstance(body, dict) else None
        if kind == "confluent_schema_registry":
            registry = _parse(SchemaRegistryConnectionSpec, body, "connection")
            if problems := schema_registry_problems(registry, require_password=create):
                raise PolarisAPIError(400, "Invalid connection: " + problems[0].message, problems)
            return registry, None
        if kind not in (None, "confluent"):
            raise PolarisAPIError(
                400,
                f"Connection type {kind!r} is not modelled by the emulator "
                "(it models 'confluent' and 'confluent_schema_registry')",
                target="type",
            )
        legacy = None
        if isinstance(body, dict) and (body.get("secrets") or {}).get("type") == "confluent":
            secrets = body["secrets"]
            if set(secrets) - {"type", "key", "secret"} or not secrets.get("key"):
                raise PolarisAPIError(400, "secrets of type confluent take key and secret")
            legacy = {"type": "confluent", "key": secrets["key"]}
            body = {
                **body,
                "secrets": {
                    "type": "sasl_plain",
                    "username": secrets["key"],
                    "password": secrets.get("secret"),
                },
            }
        spec = _parse(ConnectionSpec, body, "connection")
        if problems := connection_problems(spec, require_password=create):
            raise PolarisAPIError(400, "Invalid connection: " + problems[0].message, problems)
        return spec, legacy

    def create_connection(self, body: Any, who: Principal) -> Doc:
        self.require(who, "ManageConnections")
        spec, legacy = self._connection_body(body, create=True)
        now = _now()
        with self.store.tx():
            if self.store.get_connection(spec.name):
                raise PolarisAPIError(
                    409, f"A connection named '{spec.name}' already exists", target="name"
                )
            doc = spec.without_password()
            doc.setdefault("description", None)
            if isinstance(spec, ConnectionSpec):
                doc.setdefault("topicNameIsPattern", False)
            if legacy:
                doc["secrets"] = legacy
            doc |= {
                "submittedByUser": who.user(),
                "modifiedByUser": who.user(),
                "submittedOnTimestamp": _iso_micro(now),
                "modifiedOnTimestamp": _iso_micro(now),
            }
            self.store.put_connection(doc, _sha256(spec.password()))
        return doc

    def get_connection(self, name: str, who: Principal) -> Doc:
        self.require(who, "ManageConnections")
        doc = self.store.get_connection(name)
        if doc is None:
            raise PolarisAPIError(404, f"Connection '{name}' not found")
        return doc

    def update_connection(self, name: str, body: Any, who: Principal) -> Doc:
        """PATCH: `type` required and unchangeable, no `name`; omitted fields are kept."""
        if not isinstance(body, dict) or "type" not in body:
            raise PolarisAPIError(400, "Invalid connection update: type is required", target="type")
        if "name" in body:
            raise PolarisAPIError(
                400,
                "A connection's name cannot be changed (name is not part of an update)",
                target="name",
            )
        with self.store.tx():
            old = self.get_connection(name, who)
            if body["type"] != old["type"]:
                raise PolarisAPIError(400, "A connection's type cannot be changed", target="type")
            # Omitted fields keep their values; `secrets` is replaced whole (a password left
            # out keeps the stored one).
            fields = _CONNECTION_FIELDS[old["type"]]
            merged = {k: old[k] for k in fields if old.get(k) is not None}
            merged |= body | {"name": name}
            spec, legacy = self._connection_body(merged, create=False)
            doc = {**old, **spec.without_password()}
            if legacy:
                doc["secrets"] = legacy
            if body.get("description", ...) is None:
                doc["description"] = None
            doc |= {"modifiedByUser": who.user(), "modifiedOnTimestamp": _iso_micro(_now())}
            password = spec.password()
            self.store.put_connection(doc, _sha256(password) if password else None)
        return doc

    def delete_connection(self, name: str, who: Principal) -> None:
        with self.store.tx():
            self.get_connection(name, who)
            for job in self._connection_users(name):
                raise PolarisAPIError(
                    400,
                    f"Connection '{name}' is used by job {job['id']} "
                    f"({job['executionStatus']}); cancel the job first",
                    target="name",
                )
            self.store.delete_connection(name)

    def test_connection(self, name: str, who: Principal) -> None:
        """Passes silently; a failure is a 400 whose details say what failed."""
        conn = self.get_connection(name, who)
        if problems := self.kafka_problems(conn):
            raise PolarisAPIError(
                400,
                f"Connection test failed: {'; '.join(p.message for p in problems)}",
                problems,
                target=name,
            )

    # --- jobs ------------------------------------------------------------------------------

    def _set_desired(self, job: Doc, desired: str, now: float) -> None:
        job["desiredExecutionStatus"] = desired
        delay = (
            self.config.job_start_delay if desired == "running" else self.config.job_cancel_delay
        )
        job.setdefault("_emulator", {})["changeAt"] = now + delay

    def _advance(self, job: Doc, now: float) -> bool:
        """Move a streaming job toward its desired status; True if it changed.

        Transitions are applied when the job is next looked at, stamped with the time they
        became due (so a job's timestamps do not depend on who polled it, or when).
        """
        emu = job.setdefault("_emulator", {})
        status, desired = job["executionStatus"], job["desiredExecutionStatus"]
        due = emu.get("changeAt", 0)
        if status in TERMINAL_STATUSES or now < due:
            return False
        if desired == "running" and status in ("pending", "suspended"):
            if failures := emu.get("failure"):
                job["executionStatus"] = "failed"
                job["health"] = {
                    "status": "error",
                    "code": failures[0][0] if len(failures) == 1 else "multiple",
                    "message": "; ".join(message for _, message in failures),
                }
                job["completedTimestamp"] = _iso_nano(due)
                return True
            job["executionStatus"] = "idle" if emu.get("idle") else "running"
            if emu.get("warning"):
                job["health"] = {
                    "status": "warn",
                    "code": "invalid_rows_found",
                    "log": {
                        "timestamp": _iso_micro(due),
                        "healthStatus": "warn",
                        "code": "invalid_rows_found",
                        "message": emu["warning"],
                    },
                }
            job["startedTimestamp"] = job.get("startedTimestamp") or _iso_nano(due)
            return True
        if desired == "canceled":
            job["executionStatus"] = "canceled"
            job["completedTimestamp"] = _iso_nano(due)
            return True
        if desired == "suspended" and status in ("pending", "running", "idle"):
            job["executionStatus"] = "suspended"
            return True
        return False

    def jobs(self) -> list[Doc]:
        """All jobs, advanced to now (and persisted if they moved), in creation order."""
        now = _now()
        with self.store.tx():
            docs = self.store.list_jobs()
            for doc in docs:
                if doc.get("type") == "streaming" and self._advance(doc, now):
                    self.store.put_job(doc)
        return docs

    def job(self, job_id: str, who: Principal) -> Doc:
        self.require(who, "ManageIngestionJobs")
        with self.store.tx():
            doc = self.store.get_job(job_id)
            if doc is None:
                raise PolarisAPIError(404, f"Job '{job_id}' not found")
            if doc.get("type") == "streaming" and self._advance(doc, _now()):
                self.store.put_job(doc)
        return doc

    def _parse_job(self, body: Any) -> StreamingJobSpec:
        spec: StreamingJobSpec = _parse(StreamingJobSpec, body, "streaming job")
        if problems := job_problems(spec):
            raise PolarisAPIError(400, "Invalid streaming job: " + problems[0].message, problems)
        source = self.store.get_connection(spec.source.connection_name)
        if source is None or source.get("type") == "confluent_schema_registry":
            raise PolarisAPIError(
                400,
                f"Connection '{spec.source.connection_name}' "
                + ("does not exist" if source is None else "is a Schema Registry connection"),
                target="source.connectionName",
            )
        for path, name in schema_registry_refs(
            spec.source.format_settings, ("source", "format_settings")
        ):
            registry = self.store.get_connection(name)
            if registry is None or registry.get("type") != "confluent_schema_registry":
                what = "does not exist" if registry is None else "is not a Schema Registry"
                raise PolarisAPIError(
                    400,
                    f"Schema Registry connection '{name}' {what}",
                    target=Problem(path, "").api_field,
                )
        return spec

    @staticmethod
    def _filled(spec: StreamingJobSpec) -> Doc:
        """The spec as the server echoes it: defaults filled in, unset optionals as null."""
        doc = with_defaults(spec).to_api()
        for m in doc["mappings"]:
            m.setdefault("isAggregation", None)
        doc.setdefault("filterExpression", None)
        return doc

    def create_job(self, body: Any, who: Principal) -> Doc:
        self.require(who, "ManageIngestionJobs")
        kind = body.get("type") if isinstance(body, dict) else None
        if kind == "drop_table":
            return self._drop_table(body, who)
        if kind != "streaming":
            raise PolarisAPIError(
                400,
                f"Unsupported job type {kind!r}: the emulator models 'streaming' and 'drop_table'",
                target="type",
            )
        now = _now()
        with self.store.tx():
            spec = self._parse_job(body)
            table_name = spec.target.table_name
            for other in self.jobs():
                if (
                    other.get("type") == "streaming"
                    and other["target"]["tableName"] == table_name
                    and not _terminal(other)
                ):
                    if not spec.replace_running:
                        raise PolarisAPIError(
                            400,
                            f"Table '{table_name}' already has streaming job {other['id']} "
                            f"({other['executionStatus']}); one streaming job per table "
                            "(set replaceRunning to replace it)",
                            target="target.tableName",
                        )
                    # The new job takes the running one's place (read position is per table).
                    self._set_desired(other, "canceled", now)
                    self._advance(other, now)
                    self.store.put_job(other)
            failure = self._ensure_table(spec, who, now)
            conn = self.store.get_connection(spec.source.connection_name) or {}
            registries = [
                self.store.get_connection(name) or {}
                for _, name in schema_registry_refs(spec.source.format_settings, ())
            ]
            failure += [
                ("could_not_connect_to_source", p.message)
                for c in (conn, *registries)
                for p in self.kafka_problems(c)
            ]
            spec_doc = self._filled(spec)
            doc = {k: spec_doc[k] for k in _JOB_TOP_LEVEL} | {
                "id": str(uuid.uuid4()),
                "type": "streaming",
                "desiredExecutionStatus": "running",
                "executionStatus": "pending",
                "health": {"status": "ok"},
                "createdBy": who.user(),
                "lastModifiedBy": who.user(),
                "createdTimestamp": _iso_nano(now),
                "lastUpdatedTimestamp": _iso_nano(now),
                "startedTimestamp": None,
                "completedTimestamp": None,
                "spec": spec_doc,
                "_emulator": {
                    "changeAt": now + self.config.job_start_delay,
                    "failure": failure,
                    "idle": conn.get("topicName", "").startswith("idle"),
                    "warning": "rows could not be parsed (stand-in: topic starts with 'warn')"
                    if conn.get("topicName", "").startswith("warn")
                    else None,
                },
            }
            self._advance(doc, now)
            self.store.put_job(doc)
        return doc

    def _ensure_table(
        self, spec: StreamingJobSpec, who: Principal, now: float
    ) -> list[tuple[str, str]]:
        """Create the target table if asked; returns why the job cannot run (code, message)."""
        name = spec.target.table_name
        table = self.store.get_table(name)
        if table is None:
            if not spec.create_table_if_not_exists:
                raise PolarisAPIError(
                    400,
                    f"Table '{name}' does not exist: create it, or set createTableIfNotExists",
                    target="target.tableName",
                )
            aggregate = any(
                m.is_aggregation or _AGGREGATORS.search(m.expression) for m in spec.mappings
            )
            auto = TableSpec(name=name, type="aggregate" if aggregate else "detail")
            table = self._new_table(auto, who, now)
            self.store.put_table(table)
        if spec.use_schema_discovery and table.get("schemaMode") == "strict":
            return [
                (
                    "column_type_not_supported",
                    f"Table '{name}' has a strict schema: useSchemaDiscovery needs a flexible table",
                )
            ]
        declared = Table.model_validate(table)
        return [("query_not_supported", p.message) for p in table_job_problems(spec, declared)]

    def set_job_status(self, job_id: str, body: Any, who: Principal) -> Doc:
        """PUT /jobs/{id} and POST /jobs/{id}/status: only desiredExecutionStatus."""
        if not isinstance(body, dict) or set(body) != {"desiredExecutionStatus"}:
            raise PolarisAPIError(
                400,
                "A job update takes only desiredExecutionStatus; to change a streaming job's "
                "spec, create a new job with replaceRunning",
                target="desiredExecutionStatus",
            )
        desired = body["desiredExecutionStatus"]
        if desired not in DESIRED_STATUSES:
            raise PolarisAPIError(
                400,
                f"desiredExecutionStatus {desired!r} is not one of {', '.join(DESIRED_STATUSES)}",
                target="desiredExecutionStatus",
            )
        with self.store.tx():
            doc = self.job(job_id, who)
            if doc.get("type") != "streaming":
                raise PolarisAPIError(400, f"Job '{job_id}' is not a streaming job")
            if _terminal(doc) and desired != "canceled":
                raise PolarisAPIError(
                    400, f"Job '{job_id}' is {doc['executionStatus']}; create a new job to restart"
                )
            if desired != doc["desiredExecutionStatus"] and not _terminal(doc):
                now = _now()
                self._set_desired(doc, desired, now)
                doc |= {"lastModifiedBy": who.user(), "lastUpdatedTimestamp": _iso_nano(now)}
                self._advance(doc, now)
                self.store.put_job(doc)
        return doc

    def reset_job(self, job_id: str, who: Principal) -> None:
        with self.store.tx():
            doc = self.job(job_id, who)
            if doc.get("type") != "streaming" or _terminal(doc):
                raise PolarisAPIError(400, f"Job '{job_id}' is not an active streaming job")
            doc["_emulator"]["resetAt"] = _iso_nano(_now())
            self.store.put_job(doc)

    def list_jobs(self, query: JobQuery, who: Principal) -> Doc:
        self.require(who, "ManageIngestionJobs")
        docs = self.jobs()
        table_id_name = None
        if query.target_table_id is not None:
            table_id_name = next(
                (t["name"] for t in self.store.list_tables() if t["id"] == query.target_table_id),
                "",
            )

        def keep(d: Doc) -> bool:
            table = d["target"].get("tableName")
            conn = (d.get("source") or {}).get("connectionName")
            return (
                (not query.types or d["type"] in query.types)
                and (not query.connection_names or conn in query.connection_names)
                and (
                    not query.execution_statuses or d["executionStatus"] in query.execution_statuses
                )
                and (not query.health_statuses or d["health"]["status"] in query.health_statuses)
                and (query.target_table_name is None or table == query.target_table_name)
                and (table_id_name is None or table == table_id_name)
                and (
                    query.search_string is None
                    or any(
                        query.search_string.lower() in (v or "").lower()
                        for v in (table, conn, d["id"])
                    )
                )
            )

        docs = [d for d in docs if keep(d)]  # stable: creation order breaks ties
        docs.sort(key=_SORT_KEYS[query.sort_column], reverse=query.sort_order == "DESC")
        page = docs[query.offset : query.offset + query.limit]
        return {
            "values": [_job_summary(d) for d in page],
            "moreResultsAvailable": query.offset + len(page) < len(docs),
        }

    # --- tables ----------------------------------------------------------------------------

    @staticmethod
    def _new_table(spec: TableSpec, who: Principal, now: float) -> Doc:
        doc = with_defaults(spec).to_api()
        if spec.type == "detail":
            doc.pop("timeResolution", None)
        doc.setdefault("description", None)
        return doc | {
            "id": str(uuid.uuid4()),
            "version": 0,
            "availability": "available",
            "queryableSchema": [
                {"name": c["name"], "dataType": c["dataType"], "isDiscovered": False}
                for c in doc["schema"]
            ],
            "createdByUser": who.user(),
            "modifiedByUser": who.user(),
            "createdOnTimestamp": _iso_micro(now),
            "modifiedOnTimestamp": _iso_micro(now),
            "segmentCount": 0,
            "precachedDataSizeBytes": 0,
            "totalDataSizeBytes": 0,
            "totalRows": 0,
        }

    def _drop_table(self, body: Doc, who: Principal) -> Doc:
        self.require(who, "ManageTables")
        if set(body) - {"type", "target", "softDelete"}:
            raise PolarisAPIError(400, "A drop_table job takes type, target and softDelete")
        name = (body.get("target") or {}).get("tableName", "")
        now = _now()
        with self.store.tx():
            if self.store.get_table(name) is None:
                raise PolarisAPIError(
                    400, f"Table '{name}' does not exist", target="target.tableName"
                )
            for job in self.jobs():
                if (
                    job.get("type") == "streaming"
                    and job["target"]["tableName"] == name
                    and not _terminal(job)
                ):
                    raise PolarisAPIError(
                        400,
                        f"Table '{name}' has streaming job {job['id']}; cancel it first",
                        target="target.tableName",
                    )
            self.store.delete_table(name)
            target = {"type": "table", "tableName": name, "intervals": []}
            doc = {
                "id": str(uuid.uuid4()),
                "type": "drop_table",
                "target": target,
                "spec": {
                    "type": "drop_table",
                    "target": target,
                    "softDelete": bool(body.get("softDelete", False)),
                },
                "desiredExecutionStatus": "running",
                "executionStatus": "completed",
                "health": {"status": "ok"},
                "createdBy": who.user(),
                "lastModifiedBy": who.user(),
                "createdTimestamp": _iso_nano(now),
                "lastUpdatedTimestamp": _iso_nano(now),
                "startedTimestamp": _iso_nano(now),
                "completedTimestamp": _iso_nano(now),
            }
            self.store.put_job(doc)
        return doc

    @staticmethod
    def _table_body(body: Any, *, new: bool) -> tuple[TableSpec, Any]:
        """A TablePayload request: the spec, and the `version` it carries (the SDK always
        sends one: 0 on create, the current one on update)."""
        body = dict(body) if isinstance(body, dict) else {}
        version = body.pop("version", None)
        spec: TableSpec = _parse(TableSpec, body, "table")
        if problems := table_problems(spec, new=new):
            raise PolarisAPIError(
                400, f"Invalid table: {problems[0].api_field} {problems[0].message}", problems
            )
        return spec, version

    def create_table(self, body: Any, who: Principal) -> Doc:
        self.require(who, "ManageTables")
        spec, version = self._table_body(body, new=True)
        if version not in (None, 0):
            raise PolarisAPIError(400, "A new table has version 0", target="version")
        with self.store.tx():
            if self.store.get_table(spec.name):
                raise PolarisAPIError(
                    409, f"A table named '{spec.name}' already exists", target="name"
                )
            doc = self._new_table(spec, who, _now())
            self.store.put_table(doc)
        return doc

    def update_table(self, name: str, body: Any, who: Principal) -> Doc:
        """PUT: the whole table (omitted optional fields take their defaults), at its current
        version; name and type cannot change."""
        self.require(who, "ManageTables")
        spec, version = self._table_body(body, new=False)
        with self.store.tx():
            old = self.get_table(name, who)
            if spec.name != name:
                raise PolarisAPIError(400, "A table's name cannot be changed", target="name")
            if spec.type != old["type"]:
                raise PolarisAPIError(400, "A table's type cannot be changed", target="type")
            if not isinstance(version, int) or version != old["version"]:
                raise PolarisAPIError(
                    409,
                    f"Table '{name}' is at version {old['version']}, not {version}: read it "
                    "again and retry",
                    target="version",
                )
            now = _now()
            doc = self._new_table(spec, who, now) | {
                k: old[k] for k in ("id", "createdByUser", "createdOnTimestamp")
            }
            doc["version"] = old["version"] + 1
            self.store.put_table(doc)
        return doc

    def get_table(self, name: str, who: Principal) -> Doc:
        self.require(who, "ManageTables")
        doc = self.store.get_table(name)
        if doc is None:
            raise PolarisAPIError(404, f"Table '{name}' not found")
        return doc

    def list_tables(self, request: Request, who: Principal) -> Doc:
        self.require(who, "ManageTables")
        tables = self.store.list_tables()
        if granularity := request.query_params.get("partitioningGranularity"):
            tables = [t for t in tables if t["partitioningGranularity"] == granularity]
        if (count := request.query_params.get("segmentCount")) is not None:
            tables = [t for t in tables if str(t["segmentCount"]) == count]
        summary = [{k: v for k, v in t.items() if k not in _NOT_IN_SUMMARY} for t in tables]
        return {"values": summary}

    # --- counters --------------------------------------------------------------------------

    def count(self, kind: str, key: str) -> None:
        with self._counter_lock:
            (self.received if kind == "received" else self.handled)[key] += 1

    def counters(self) -> dict[str, Any]:
        with self._counter_lock:
            received, handled = dict(self.received), dict(self.handled)

        def writes(counts: dict[str, int]) -> int:
            return sum(
                n
                for key, n in counts.items()
                if key.split(" ")[0] in WRITE_METHODS and not key.endswith("/test")
            )

        return {
            "received": received,
            "handled": handled,
            "total_received": sum(received.values()),
            "writes_received": writes(received),
            "writes_handled": writes(handled),
        }

    def reset_counters(self) -> None:
        with self._counter_lock:
            self.received.clear()
            self.handled.clear()


def _basic_user(token: str) -> str | None:
    """`curl --user KEY:` and the official SDK send base64("KEY:") (the SDK URL-safe)."""
    try:
        decoded = base64.urlsafe_b64decode(token.replace("+", "-").replace("/", "_")).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, sep, _ = decoded.partition(":")
    return user if sep else None


def _sha256(value: str) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest() if value else None


def _terminal(job: Doc) -> bool:
    return job.get("executionStatus") in TERMINAL_STATUSES


def _public(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def _job_summary(doc: Doc) -> Doc:
    summary = {k: doc.get(k) for k in _JOB_STATE_KEYS} | {"target": doc["target"]}
    if doc["type"] == "streaming":
        summary["source"] = {
            "type": "connection",
            "connectionName": doc["source"]["connectionName"],
        }
    return summary


def _zero_totals() -> dict[str, int]:
    return {
        "numBytesProcessed": 0,
        "numRowsPersisted": 0,
        "numRowsProcessed": 0,
        "numRowsProcessedWithWarning": 0,
        "numRowsSkippedByError": 0,
        "numRowsSkippedByFilter": 0,
    }


async def json_body(request: Request) -> Any:
    """A JSON request body: 415 for another media type, 400 when it does not parse."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise PolarisAPIError(
            415, f"Content-Type must be application/json (got {media or 'none'!r})"
        )
    try:
        return json.loads(await request.body())
    except ValueError:
        raise PolarisAPIError(400, "The request body is not valid JSON") from None


def _install_middleware(app: FastAPI, emu: Emulator) -> None:
    @app.exception_handler(PolarisAPIError)
    async def _polaris_error(_: Request, exc: PolarisAPIError) -> Response:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return error_response(exc.status_code, str(exc.detail))

    @app.middleware("http")
    async def _faults_and_counters(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if not path.startswith("/v1/"):
            return await call_next(request)  # type: ignore[no-any-return]
        key = f"{request.method} {_path_template(path)}"
        emu.count("received", key)
        f = emu.faults
        if f.latency_ms > 0:
            await asyncio.sleep(f.latency_ms / 1000)
        roll = emu.rng.random()
        if roll < f.rate_429:
            return error_response(
                429, "API rate limit exceeded", {"Retry-After": f"{f.retry_after_seconds:g}"}
            )
        if roll < f.rate_429 + f.rate_503:
            return error_response(503, "Service unavailable")
        if roll < f.rate_429 + f.rate_503 + f.rate_500:
            return error_response(500, "Internal server error")
        emu.count("handled", key)
        response: Response = await call_next(request)
        if (
            request.method in WRITE_METHODS
            and response.status_code < 300
            and not path.endswith("/test")
            and emu.rng.random() < f.lost_write_rate
        ):
            # The write is committed; the answer is lost on the way back.
            if f.lost_write_status == 500:
                return error_response(500, "Internal server error")
            return error_response(504, "upstream request timeout")
        return response


def _install_admin(app: FastAPI, emu: Emulator) -> None:
    """Admin endpoints, outside the Polaris paths (loopback only, no auth)."""

    @app.get("/_emulator/health", tags=["admin"])
    def health() -> Doc:
        return {"status": "ok", "projectId": emu.config.project_id}

    @app.get("/_emulator/counters", tags=["admin"])
    def counters() -> Doc:
        return emu.counters()

    @app.post("/_emulator/counters/reset", tags=["admin"])
    def reset_counters() -> Doc:
        emu.reset_counters()
        return emu.counters()

    @app.get("/_emulator/faults", tags=["admin"])
    def get_faults() -> Doc:
        return asdict(emu.faults)

    @app.put("/_emulator/faults", tags=["admin"])
    def put_faults(changes: Body) -> Response:
        """Change some faults; any key that is not one is a 422 naming it."""
        try:
            emu.faults = Faults(**{**asdict(emu.faults), **dict(changes or {})})
        except (ValidationError, TypeError, ValueError) as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        if "seed" in changes:
            emu.rng = random.Random(emu.faults.seed)
        return JSONResponse(asdict(emu.faults))

    @app.post("/_emulator/wipe", tags=["admin"])
    def wipe() -> Doc:
        emu.store.wipe()
        return {"status": "wiped"}


async def _principal(request: Request, project_id: str) -> Principal:
    emu: Emulator = request.app.state.emulator
    who = emu.authenticate(request.headers.get("authorization", ""))
    if project_id != emu.config.project_id:
        raise PolarisAPIError(404, f"Project '{project_id}' not found")
    return who


Who = Annotated[Principal, Depends(_principal)]
Body = Annotated[Any, Depends(json_body)]
BASE = "/v1/projects/{project_id}"


def create_app(config: EmulatorConfig) -> FastAPI:
    emu = Emulator(config)
    app = FastAPI(
        title="Polaris emulator",
        description="Local stand-in for the Imply Polaris Connections v1, Jobs v1 and Tables APIs.",
        version="1",
    )
    app.state.emulator = emu
    _install_middleware(app, emu)
    _install_admin(app, emu)
    _connection_routes(app, emu)
    _job_routes(app, emu)
    _table_routes(app, emu)
    return app


def _connection_routes(app: FastAPI, emu: Emulator) -> None:
    """Connections v1."""
    base = BASE

    @app.post(f"{base}/connections", tags=["connections"], status_code=201)
    def create_connection(body: Body, who: Who, project_id: str) -> Response:
        doc = emu.create_connection(body, who)
        location = f"/v1/projects/{project_id}/connections/{doc['name']}"
        return JSONResponse(doc, status_code=201, headers={"Location": location})

    @app.get(f"{base}/connections", tags=["connections"])
    def list_connections(who: Who) -> Doc:
        emu.require(who, "ManageConnections")
        return {"values": emu.store.list_connections()}

    @app.get(f"{base}/connections/{{name}}", tags=["connections"])
    def get_connection(name: str, who: Who) -> Doc:
        return emu.get_connection(name, who)

    @app.patch(f"{base}/connections/{{name}}", tags=["connections"])
    def update_connection(name: str, body: Body, who: Who) -> Doc:
        return emu.update_connection(name, body, who)

    @app.delete(f"{base}/connections/{{name}}", tags=["connections"])
    def delete_connection(name: str, who: Who) -> Response:
        emu.delete_connection(name, who)
        return Response(status_code=200)

    @app.post(f"{base}/connections/{{name}}/test", tags=["connections"])
    def test_connection(name: str, who: Who) -> Response:
        emu.test_connection(name, who)
        return Response(status_code=200)


def _job_routes(app: FastAPI, emu: Emulator) -> None:
    """Jobs v1 (streaming, and drop_table)."""
    base = BASE

    @app.post(f"{base}/jobs", tags=["jobs"], status_code=201)
    def create_job(body: Body, who: Who) -> Doc:
        return _public(emu.create_job(body, who))

    @app.get(f"{base}/jobs", tags=["jobs"])
    def list_jobs(who: Who, request: Request) -> Doc:
        return emu.list_jobs(JobQuery.from_request(request), who)

    @app.get(f"{base}/jobs/{{job_id}}", tags=["jobs"])
    def get_job(job_id: str, who: Who) -> Doc:
        return _public(emu.job(job_id, who))

    @app.put(f"{base}/jobs/{{job_id}}", tags=["jobs"])
    def update_job(job_id: str, body: Body, who: Who) -> Doc:
        return _public(emu.set_job_status(job_id, body, who))

    @app.get(f"{base}/jobs/{{job_id}}/status", tags=["jobs"])
    def get_job_status(job_id: str, who: Who) -> Doc:
        return {"executionStatus": emu.job(job_id, who)["executionStatus"]}

    @app.post(f"{base}/jobs/{{job_id}}/status", tags=["jobs"])
    def update_job_status(job_id: str, body: Body, who: Who) -> Doc:
        return {"executionStatus": emu.set_job_status(job_id, body, who)["executionStatus"]}

    @app.post(f"{base}/jobs/{{job_id}}/reset", tags=["jobs"])
    def reset_job(job_id: str, who: Who) -> Response:
        emu.reset_job(job_id, who)
        return Response(status_code=200)

    @app.get(f"{base}/jobs/{{job_id}}/metrics", tags=["jobs"])
    def job_metrics(job_id: str, who: Who) -> Doc:
        emu.job(job_id, who)
        return {"totals": _zero_totals()}


def _table_routes(app: FastAPI, emu: Emulator) -> None:
    """Tables: list and describe."""
    base = BASE

    @app.post(f"{base}/tables", tags=["tables"], status_code=201)
    def create_table(body: Body, who: Who, project_id: str) -> Response:
        doc = emu.create_table(body, who)
        location = f"/v1/projects/{project_id}/tables/{doc['name']}"
        return JSONResponse(doc, status_code=201, headers={"Location": location})

    @app.get(f"{base}/tables", tags=["tables"])
    def list_tables(who: Who, request: Request) -> Doc:
        return emu.list_tables(request, who)

    @app.get(f"{base}/tables/{{name}}", tags=["tables"])
    def get_table(name: str, who: Who) -> Doc:
        return emu.get_table(name, who)

    @app.put(f"{base}/tables/{{name}}", tags=["tables"])
    def update_table(name: str, body: Body, who: Who) -> Doc:
        return emu.update_table(name, body, who)
