"""The Polaris emulator: the documented Connections v1, Jobs v1 and Tables paths, over SQLite.

Where the reference marks a behaviour as inferred, the emulator follows the reference.
Deterministic Kafka stand-ins (documented in docs/emulator.md): a broker host ending in
`.invalid` is unreachable, a topic starting with `missing` does not exist, and a username
starting with `invalid` fails authentication. A job on such a connection ends `failed`.
"""

import asyncio
import base64
import hashlib
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from polaris_pulumi._models import (
    TERMINAL_STATUSES,
    ConnectionSpec,
    Problem,
    StreamingJobSpec,
    connection_problems,
    job_problems,
    problems_from_validation_error,
    table_name_problem,
)
from polaris_pulumi.emulator._store import Doc, Store

ALL_PERMISSIONS = frozenset({"ManageConnections", "ManageIngestionJobs", "ManageTables"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_AGGREGATORS = re.compile(r"\b(SUM|COUNT|MIN|MAX|LATEST|EARLIEST|APPROX_\w+|DS_\w+)\s*\(", re.I)


@dataclass
class Faults:
    """Injected failures; rates are probabilities per request."""

    rate_429: float = 0.0
    rate_503: float = 0.0
    lost_write_rate: float = 0.0
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
    def __init__(self, status: int, message: str, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []


def _now() -> float:
    return time.time()


def _iso_micro(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iso_nano(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def _bad_request(problems: list[Problem], what: str) -> PolarisAPIError:
    return PolarisAPIError(
        400,
        f"Invalid {what}",
        [{"field": p.api_field, "message": p.message} for p in problems],
    )


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
    def kafka_problems(conn: Doc) -> list[str]:
        problems = []
        for server in conn["bootstrapServers"].split(","):
            host = server.strip().rsplit(":", 1)[0]
            if host.endswith(".invalid"):
                problems.append(f"Unable to reach broker {server.strip()}: connection timed out")
        if conn.get("secrets", {}).get("username", "").startswith("invalid"):
            problems.append("Authentication failed: invalid SASL/PLAIN credentials")
        if conn["topicName"].startswith("missing"):
            problems.append(f"Unknown topic: no topic matches {conn['topicName']!r}")
        return problems

    # --- connections -----------------------------------------------------------------------

    def _parse_connection(self, body: dict[str, Any], *, create: bool) -> ConnectionSpec:
        try:
            spec = ConnectionSpec.model_validate(body)
        except ValidationError as exc:
            raise _bad_request(problems_from_validation_error(exc), "connection") from None
        if problems := connection_problems(spec, require_password=create):
            raise _bad_request(problems, "connection")
        return spec

    def create_connection(self, body: dict[str, Any], who: Principal) -> Doc:
        self.require(who, "ManageConnections")
        spec = self._parse_connection(body, create=True)
        now = _now()
        with self.store.tx():
            if self.store.get_connection(spec.name):
                raise PolarisAPIError(409, f"A connection named '{spec.name}' already exists")
            doc = spec.without_password()
            doc.setdefault("description", None)
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

    def update_connection(self, name: str, body: dict[str, Any], who: Principal) -> Doc:
        with self.store.tx():
            old = self.get_connection(name, who)
            body = {**body}
            if body.setdefault("name", name) != name:
                raise PolarisAPIError(
                    400,
                    "A connection's name cannot be changed",
                    [{"field": "name", "message": "immutable"}],
                )
            if body.setdefault("type", old["type"]) != old["type"]:
                raise PolarisAPIError(
                    400,
                    "A connection's type cannot be changed",
                    [{"field": "type", "message": "immutable"}],
                )
            body.setdefault("secrets", {k: v for k, v in old["secrets"].items() if k != "password"})
            spec = self._parse_connection(body, create=False)
            doc = {**old, **spec.without_password()}
            doc.setdefault("description", None)
            if "description" not in body:
                doc["description"] = None
            doc |= {"modifiedByUser": who.user(), "modifiedOnTimestamp": _iso_micro(_now())}
            password = spec.password()
            self.store.put_connection(doc, _sha256(password) if password else None)
        return doc

    def delete_connection(self, name: str, who: Principal) -> None:
        with self.store.tx():
            self.get_connection(name, who)
            for job in self.jobs():
                if job["source"].get("connectionName") == name and not _terminal(job):
                    raise PolarisAPIError(
                        409,
                        f"Connection '{name}' is used by job {job['id']} "
                        f"({job['executionStatus']}); cancel the job first",
                    )
            self.store.delete_connection(name)

    def test_connection(self, name: str, who: Principal) -> Doc:
        conn = self.get_connection(name, who)
        problems = self.kafka_problems(conn)
        if problems:
            return {"status": "error", "message": "Connection test failed", "details": problems}
        return {"status": "ok", "message": None, "details": []}

    # --- jobs ------------------------------------------------------------------------------

    def _advance(self, job: Doc, now: float) -> bool:
        """Move a job along its lifecycle; True if it changed."""
        emu = job.setdefault("_emulator", {})
        status = job["executionStatus"]
        starting = job["desiredExecutionStatus"] == "running" and status == "pending"
        if starting and now >= emu.get("startAt", 0):
            if emu.get("failure"):
                job["executionStatus"] = "failed"
                job["health"] = {
                    "status": "error",
                    "details": [{"code": "ingestion_failed", "message": m} for m in emu["failure"]],
                }
                job["completedTimestamp"] = _iso_nano(now)
            else:
                job["executionStatus"] = "running"
                job["startedTimestamp"] = _iso_nano(now)
            return True
        if job["desiredExecutionStatus"] == "canceled" and status in ("pending", "running"):
            job["executionStatus"] = "canceling"
            emu["cancelAt"] = now + self.config.job_cancel_delay
            status = "canceling"
            if self.config.job_cancel_delay > 0:
                return True
        if status == "canceling" and now >= emu.get("cancelAt", 0):
            job["executionStatus"] = "canceled"
            job["completedTimestamp"] = _iso_nano(now)
            return True
        return False

    def jobs(self) -> list[Doc]:
        """All jobs, advanced to now (and persisted if they moved)."""
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

    def _parse_job(self, body: dict[str, Any]) -> StreamingJobSpec:
        try:
            spec = StreamingJobSpec.model_validate(body)
        except ValidationError as exc:
            raise _bad_request(problems_from_validation_error(exc), "streaming job") from None
        if problems := job_problems(spec):
            raise _bad_request(problems, "streaming job")
        if self.store.get_connection(spec.source.connection_name) is None:
            raise PolarisAPIError(
                400,
                f"Connection '{spec.source.connection_name}' does not exist",
                [{"field": "source.connectionName", "message": "unknown connection"}],
            )
        return spec

    @staticmethod
    def _filled(spec: StreamingJobSpec) -> Doc:
        """The spec as the server echoes it: defaults filled in, unset optionals as null."""
        doc = spec.with_defaults().to_api()
        for m in doc["mappings"]:
            m.setdefault("isAggregation", None)
        doc.setdefault("filterExpression", None)
        return doc

    def create_job(self, body: dict[str, Any], who: Principal) -> Doc:
        self.require(who, "ManageIngestionJobs")
        kind = body.get("type")
        if kind == "drop_table":
            return self._drop_table(body, who)
        if kind != "streaming":
            raise PolarisAPIError(
                400,
                f"Unsupported job type {kind!r}: the emulator models 'streaming' and 'drop_table'",
                [{"field": "type", "message": "unsupported"}],
            )
        now = _now()
        with self.store.tx():
            spec = self._parse_job(body)
            if spec.desired_execution_status not in (None, "running"):
                raise PolarisAPIError(400, "A new job must have desiredExecutionStatus 'running'")
            table_name = spec.target.table_name
            for other in self.jobs():
                if (
                    other.get("type") == "streaming"
                    and other["target"]["tableName"] == table_name
                    and not _terminal(other)
                ):
                    if not spec.replace_running:
                        raise PolarisAPIError(
                            409,
                            f"Table '{table_name}' already has streaming job {other['id']} "
                            f"({other['executionStatus']}); one streaming job per table",
                        )
                    other["desiredExecutionStatus"] = "canceled"
                    self._advance(other, now)
                    self.store.put_job(other)
            failure = self._ensure_table(spec, now)
            conn = self.store.get_connection(spec.source.connection_name) or {}
            failure += self.kafka_problems(conn)
            doc = self._filled(spec)
            doc |= {
                "id": str(uuid.uuid4()),
                "executionStatus": "pending",
                "health": {"status": "ok"},
                "createdBy": who.user(),
                "lastModifiedBy": who.user(),
                "createdTimestamp": _iso_nano(now),
                "lastUpdatedTimestamp": _iso_nano(now),
                "startedTimestamp": None,
                "completedTimestamp": None,
                "totals": _zero_totals(),
                "_emulator": {"startAt": now + self.config.job_start_delay, "failure": failure},
            }
            doc["spec"] = {k: v for k, v in self._filled(spec).items()}
            self._advance(doc, now)
            self.store.put_job(doc)
        return doc

    def _ensure_table(self, spec: StreamingJobSpec, now: float) -> list[str]:
        """Create the target table if asked; returns reasons the job cannot run."""
        name = spec.target.table_name
        table = self.store.get_table(name)
        if table is None:
            if not spec.create_table_if_not_exists:
                raise PolarisAPIError(
                    400,
                    f"Table '{name}' does not exist: create it, or set createTableIfNotExists",
                    [{"field": "target.tableName", "message": "unknown table"}],
                )
            aggregate = any(
                m.is_aggregation or _AGGREGATORS.search(m.expression) for m in spec.mappings
            )
            table = {
                "id": str(uuid.uuid4()),
                "name": name,
                "type": "aggregate" if aggregate else "detail",
                "schemaMode": "flexible",
                "createdTimestamp": _iso_micro(now),
            }
            self.store.put_table(table)
        if spec.use_schema_discovery and table.get("schemaMode") == "strict":
            return [
                f"Table '{name}' has a strict schema: useSchemaDiscovery needs a flexible table"
            ]
        return []

    def update_job(self, job_id: str, body: dict[str, Any], who: Principal) -> Doc:
        with self.store.tx():
            old = self.job(job_id, who)
            if old.get("type") != "streaming":
                raise PolarisAPIError(400, f"Job '{job_id}' is not a streaming job")
            body = {**body}
            if body.setdefault("type", "streaming") != "streaming":
                raise PolarisAPIError(400, "A job's type cannot be changed")
            spec = self._parse_job(body)
            new = self._filled(spec)
            if new["target"]["tableName"] != old["target"]["tableName"]:
                raise PolarisAPIError(
                    400,
                    "A job's target table cannot be changed; create a new job",
                    [{"field": "target.tableName", "message": "immutable"}],
                )
            if new["dimensionExclusions"] != old["dimensionExclusions"]:
                raise PolarisAPIError(
                    400,
                    "dimensionExclusions cannot be changed by updating a job; create a new job",
                    [{"field": "dimensionExclusions", "message": "immutable"}],
                )
            if _terminal(old) and new["desiredExecutionStatus"] == "running":
                raise PolarisAPIError(
                    400, f"Job '{job_id}' is {old['executionStatus']}; create a new job to restart"
                )
            now = _now()
            doc = {**old, **new}
            doc["spec"] = new
            doc |= {"lastModifiedBy": who.user(), "lastUpdatedTimestamp": _iso_nano(now)}
            self._advance(doc, now)
            self.store.put_job(doc)
        return doc

    def reset_job(self, job_id: str, who: Principal) -> Doc:
        with self.store.tx():
            doc = self.job(job_id, who)
            if doc.get("type") != "streaming" or _terminal(doc):
                raise PolarisAPIError(400, f"Job '{job_id}' is not an active streaming job")
            doc["lastUpdatedTimestamp"] = _iso_nano(_now())
            self.store.put_job(doc)
        return doc

    def list_jobs(self, types: list[str], health: list[str], who: Principal) -> list[Doc]:
        self.require(who, "ManageIngestionJobs")
        docs = self.jobs()
        if types:
            docs = [d for d in docs if d.get("type") in types]
        if health:
            docs = [d for d in docs if d.get("health", {}).get("status") in health]
        return docs

    # --- tables ----------------------------------------------------------------------------

    def _drop_table(self, body: dict[str, Any], who: Principal) -> Doc:
        self.require(who, "ManageTables")
        name = (body.get("target") or {}).get("tableName", "")
        now = _now()
        with self.store.tx():
            if self.store.get_table(name) is None:
                raise PolarisAPIError(404, f"Table '{name}' not found")
            for job in self.jobs():
                if (
                    job.get("type") == "streaming"
                    and job["target"]["tableName"] == name
                    and not _terminal(job)
                ):
                    raise PolarisAPIError(
                        409, f"Table '{name}' has streaming job {job['id']}; cancel it first"
                    )
            self.store.delete_table(name)
            doc = {
                "id": str(uuid.uuid4()),
                "type": "drop_table",
                "target": {"type": "table", "tableName": name},
                "softDelete": bool(body.get("softDelete", False)),
                "executionStatus": "success",
                "health": {"status": "ok"},
                "createdBy": who.user(),
                "createdTimestamp": _iso_nano(now),
                "completedTimestamp": _iso_nano(now),
            }
            self.store.put_job(doc)
        return doc

    def create_table(self, body: dict[str, Any], who: Principal) -> Doc:
        self.require(who, "ManageTables")
        name = body.get("name")
        if not isinstance(name, str) or (msg := table_name_problem(name)):
            raise PolarisAPIError(
                400, "Invalid table", [{"field": "name", "message": msg or "is required"}]
            )
        kind = body.get("type", "detail")
        mode = body.get("schemaMode", "flexible")
        if kind not in ("detail", "aggregate") or mode not in ("strict", "flexible"):
            raise PolarisAPIError(
                400, "Invalid table: type is detail|aggregate, schemaMode strict|flexible"
            )
        with self.store.tx():
            if self.store.get_table(name):
                raise PolarisAPIError(409, f"A table named '{name}' already exists")
            doc = {
                "id": str(uuid.uuid4()),
                "name": name,
                "type": kind,
                "schemaMode": mode,
                "createdTimestamp": _iso_micro(_now()),
            }
            self.store.put_table(doc)
        return doc

    def get_table(self, name: str, who: Principal) -> Doc:
        self.require(who, "ManageTables")
        doc = self.store.get_table(name)
        if doc is None:
            raise PolarisAPIError(404, f"Table '{name}' not found")
        return doc

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
    """`curl --user KEY:` sends base64("KEY:"): the key is the user part."""
    try:
        decoded = base64.b64decode(token, validate=True).decode()
    except ValueError:
        return None
    user, sep, _ = decoded.partition(":")
    return user if sep else None


def _sha256(value: str) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest() if value else None


def _terminal(job: Doc) -> bool:
    return job.get("executionStatus") in TERMINAL_STATUSES | {"success"}


def _zero_totals() -> dict[str, int]:
    return {
        "numRowsProcessed": 0,
        "numRowsProcessedWithWarnings": 0,
        "numRowsSkippedByFilter": 0,
        "numRowsSkippedByError": 0,
    }


def _public(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


class FaultsUpdate(BaseModel):
    rate_429: float | None = None
    rate_503: float | None = None
    lost_write_rate: float | None = None
    latency_ms: float | None = None
    retry_after_seconds: float | None = None
    seed: int | None = None


def create_app(config: EmulatorConfig) -> FastAPI:
    emu = Emulator(config)
    app = FastAPI(
        title="Polaris emulator",
        description="Local stand-in for the Imply Polaris Connections v1, Jobs v1 and Tables APIs.",
        version="1",
    )
    app.state.emulator = emu
    JSONBody = Annotated[dict[str, Any], Body()]

    @app.exception_handler(PolarisAPIError)
    async def _polaris_error(_: Request, exc: PolarisAPIError) -> JSONResponse:
        return JSONResponse(
            {"message": exc.message, "details": exc.details}, status_code=exc.status
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse({"message": "Invalid request", "details": details}, status_code=400)

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
            return JSONResponse(
                {"message": "API rate limit exceeded"},
                status_code=429,
                headers={"Retry-After": f"{f.retry_after_seconds:g}"},
            )
        if roll < f.rate_429 + f.rate_503:
            return JSONResponse({"message": "Service unavailable"}, status_code=503)
        emu.count("handled", key)
        response: Response = await call_next(request)
        if (
            request.method in WRITE_METHODS
            and response.status_code < 300
            and not path.endswith("/test")
            and emu.rng.random() < f.lost_write_rate
        ):
            # The write is committed; the answer is lost on the way back.
            return JSONResponse({"message": "upstream request timeout"}, status_code=504)
        return response

    async def principal(request: Request, project_id: str) -> Principal:
        who = emu.authenticate(request.headers.get("authorization", ""))
        if project_id != config.project_id:
            raise PolarisAPIError(404, f"Project '{project_id}' not found")
        return who

    Who = Annotated[Principal, Depends(principal)]
    base = "/v1/projects/{project_id}"

    @app.post(f"{base}/connections", tags=["connections"])
    def create_connection(body: JSONBody, who: Who) -> Doc:
        return emu.create_connection(body, who)

    @app.get(f"{base}/connections", tags=["connections"])
    def list_connections(who: Who) -> Doc:
        emu.require(who, "ManageConnections")
        return {"values": emu.store.list_connections()}

    @app.get(f"{base}/connections/{{name}}", tags=["connections"])
    def get_connection(name: str, who: Who) -> Doc:
        return emu.get_connection(name, who)

    @app.put(f"{base}/connections/{{name}}", tags=["connections"])
    def update_connection(name: str, body: JSONBody, who: Who) -> Doc:
        return emu.update_connection(name, body, who)

    @app.delete(f"{base}/connections/{{name}}", tags=["connections"], status_code=204)
    def delete_connection(name: str, who: Who) -> Response:
        emu.delete_connection(name, who)
        return Response(status_code=204)

    @app.post(f"{base}/connections/{{name}}/test", tags=["connections"])
    def test_connection(name: str, who: Who) -> Doc:
        return emu.test_connection(name, who)

    @app.post(f"{base}/jobs", tags=["jobs"], status_code=201)
    def create_job(body: JSONBody, who: Who) -> Doc:
        return _public(emu.create_job(body, who))

    @app.get(f"{base}/jobs", tags=["jobs"])
    def list_jobs(
        who: Who,
        request: Request,
    ) -> Doc:
        types = request.query_params.getlist("type")
        health = request.query_params.getlist("healthStatus")
        return {"values": [_public(d) for d in emu.list_jobs(types, health, who)]}

    @app.get(f"{base}/jobs/{{job_id}}", tags=["jobs"])
    def get_job(job_id: str, who: Who) -> Doc:
        return _public(emu.job(job_id, who))

    @app.get(f"{base}/jobs/{{job_id}}/status", tags=["jobs"])
    def get_job_status(job_id: str, who: Who) -> Doc:
        doc = emu.job(job_id, who)
        return {
            "executionStatus": doc["executionStatus"],
            "health": doc.get("health"),
            "id": doc["id"],
        }

    @app.put(f"{base}/jobs/{{job_id}}", tags=["jobs"])
    def update_job(job_id: str, body: JSONBody, who: Who) -> Doc:
        return _public(emu.update_job(job_id, body, who))

    @app.post(f"{base}/jobs/{{job_id}}/reset", tags=["jobs"])
    def reset_job(job_id: str, who: Who) -> Doc:
        return _public(emu.reset_job(job_id, who))

    @app.post(f"{base}/tables", tags=["tables"], status_code=201)
    def create_table(body: JSONBody, who: Who) -> Doc:
        return emu.create_table(body, who)

    @app.get(f"{base}/tables", tags=["tables"])
    def list_tables(who: Who) -> Doc:
        emu.require(who, "ManageTables")
        return {"values": emu.store.list_tables()}

    @app.get(f"{base}/tables/{{name}}", tags=["tables"])
    def get_table(name: str, who: Who) -> Doc:
        return emu.get_table(name, who)

    # --- admin, outside the Polaris paths (loopback only, no auth) ---------------------------

    @app.get("/_emulator/health", tags=["admin"])
    def health() -> Doc:
        return {"status": "ok", "projectId": config.project_id}

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
    def put_faults(update: FaultsUpdate) -> Doc:
        changes = update.model_dump(exclude_unset=True)
        emu.faults = Faults(**{**asdict(emu.faults), **changes})
        if "seed" in changes:
            emu.rng = random.Random(emu.faults.seed)
        return asdict(emu.faults)

    @app.post("/_emulator/wipe", tags=["admin"])
    def wipe() -> Doc:
        emu.store.wipe()
        return {"status": "wiped"}

    return app
