"""Polaris' ErrorResponse: how the emulator refuses a request."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from polaris_pulumi._contract import STRICT
from polaris_pulumi._problems import Path, Problem, problems_from_validation_error

# ErrorResponse.code per status: the contract names no codes, so these are ours (assumption).
ERROR_CODES = {
    400: "BadArgument",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


class PolarisAPIError(Exception):
    """Rendered as the contract's ErrorResponse; `details` are field-level ErrorResponses."""

    def __init__(
        self,
        status: int,
        message: str,
        details: list[Problem] | None = None,
        *,
        target: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []
        self.target = target

    def body(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "code": ERROR_CODES.get(self.status, "Error"),
            "message": self.message,
        }
        if self.target:
            doc["target"] = self.target
        if self.details:
            doc["details"] = [
                {"code": "InvalidValue", "message": p.message, "target": p.api_field}
                for p in self.details
            ]
        return doc


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        PolarisAPIError(status, message).body(), status_code=status, headers=headers
    )


def invalid(what: str, problems: list[Problem]) -> PolarisAPIError:
    """A 400 naming the first problem, with every problem in its details."""
    first = problems[0]
    return PolarisAPIError(400, f"Invalid {what}: {first.api_field} {first.message}", problems)


# Properties whose value a refusal never quotes back (a password of the wrong type, say).
SECRET_PROPERTIES = frozenset({"secrets", "password", "key", "key_password", "keystore"})


def parse(model: type[BaseModel], body: Any, what: str) -> Any:
    """Strict parse of a request body: unknown keys and wrong types are a 400, which quotes
    the value given except under a secret property."""
    try:
        return model.model_validate(body, context=STRICT)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, SECRET_PROPERTIES)
        raise PolarisAPIError(
            400,
            f"Invalid {what}: " + "; ".join(f"{p.api_field} {p.message}" for p in problems),
            problems,
        ) from None


def bad(path: Path, message: str) -> list[Problem]:
    """One refusal of the field at `path`, in the server's words."""
    return [Problem(path, message)]


def when(failed: bool, path: Path, message: str) -> list[Problem]:
    """A refusal of the field at `path` if the check `failed`, else none."""
    return bad(path, message) if failed else []
