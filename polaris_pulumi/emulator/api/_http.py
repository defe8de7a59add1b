"""What every route shares: the JSON body, who is asking, and the project in the path."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request

from polaris_pulumi.emulator.api._auth import Principal
from polaris_pulumi.emulator.api._core import Core
from polaris_pulumi.emulator.api._errors import PolarisAPIError

MAX_DEPTH = 64  # objects and arrays within each other: far more than any Polaris body has


async def json_body(request: Request) -> Any:
    """A JSON request body: 415 for another media type, 400 when it does not parse, nests
    deeper than `MAX_DEPTH`, or holds a string that is not Unicode text (a lone surrogate,
    which no store or header can encode). Its size is bounded before it is read (`_gate`)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise PolarisAPIError(
            415, f"Content-Type must be application/json (got {media or 'none'!r})"
        )
    try:
        value = json.loads(await request.body())
    except RecursionError:
        raise PolarisAPIError(
            400, f"The request body nests deeper than {MAX_DEPTH} levels"
        ) from None
    except ValueError:
        raise PolarisAPIError(400, "The request body is not valid JSON") from None
    if (problem := _unfit(value)) is not None:
        raise PolarisAPIError(400, problem)
    return value


def _unfit(value: Any) -> str | None:
    """Why a parsed body cannot be taken (too deep, or a string that is not text), if so;
    walked without recursion."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            return f"The request body nests deeper than {MAX_DEPTH} levels"
        if isinstance(item, str):
            if not _is_text(item):
                return f"{where or 'The request body'} holds a lone surrogate: send Unicode text"
        elif isinstance(item, dict):
            for key, child in item.items():
                if not _is_text(key):
                    return "A field name holds a lone surrogate: send Unicode text"
                stack.append((child, depth + 1, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            stack.extend((child, depth + 1, f"{where}[{i}]") for i, child in enumerate(item))
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def path_template(path: str) -> str:
    parts = path.strip("/").split("/")
    if len(parts) >= 3 and parts[:2] == ["v1", "projects"]:
        parts[2] = "{projectId}"
    if len(parts) >= 5:
        parts[4] = "{id}"
    return "/" + "/".join(parts)


async def _principal(request: Request, project_id: str) -> Principal:
    core: Core = request.app.state.core
    who = core.auth.authenticate(request.headers.get("authorization", ""))
    if project_id != core.config.project_id:
        raise PolarisAPIError(404, f"Project '{project_id}' not found")
    return who


Who = Annotated[Principal, Depends(_principal)]
Body = Annotated[Any, Depends(json_body)]
BASE = "/v1/projects/{project_id}"


def location(project_id: str, kind: str, name: str) -> str:
    """A created object's Location: its name percent-encoded as a path segment (a header is
    Latin-1; a name need not be)."""
    return f"/v1/projects/{quote(project_id, safe='')}/{kind}/{quote(name, safe='')}"
