"""What every request passes before its route, in this order: the Host it is addressed to
(the emulator's own names only: DNS rebinding), the Origin of an admin request (loopback's or
the emulator's own: no web page may wipe it), the admin token for the admin endpoints, the
caller's credentials for the API (before its body is read), a bound on the body's size, the
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
from polaris_pulumi.emulator.api._errors import PolarisAPIError, error_response
from polaris_pulumi.emulator.api._http import path_template

ADMIN_PREFIX = "/_emulator/"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_BODY = 4 * 1024 * 1024  # bytes: far more than any Polaris object; a bigger body is a 413


def _hostname(value: str) -> str:
    """The host name of a Host header or an Origin, without scheme, port or brackets."""
    value = value.split("://", 1)[-1].split("/", 1)[0].lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def refusal(core: Core, request: Request, admin: bool) -> Response | None:
    """A request addressed to a name that is not the emulator's, or an admin request from a
    web page of another origin (a cross-origin form POST to /_emulator/wipe), is a 403."""
    hosts = core.config.allowed_hosts
    host = _hostname(request.headers.get("host", ""))
    if hosts is not None and host not in hosts:
        return error_response(
            403, f"Host {host!r} is not a name this emulator serves: use {sorted(hosts)[0]}"
        )
    origin = request.headers.get("origin")
    if admin and origin is not None and _hostname(origin) not in (hosts or LOOPBACK_NAMES):
        return error_response(403, "The emulator's admin endpoints refuse cross-origin requests")
    return None


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
        refused = refusal(self.core, request, admin)
        if admin and refused is None:
            refused = admin_refusal(self.core, request)
        if refused is None and path.startswith("/v1/"):
            refused = self._unauthenticated(request) or _too_big(request)
        if refused is not None:
            await refused(scope, receive, send)
            return
        if not path.startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        receive = _bounded(receive)
        key = f"{request.method} {path_template(path)}"
        self.core.count("received", key)
        if (faulted := await self._fault()) is not None:
            await faulted(scope, receive, send)
            return
        self.core.count("handled", key)
        lossy = request.method in WRITE_METHODS and not path.endswith("/test")
        await self.app(scope, receive, self._losing(scope, receive, send) if lossy else send)

    def _unauthenticated(self, request: Request) -> Response | None:
        """The caller's credentials, checked before the body is read (an anonymous 15 MB
        body costs nothing)."""
        try:
            self.core.auth.authenticate(request.headers.get("authorization", ""))
        except PolarisAPIError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        return None

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


def _too_big(request: Request) -> Response | None:
    length = request.headers.get("content-length", "0")
    if length.isdigit() and int(length) <= MAX_BODY:
        return None
    if not length.isdigit():
        return error_response(400, "Content-Length is not a number of bytes")
    return error_response(413, f"The request body is over {MAX_BODY} bytes")


def _bounded(receive: Receive) -> Receive:
    """The body as it arrives, refused once it passes `MAX_BODY` (a chunked body declares no
    length)."""
    seen = 0

    async def receiving() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > MAX_BODY:
            raise PolarisAPIError(413, f"The request body is over {MAX_BODY} bytes")
        return message

    return receiving
