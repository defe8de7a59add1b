"""Push streaming's events endpoint (`POST /events/{connectionName}`): newline-delimited JSON
for a `push_streaming` connection, kept in order whole or not at all (`ingest._push`); each
streaming job on the connection reads it. Answers as the SDK's operation: 200 with no body,
400, 404 (and 429 from the fault injection)."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from polaris_pulumi.emulator.api._core import Core
from polaris_pulumi.emulator.api._errors import PolarisAPIError
from polaris_pulumi.emulator.api._http import BASE, Who

# The media types the SDK's operation sends (a bytes body: octet-stream; else JSON).
MEDIA_TYPES = ("application/json", "application/octet-stream")


class Events:
    def __init__(self, core: Core) -> None:
        self.core = core

    def push(self, name: str, payload: bytes, media: str) -> int:
        """Keep the payload's events for the connection; how many it now holds."""
        if media not in MEDIA_TYPES:
            raise PolarisAPIError(
                415, f"Content-Type must be one of {', '.join(MEDIA_TYPES)} (got {media!r})"
            )
        record = self.core.store.get_connection(name)
        if record is None:
            raise PolarisAPIError(404, f"Connection '{name}' not found")
        if record.kind != "push_streaming":
            raise PolarisAPIError(
                400,
                f"Connection '{name}' is a {record.kind} connection: events are pushed to a "
                "push_streaming connection",
                target="connectionName",
            )
        from polaris_pulumi.emulator.ingest import _push  # DuckDB, when first needed

        try:
            lines = _push.events(payload)
        except _push.BadEvents as exc:
            raise PolarisAPIError(400, f"Events not accepted: {exc}", target="body") from None
        return _push.append(self.core.rows, name, lines, int(self.core.now() * 1000))


def routes(app: FastAPI, api: Events) -> None:
    @app.post(f"{BASE}/events/{{name}}", tags=["events"])
    async def push_events(name: str, request: Request, who: Who) -> Response:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        payload = await request.body()
        await run_in_threadpool(api.push, name, payload, media)  # the stores block
        return Response(status_code=200)
