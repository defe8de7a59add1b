"""Reading Polaris' answers so that nothing a server sends can hang, exhaust or crash the
client: the body is read within a deadline per attempt and up to a size, and a body that is
not the contract's JSON is a `MalformedResponseError` saying what came back."""

from __future__ import annotations

import json
import time
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from polaris_pulumi._exceptions import MalformedResponseError, ResponseTooLargeError, TransportError

M = TypeVar("M", bound=BaseModel)
MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # far more than any Polaris answer (lists are paged)


def segment(name: str) -> str:
    """A name as one path segment: percent-encoded, and `.` and `..` too (a URL would
    otherwise read them as "this" and "the parent")."""
    if name in (".", ".."):
        return name.replace(".", "%2E")
    return quote(name, safe="")


def read(
    response: httpx.Response, what: str, deadline: float, limit: int = MAX_RESPONSE_BYTES
) -> bytes:
    """The body of a streamed response, by `deadline` (a monotonic time: a server that drips
    its answer cannot hold the client) and at most `limit` bytes."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise ResponseTooLargeError(
                f"{what}: the answer is over {limit:,} bytes, more than the client reads "
                "(max_response_bytes)"
            )
        if time.monotonic() > deadline:
            raise TransportError(
                f"{what}: the answer did not arrive within the client's timeout; "
                "transient failures are retried.",
                reason="ReadDeadline",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def loads(body: bytes, what: str) -> Any:
    """The answer as JSON, or a `MalformedResponseError` that shows its start."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedResponseError(f"{what}: the answer is not JSON: {_start(body)}") from None


def model(payload: Any, into: type[M], what: str) -> M:
    """The answer as the contract's model, or a `MalformedResponseError` naming the first
    field that is not what it should be."""
    try:
        return into.model_validate(payload)
    except (ValidationError, RecursionError) as exc:
        where = "the answer"
        if isinstance(exc, ValidationError) and exc.errors():
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or where
            reason = first["msg"]
        else:
            reason = "it nests too deeply"
        raise MalformedResponseError(
            f"{what}: the answer is not a {into.__name__}: {where}: {reason}"
        ) from None


def _start(body: bytes) -> str:
    text = body[:120].decode("utf-8", "replace")
    return repr(text) + ("..." if len(body) > 120 else "")
