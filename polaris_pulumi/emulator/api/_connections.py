"""Connections v1: create, read, list, PATCH, delete and test, for every type the package
manages (`polaris_pulumi._kinds.CONNECTION_TYPES`), and the deprecated `confluent` secrets
type."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from polaris_pulumi._kinds import (
    CONNECTION_TYPES,
    CONNECTIONS_BY_TYPE,
    connection_type,
    parse_connection,
)
from polaris_pulumi._meta import with_defaults
from polaris_pulumi.connections._any import AnySpec
from polaris_pulumi.emulator.api._auth import Principal
from polaris_pulumi.emulator.api._checks import connection_checks
from polaris_pulumi.emulator.api._core import Core
from polaris_pulumi.emulator.api._errors import PolarisAPIError, invalid, parse
from polaris_pulumi.emulator.api._http import BASE, Body, Who, location
from polaris_pulumi.emulator.api._jobs import Jobs
from polaris_pulumi.emulator.state._lifecycle import iso_micro
from polaris_pulumi.emulator.state._records import ConnectionRecord


def _legacy(body: Any) -> tuple[Any, dict[str, str] | None]:
    """The deprecated `confluent` secrets type ({key, secret}) read as sasl_plain, and what
    responses show of it."""
    secrets = body.get("secrets") if isinstance(body, dict) else None
    if not isinstance(secrets, dict) or secrets.get("type") != "confluent":
        return body, None
    if set(secrets) - {"type", "key", "secret"} or not secrets.get("key"):
        raise PolarisAPIError(400, "secrets of type confluent take key and secret")
    plain = {"type": "sasl_plain", "username": secrets["key"], "password": secrets.get("secret")}
    return {**body, "secrets": plain}, {"type": "confluent", "key": secrets["key"]}


class Connections:
    def __init__(self, core: Core, jobs: Jobs) -> None:
        self.core, self.jobs = core, jobs

    def _spec(self, body: Any, *, create: bool) -> tuple[AnySpec, dict[str, str] | None]:
        managed = connection_type(body)
        if managed is None:
            kind = body.get("type") if isinstance(body, dict) else None
            known = ", ".join(repr(c.name) for c in CONNECTION_TYPES)
            raise PolarisAPIError(
                400,
                f"Connection type {kind!r} is not modelled by the emulator (it models {known})",
                target="type",
            )
        body, legacy = _legacy(body)
        spec: AnySpec = parse(managed.spec, body, "connection")
        if problems := connection_checks(spec, create=create):
            raise invalid("connection", problems)
        return spec, legacy

    def _record(
        self, spec: AnySpec, legacy: dict[str, str] | None, who: Principal, stamps: dict[str, Any]
    ) -> ConnectionRecord:
        doc = with_defaults(spec).without_password() | stamps
        doc |= {"modifiedByUser": who.user(), "modifiedOnTimestamp": iso_micro(self.core.now())}
        if legacy:
            doc["secrets"] = legacy
        return ConnectionRecord(connection=parse_connection(doc))

    def create(self, body: Any, who: Principal, base_url: str = "") -> ConnectionRecord:
        self.core.auth.require(who, "ManageConnections")
        spec, legacy = self._spec(body, create=True)
        stamps = {"submittedByUser": who.user(), "submittedOnTimestamp": iso_micro(self.core.now())}
        if spec.type == "push_streaming":  # where its events go (kept by updates)
            project = self.core.config.project_id
            stamps["endpointUrl"] = base_url + location(project, "events", spec.name)
        with self.core.store.tx():
            if self.core.store.get_connection(spec.name):
                raise PolarisAPIError(
                    409, f"A connection named '{spec.name}' already exists", target="name"
                )
            record = self._record(spec, legacy, who, stamps)
            self.core.store.put_connection(record)
            self.core.store.put_password(spec.name, spec.password())
        return record

    def get(self, name: str, who: Principal) -> ConnectionRecord:
        self.core.auth.require(who, "ManageConnections")
        record = self.core.store.get_connection(name)
        if record is None:
            raise PolarisAPIError(404, f"Connection '{name}' not found")
        return record

    def update(self, name: str, body: Any, who: Principal) -> ConnectionRecord:
        """PATCH: `type` required and unchangeable, no `name`; omitted fields are kept, and
        `secrets` is replaced whole (a password left out keeps the stored one)."""
        if not isinstance(body, dict) or "type" not in body:
            raise PolarisAPIError(400, "Invalid connection update: type is required", target="type")
        if "name" in body:
            raise PolarisAPIError(
                400,
                "A connection's name cannot be changed (name is not part of an update)",
                target="name",
            )
        with self.core.store.tx():
            old = self.get(name, who)
            if body["type"] != old.kind:
                raise PolarisAPIError(400, "A connection's type cannot be changed", target="type")
            fields = {
                f.alias or n for n, f in CONNECTIONS_BY_TYPE[old.kind].spec.model_fields.items()
            }
            kept = {k: v for k, v in old.connection.to_api().items() if k in fields}
            spec, legacy = self._spec(kept | body | {"name": name}, create=False)
            stamps = {k: v for k, v in old.connection.to_api().items() if k not in fields}
            record = self._record(spec, legacy, who, stamps)
            self.core.store.put_connection(record)
            if spec.password():
                self.core.store.put_password(name, spec.password())
        return record

    def delete(self, name: str, who: Principal) -> None:
        with self.core.store.tx():
            record = self.get(name, who)
            for job in self.jobs.users(name):
                raise PolarisAPIError(
                    400,
                    f"Connection '{name}' is used by job {job.id} "
                    f"({job.execution_status}); cancel the job first",
                    target="name",
                )
            self.core.store.delete_connection(name)
        if record.kind == "push_streaming":
            from polaris_pulumi.emulator.ingest import _push  # DuckDB, when first needed

            _push.forget(self.core.rows, name)  # its events, and the tables' place in them

    def test(self, name: str, who: Principal) -> None:
        """Passes silently; a failure is a 400 whose details say what failed."""
        record = self.get(name, who)
        if problems := self.jobs.reach_problems(record.connection):
            raise PolarisAPIError(
                400,
                f"Connection test failed: {'; '.join(p.message for p in problems)}",
                problems,
                target=name,
            )


def routes(app: FastAPI, api: Connections) -> None:
    @app.post(f"{BASE}/connections", tags=["connections"], status_code=201)
    def create_connection(body: Body, who: Who, project_id: str, request: Request) -> Response:
        record = api.create(body, who, str(request.base_url).rstrip("/"))
        where = location(project_id, "connections", record.connection.name)
        return JSONResponse(record.render(), status_code=201, headers={"Location": where})

    @app.get(f"{BASE}/connections", tags=["connections"])
    def list_connections(who: Who) -> dict[str, Any]:
        api.core.auth.require(who, "ManageConnections")
        return {"values": [r.render() for r in api.core.store.list_connections()]}

    @app.get(f"{BASE}/connections/{{name}}", tags=["connections"])
    def get_connection(name: str, who: Who) -> dict[str, Any]:
        return api.get(name, who).render()

    @app.patch(f"{BASE}/connections/{{name}}", tags=["connections"])
    def update_connection(name: str, body: Body, who: Who) -> dict[str, Any]:
        return api.update(name, body, who).render()

    @app.delete(f"{BASE}/connections/{{name}}", tags=["connections"])
    def delete_connection(name: str, who: Who) -> Response:
        api.delete(name, who)
        return Response(status_code=200)

    @app.post(f"{BASE}/connections/{{name}}/test", tags=["connections"])
    def test_connection(name: str, who: Who) -> Response:
        api.test(name, who)
        return Response(status_code=200)
