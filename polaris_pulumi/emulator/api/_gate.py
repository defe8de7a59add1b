"""What every request passes before its route: the admin token for the admin endpoints, the
request counters, and the fault injector (latency, 429/503/500, a write whose answer is lost).

A plain ASGI middleware, not Starlette's `BaseHTTPMiddleware`: that one hides a client's
disconnect from the route, and the query API cancels a query whose client went away.
"""

from __future__ import annotations

import asyncio
import secrets

from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from polaris_pulumi.emulator.api._core import WRITE_METHODS, Core
from polaris_pulumi.emulator.api._errors import error_response
from polaris_pulumi.emulator.api._http import path_template

ADMIN_PREFIX = "/_emulator/"


def admin_refusal(core: Core, request: Request) -> Response | None:
    """With an admin token (required off loopback), the admin endpoints want it as a bearer
    token; health stays open, for readiness checks."""
    token = core.config.admin_token
    if token is None:
        return None
    given = request.headers.get("authorization", "")
    if secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return None
    return JSONResponse(
        {"detail": "the emulator's admin endpoints need its admin token (Authorization: Bearer)"},
        status_code=401,
    )


class Gate:
    """The middleware: counts and faults for the Polaris paths, the token for the admin ones."""

    def __init__(self, app: ASGIApp, core: Core) -> None:
        self.app, self.core = app, core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        admin = path.startswith(ADMIN_PREFIX) and path != f"{ADMIN_PREFIX}health"
        if admin and (refused := admin_refusal(self.core, request)):
            await refused(scope, receive, send)
            return
        if not path.startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        key = f"{request.method} {path_template(path)}"
        self.core.count("received", key)
        if (faulted := await self._fault()) is not None:
            await faulted(scope, receive, send)
            return
        self.core.count("handled", key)
        lossy = request.method in WRITE_METHODS and not path.endswith("/test")
        await self.app(scope, receive, self._losing(scope, receive, send) if lossy else send)

    async def _fault(self) -> Response | None:
        f = self.core.faults
        if f.latency_ms > 0:
            await asyncio.sleep(f.latency_ms / 1000)
        roll = self.core.rng.random()
        if roll < f.rate_429:
            return error_response(
                429, "API rate limit exceeded", {"Retry-After": f"{f.retry_after_seconds:g}"}
            )
        if roll < f.rate_429 + f.rate_503:
            return error_response(503, "Service unavailable")
        if roll < f.rate_429 + f.rate_503 + f.rate_500:
            return error_response(500, "Internal server error")
        return None

    def _losing(self, scope: Scope, receive: Receive, send: Send) -> Send:
        """A write's answer that may be lost on the way back: the write is committed, and the
        client gets a 504 (or 500) instead of it."""
        lost = False

        async def sending(message: Message) -> None:
            nonlocal lost
            if message["type"] == "http.response.start" and message["status"] < 300:
                f = self.core.faults
                if self.core.rng.random() < f.lost_write_rate:
                    lost = True
                    if f.lost_write_status == 500:
                        answer = error_response(500, "Internal server error")
                    else:
                        answer = error_response(504, "upstream request timeout")
                    await answer(scope, receive, send)
                    return
            if not lost:
                await send(message)

        return sending
