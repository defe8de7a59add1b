"""Lookups v1: create, read, list, change (`POST /lookups/{name}`), delete, and a lookup's
aliases. A lookup's source is one of the project's tables, partitioned by ALL (Polaris'
docs: a lookup table is); LOOKUP in queries and mappings reads it (`ingest._lookups`). Where
the SDK lists no 404 (get, the aliases), an unknown lookup is a 400, as it says."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse

from polaris_pulumi._contract import PolarisModel
from polaris_pulumi._problems import Problem
from polaris_pulumi.emulator.api._auth import Principal
from polaris_pulumi.emulator.api._core import Core
from polaris_pulumi.emulator.api._errors import PolarisAPIError, invalid, parse
from polaris_pulumi.emulator.api._http import BASE, Body, Who, location
from polaris_pulumi.lookups._model import Lookup, LookupAlias, LookupSource


class _Create(PolarisModel):
    name: str
    source: LookupSource


class _Update(PolarisModel):
    source: LookupSource


class _Aliases(PolarisModel):
    values: list[LookupAlias]


class Lookups:
    def __init__(self, core: Core) -> None:
        self.core = core

    def _source(self, source: LookupSource) -> None:
        table = self.core.store.get_table(source.table_name)
        at = ("source", "table_name")
        if table is None:
            raise invalid("lookup", [Problem(at, f"table {source.table_name!r} does not exist")])
        if table.table.partitioning_granularity != "all":
            message = "a lookup table must be partitioned by ALL granularity"
            raise invalid("lookup", [Problem(at, message)])

    def get(self, name: str, who: Principal, *, missing: int = 400) -> Lookup:
        self.core.auth.require(who, "ManageTables")
        found = self.core.store.get_lookup(name)
        if found is None:
            raise PolarisAPIError(missing, f"Lookup '{name}' not found")
        return found

    def create(self, body: Any, who: Principal) -> Lookup:
        self.core.auth.require(who, "ManageTables")
        request: _Create = parse(_Create, body, "lookup")
        if not request.name.strip() or any(c in request.name for c in "[]'"):
            raise invalid("lookup", [Problem(("name",), "must not be empty or hold [, ] or '")])
        with self.core.store.tx():
            if self.core.store.get_lookup(request.name) is not None:
                raise PolarisAPIError(409, f"A lookup named '{request.name}' already exists")
            self._source(request.source)
            lookup = Lookup(name=request.name, source=request.source, aliases=[])
            self.core.store.put_lookup(lookup)
        return lookup

    def update(self, name: str, body: Any, who: Principal) -> Lookup:
        request: _Update = parse(_Update, body, "lookup")
        with self.core.store.tx():
            lookup = self.get(name, who, missing=404)
            self._source(request.source)
            lookup = lookup.model_copy(update={"source": request.source})
            self.core.store.put_lookup(lookup)
        return lookup

    def delete(self, name: str, who: Principal) -> None:
        with self.core.store.tx():
            self.get(name, who, missing=404)
            self.core.store.delete_lookup(name)

    def set_aliases(self, name: str, body: Any, who: Principal) -> list[LookupAlias]:
        """Replace the lookup's aliases; an alias name is unique in the project."""
        request: _Aliases = parse(_Aliases, body, "lookup aliases")
        with self.core.store.tx():
            lookup = self.get(name, who)
            taken = {
                a.name: other.name
                for other in self.core.store.list_lookups()
                if other.name != name
                for a in other.aliases or []
            }
            seen: set[str] = set()
            for i, alias in enumerate(request.values):
                if alias.name in seen or alias.name in taken:
                    owner = taken.get(alias.name, name)
                    message = f"alias {alias.name!r} is taken (by lookup {owner!r})"
                    raise invalid("lookup aliases", [Problem(("values", i, "name"), message)])
                seen.add(alias.name)
            self.core.store.put_lookup(lookup.model_copy(update={"aliases": request.values}))
        return request.values


def _shown(lookup: Lookup) -> dict[str, Any]:
    """LookupResponse: the name and source (the aliases are their own call)."""
    return lookup.model_copy(update={"aliases": None}).to_api()


def routes(app: FastAPI, api: Lookups) -> None:
    @app.get(f"{BASE}/lookups", tags=["lookups"])
    def list_lookups(who: Who) -> dict[str, Any]:
        api.core.auth.require(who, "ManageTables")
        return {"values": [_shown(lookup) for lookup in api.core.store.list_lookups()]}

    @app.post(f"{BASE}/lookups", tags=["lookups"], status_code=201)
    def create_lookup(body: Body, who: Who, project_id: str) -> Response:
        lookup = api.create(body, who)
        where = location(project_id, "lookups", lookup.name)
        return JSONResponse(_shown(lookup), status_code=201, headers={"Location": where})

    @app.get(f"{BASE}/lookups/{{name}}", tags=["lookups"])
    def get_lookup(name: str, who: Who) -> dict[str, Any]:
        return _shown(api.get(name, who))

    @app.post(f"{BASE}/lookups/{{name}}", tags=["lookups"])
    def update_lookup(name: str, body: Body, who: Who) -> dict[str, Any]:
        return _shown(api.update(name, body, who))

    @app.delete(f"{BASE}/lookups/{{name}}", tags=["lookups"])
    def delete_lookup(name: str, who: Who) -> Response:
        api.delete(name, who)
        return Response(status_code=200)

    @app.get(f"{BASE}/lookups/{{name}}/aliases", tags=["lookups"])
    def list_lookup_aliases(name: str, who: Who) -> dict[str, Any]:
        return {"values": [a.to_api() for a in api.get(name, who).aliases or []]}

    @app.put(f"{BASE}/lookups/{{name}}/aliases", tags=["lookups"])
    def update_lookup_aliases(name: str, body: Body, who: Who) -> dict[str, Any]:
        return {"values": [a.to_api() for a in api.set_aliases(name, body, who)]}
