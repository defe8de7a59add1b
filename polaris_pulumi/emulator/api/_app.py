"""The emulator app: Polaris' Connections v1, Jobs v1 and Tables on its published contract,
its fault injector, and its admin endpoints.

Shapes, methods and status codes follow Imply's official SDK (`polaris-sdk`, generated from
Polaris' OpenAPI spec); `tests/test_conformance.py` drives the emulator with that SDK. Where the
contract is silent the emulator follows the docs, and docs/emulator.md lists each such choice.
It imports nothing of Pulumi or of the providers (tests/test_layout.py holds it to that).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from polaris_pulumi.emulator.api import _connections, _events, _jobs, _lookups, _query, _tables
from polaris_pulumi.emulator.api._auth import ALL_PERMISSIONS
from polaris_pulumi.emulator.api._core import (
    Core,
    EmulatorConfig,
    Faults,
    SettableClock,
)
from polaris_pulumi.emulator.api._errors import PolarisAPIError, error_response
from polaris_pulumi.emulator.api._gate import Gate
from polaris_pulumi.emulator.api._http import Body
from polaris_pulumi.emulator.ingest._readers import Feed
from polaris_pulumi.emulator.state._store import StoreBusy

__all__ = ["ALL_PERMISSIONS", "EmulatorConfig", "Faults", "create_app"]


def create_app(config: EmulatorConfig) -> FastAPI:
    core = Core(config)
    tables = _tables.Tables(core)
    jobs = _jobs.Jobs(core, tables)
    kafka = config.kafka_broker is not None
    feed = Feed(core.store, lambda: core.rows, jobs.all, core.now, kafka=kafka)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        feed.start()
        yield
        feed.stop()
        core.close()

    app = FastAPI(
        title="Polaris emulator",
        description="Local stand-in for the Imply Polaris Connections v1, Jobs v1 and Tables APIs.",
        version="1",
        lifespan=lifespan,
    )
    app.state.core = core
    _install_middleware(app, core)
    _install_admin(app, core)
    _install_lag(app, core, jobs)
    _connections.routes(app, _connections.Connections(core, jobs))
    _events.routes(app, _events.Events(core))
    _lookups.routes(app, _lookups.Lookups(core))
    _jobs.routes(app, jobs)
    _tables.routes(app, tables)
    _query.routes(app, _query.Query(core))
    return app


def _install_middleware(app: FastAPI, core: Core) -> None:
    @app.exception_handler(PolarisAPIError)
    async def _polaris_error(_: Request, exc: PolarisAPIError) -> Response:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return error_response(exc.status_code, str(exc.detail))

    @app.exception_handler(StoreBusy)
    async def _busy(_: Request, exc: StoreBusy) -> Response:
        message = "The emulator's database is busy (another process holds it): retry shortly"
        return error_response(503, message, {"Retry-After": "1"})

    app.add_middleware(Gate, core=core)


def _install_lag(app: FastAPI, core: Core, jobs: _jobs.Jobs) -> None:
    @app.get("/_emulator/lag", tags=["admin"])
    def lag() -> dict[str, Any]:
        """Per reading job, the records its table has not ingested yet: pushed events, and
        Kafka records with a broker."""
        from polaris_pulumi.emulator.ingest import _push  # DuckDB, when first asked

        every = jobs.all()
        found: dict[str, int | None] = dict(_push.lag(core.store, lambda: core.rows, every))
        if core.config.kafka_broker:
            from polaris_pulumi.emulator.ingest._lag import lag as kafka_lag

            found |= kafka_lag(core.store, core.rows, every)
        return {"jobs": found}


def _install_admin(app: FastAPI, core: Core) -> None:
    """Admin endpoints, outside the Polaris paths: open on loopback, behind the admin token
    when one is set (always, off loopback)."""

    @app.get("/_emulator/health", tags=["admin"])
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "projectId": core.config.project_id,
            "kafka": "broker" if core.config.kafka_broker else "simulated",
        }

    @app.get("/_emulator/counters", tags=["admin"])
    def counters() -> dict[str, Any]:
        return core.counters()

    @app.post("/_emulator/counters/reset", tags=["admin"])
    def reset_counters() -> dict[str, Any]:
        core.reset_counters()
        return core.counters()

    @app.get("/_emulator/faults", tags=["admin"])
    def get_faults() -> dict[str, Any]:
        return asdict(core.faults)

    @app.put("/_emulator/faults", tags=["admin"])
    def put_faults(changes: Body) -> Response:
        """Change some faults; any key that is not one is a 422 naming it."""
        try:
            core.faults = Faults(**{**asdict(core.faults), **dict(changes or {})})
        except (ValidationError, TypeError, ValueError) as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        if "seed" in changes:
            core.rng = random.Random(core.faults.seed)
        return JSONResponse(asdict(core.faults))

    @app.post("/_emulator/clock", tags=["admin"])
    def advance_clock(changes: Body) -> Response:
        """Move the emulator's clock forward by `{"advance": seconds}` (with --settable-clock)."""
        clock = core.config.clock
        if not isinstance(clock, SettableClock):
            detail = "the emulator's clock is the system's: start it with --settable-clock"
            return JSONResponse({"detail": detail}, status_code=404)
        seconds = changes.get("advance") if isinstance(changes, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            return JSONResponse({"detail": 'give {"advance": seconds}'}, status_code=422)
        try:
            return JSONResponse({"now": clock.advance(float(seconds))})
        except ValueError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.post("/_emulator/wipe", tags=["admin"])
    def wipe() -> dict[str, Any]:
        core.store.wipe()
        core.rows.wipe()
        return {"status": "wiped"}
