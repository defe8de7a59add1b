"""What every route shares: the JSON body, who is asking, and the project in the path."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from polaris_pulumi.emulator.api._auth import Principal
from polaris_pulumi.emulator.api._core import Core
from polaris_pulumi.emulator.api._errors import PolarisAPIError


async def json_body(request: Request) -> Any:
    """A JSON request body: 415 for another media type, 400 when it does not parse."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise PolarisAPIError(
            415, f"Content-Type must be application/json (got {media or 'none'!r})"
        )
    try:
        return json.loads(await request.body())
    except ValueError:
        raise PolarisAPIError(400, "The request body is not valid JSON") from None


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
