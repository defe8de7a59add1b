"""Typed errors of the Polaris client.

Messages say what failed and what to do. They are built from the method, the path and
the server's message only, never from request bodies or headers, so they cannot carry the
API key or a Kafka password.
"""

from __future__ import annotations

from typing import Any

# How to fix the endpoint, for every message that blames it.
URL_HINT = (
    "Check polaris:url (`pulumi config set polaris:url https://ORG.REGION.CLOUD.api.imply.io`) "
    "or POLARIS_URL"
)


class PolarisError(Exception):
    """Base of every error this package raises."""


class DeclarationError(PolarisError, ValueError):
    """A program declares something Polaris cannot hold (e.g. two streaming jobs on one table)."""


class ConfigurationError(PolarisError):
    """The client is missing a setting (API key, project id, URL) or has an unsafe one."""


class TransportError(PolarisError):
    """No HTTP response: connection refused or reset, DNS, timeouts. `permanent`: retrying
    cannot help (the host name does not resolve)."""

    def __init__(self, message: str, *, reason: str = "", permanent: bool = False) -> None:
        super().__init__(message)
        self.reason = reason  # what failed, e.g. ConnectError
        self.permanent = permanent


class MalformedResponseError(PolarisError):
    """An answer that is not what the contract says: not JSON, or JSON of another shape. The
    message says what came back (its start)."""


class ResponseTooLargeError(PolarisError):
    """An answer bigger than the client reads (`max_response_bytes`)."""


class WaitTimeoutError(PolarisError):
    """A wait for a job status ran past its deadline."""


class JobFailedError(PolarisError):
    """A job failed (or ended, or reported health `error`) while we waited for it to start."""

    def __init__(self, message: str, job: Any = None) -> None:
        super().__init__(message)
        self.job = job


class PolarisProviderError(PolarisError):
    """A lifecycle step failed; the message says what to do."""


_HINTS: dict[int, str] = {
    400: "fix the request as the details say",
    401: "check the API key (Pulumi config polaris:apiKey or POLARIS_API_KEY)",
    403: "the API key lacks a permission: connections need ManageConnections, "
    "jobs ManageIngestionJobs, tables ManageTables",
    404: "check the name or id, and the project id (polaris:projectId or POLARIS_PROJECT_ID)",
    409: "an object with that name already exists",
    422: "fix the request as the details say",
    429: "Polaris is rate limiting; retry later or lower parallelism (pulumi up --parallel)",
}


class APIStatusError(PolarisError):
    """Polaris answered with an error status."""

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status_code: int,
        message: str | None,
        details: list[Any] | None = None,
        retry_after: float | None = None,
        code: str | None = None,
        target: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status_code = status_code
        self.server_message = message
        self.details = list(details or [])
        self.retry_after = retry_after
        self.code = code
        self.target = target
        text = f"{method} {path} failed with {status_code}"
        if code:
            text += f" {code}"
        if target:
            text += f" on {target}"
        if message:
            text += f": {message}"
        if self.details:
            text += " (" + "; ".join(_detail_text(d) for d in self.details) + ")"
        hint = _HINTS.get(
            status_code, "Polaris had a server error; retry later" if status_code >= 500 else ""
        )
        if hint:
            text += f". Hint: {hint}"
        super().__init__(text)


def _detail_text(detail: Any) -> str:
    """An ErrorResponse detail: `target: message`."""
    if isinstance(detail, dict):
        field = detail.get("target") or detail.get("field")
        msg = detail.get("message") or detail.get("code") or str(detail)
        return f"{field}: {msg}" if field else str(msg)
    return str(detail)


class BadRequestError(APIStatusError):
    """400 or 422: the request is invalid, or not allowed in the object's current state."""


class AuthenticationError(APIStatusError):
    """401: missing, wrong or expired credentials."""


class PermissionDeniedError(APIStatusError):
    """403: the key lacks a permission."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409: a connection or table of that name exists."""


class RateLimitError(APIStatusError):
    """429, with the server's Retry-After when it gave one."""


class ServerError(APIStatusError):
    """5xx."""


def error_for_status(status_code: int) -> type[APIStatusError]:
    if status_code in (400, 422):
        return BadRequestError
    return {
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
        409: ConflictError,
        429: RateLimitError,
    }.get(status_code, ServerError if status_code >= 500 else APIStatusError)
