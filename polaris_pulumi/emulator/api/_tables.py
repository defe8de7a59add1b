"""Tables: create, read, list and PUT (a table's drop is a `drop_table` job: `_jobs.py`)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from polaris_pulumi._contract import User
from polaris_pulumi._meta import with_defaults
from polaris_pulumi.emulator.api._auth import Principal
from polaris_pulumi.emulator.api._checks import table_checks
from polaris_pulumi.emulator.api._core import Core
from polaris_pulumi.emulator.api._errors import PolarisAPIError, invalid, parse
from polaris_pulumi.emulator.api._http import BASE, Body, Who, location
from polaris_pulumi.emulator.state._lifecycle import iso_micro
from polaris_pulumi.emulator.state._records import TableRecord
from polaris_pulumi.tables._model import QueryableColumn, Table, TableSpec


class Tables:
    def __init__(self, core: Core) -> None:
        self.core = core

    def new_record(self, spec: TableSpec, who: Principal, now: float) -> TableRecord:
        """A table as the server makes it: the spec with its defaults, and what it adds."""
        filled = with_defaults(spec)
        user = User.model_validate(who.user())
        table = Table.model_validate(filled.model_dump()).model_copy(
            update={
                "id": str(uuid.uuid4()),
                "version": 0,
                "availability": "available",
                "queryable_schema": [
                    QueryableColumn(name=c.name, data_type=c.data_type, is_discovered=False)
                    for c in filled.schema_ or []
                ],
                "created_by_user": user,
                "modified_by_user": user,
                "created_on_timestamp": iso_micro(now),
                "modified_on_timestamp": iso_micro(now),
                "segment_count": 0,
                "total_data_size_bytes": 0,
                "total_rows": 0,
            }
        )
        table.__pydantic_extra__ = {"precachedDataSizeBytes": 0}
        return TableRecord(table=table)

    @staticmethod
    def _body(body: Any, *, new: bool) -> tuple[TableSpec, Any]:
        """A TablePayload request: the spec, and the `version` it carries (the SDK always
        sends one: 0 on create, the current one on update)."""
        body = dict(body) if isinstance(body, dict) else {}
        version = body.pop("version", None)
        spec: TableSpec = parse(TableSpec, body, "table")
        if problems := table_checks(spec, new=new):
            raise invalid("table", problems)
        return spec, version

    def create(self, body: Any, who: Principal) -> TableRecord:
        self.core.auth.require(who, "ManageTables")
        spec, version = self._body(body, new=True)
        if version not in (None, 0):
            raise PolarisAPIError(400, "A new table has version 0", target="version")
        with self.core.store.tx():
            if self.core.store.get_table(spec.name):
                raise PolarisAPIError(
                    409, f"A table named '{spec.name}' already exists", target="name"
                )
            record = self.new_record(spec, who, self.core.now())
            self.core.store.put_table(record)
        return record

    def update(self, name: str, body: Any, who: Principal) -> TableRecord:
        """PUT: the whole table (omitted optional fields take their defaults), at its current
        version; name and type cannot change."""
        self.core.auth.require(who, "ManageTables")
        spec, version = self._body(body, new=False)
        with self.core.store.tx():
            old = self.get(name, who).table
            if spec.name != name:
                raise PolarisAPIError(400, "A table's name cannot be changed", target="name")
            if spec.type != old.type:
                raise PolarisAPIError(400, "A table's type cannot be changed", target="type")
            if not isinstance(version, int) or version != old.version:
                raise PolarisAPIError(
                    409,
                    f"Table '{name}' is at version {old.version}, not {version}: read it "
                    "again and retry",
                    target="version",
                )
            record = self.new_record(spec, who, self.core.now())
            record.table = record.table.model_copy(
                update={
                    "id": old.id,
                    "created_by_user": old.created_by_user,
                    "created_on_timestamp": old.created_on_timestamp,
                    "version": (old.version or 0) + 1,
                }
            )
            self.core.store.put_table(record)
        return record

    def get(self, name: str, who: Principal) -> TableRecord:
        self.core.auth.require(who, "ManageTables")
        record = self.core.store.get_table(name)
        if record is None:
            raise PolarisAPIError(404, f"Table '{name}' not found")
        return record

    def measured(self, record: TableRecord) -> TableRecord:
        """The table with what it stores: its rows, their size, and the columns its jobs
        added (discovered)."""
        from polaris_pulumi.emulator.ingest._rows import polaris_type  # DuckDB, when first needed

        table = record.table
        stats = self.core.rows.stats(table.name)
        known = {c.name for c in table.queryable_schema or []}
        added = [
            QueryableColumn(name=n, data_type=polaris_type(duck), is_discovered=n != "__time")
            for n, duck in stats.columns.items()
            if n not in known
        ]
        measured = table.model_copy(
            update={
                "total_rows": stats.rows,
                "total_data_size_bytes": stats.size_bytes,
                "queryable_schema": [*(table.queryable_schema or []), *added],
            }
        )
        measured.__pydantic_extra__ = {"precachedDataSizeBytes": stats.size_bytes}
        return TableRecord(table=measured)

    def list(self, request: Request, who: Principal) -> dict[str, Any]:
        self.core.auth.require(who, "ManageTables")
        tables = [r.table for r in self.core.store.list_tables()]
        if granularity := request.query_params.get("partitioningGranularity"):
            tables = [t for t in tables if t.partitioning_granularity == granularity]
        if (count := request.query_params.get("segmentCount")) is not None:
            tables = [t for t in tables if str(t.segment_count) == count]
        return {
            "values": [self.measured(TableRecord(table=t)).render(summary=True) for t in tables]
        }


def routes(app: FastAPI, api: Tables) -> None:
    @app.post(f"{BASE}/tables", tags=["tables"], status_code=201)
    def create_table(body: Body, who: Who, project_id: str) -> Response:
        record = api.create(body, who)
        where = location(project_id, "tables", record.table.name)
        return JSONResponse(record.render(), status_code=201, headers={"Location": where})

    @app.get(f"{BASE}/tables", tags=["tables"])
    def list_tables(who: Who, request: Request) -> dict[str, Any]:
        return api.list(request, who)

    @app.get(f"{BASE}/tables/{{name}}", tags=["tables"])
    def get_table(name: str, who: Who) -> dict[str, Any]:
        return api.measured(api.get(name, who)).render()

    @app.put(f"{BASE}/tables/{{name}}", tags=["tables"])
    def update_table(name: str, body: Body, who: Who) -> dict[str, Any]:
        return api.measured(api.update(name, body, who)).render()
