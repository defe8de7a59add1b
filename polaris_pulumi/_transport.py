"""The HTTP layer under every API call: credentials, retries with backoff, typed errors.

Pulumi dynamic providers are synchronous, so is this. Each room's API calls
(`connections/_api.py`, ...) build on `Transport`; `PolarisClient` is all of them.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import random
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Self, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from polaris_pulumi._answers import MAX_RESPONSE_BYTES, loads, read
from polaris_pulumi._answers import model as into
from polaris_pulumi._contract import ErrorBody, ListResponse, PolarisModel
from polaris_pulumi._exceptions import (
    URL_HINT,
    APIStatusError,
    ConfigurationError,
    NotFoundError,
    PolarisError,
    RateLimitError,
    TransportError,
    error_for_status,
)
from polaris_pulumi._version import __version__

log = logging.getLogger("polaris_pulumi")

# Answers that say nothing was done, or that the answer was lost: retried everywhere.
RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
# A 500 may come after the server did the work: retried where a repeat is harmless (reads,
# idempotent writes) or recognised (creates and deletes look for what a lost attempt did).
RETRYABLE_AFTER_WORK = frozenset({500})
M = TypeVar("M", bound=PolarisModel)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retries of transient failures: attempts and total seconds, whichever first."""

    max_attempts: int = 8
    max_seconds: float = 120.0
    initial_backoff: float = 0.25
    max_backoff: float = 8.0
    max_retry_after: float = 60.0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _is_transient(exc: BaseException, *, recognisable: bool = True) -> bool:
    """Whether to try again; `recognisable`: a repeat of this request is harmless or its
    retry recognises what a lost attempt did, so a 500 is worth retrying too."""
    if isinstance(exc, TransportError):
        return not exc.permanent
    if not isinstance(exc, APIStatusError):
        return False
    return exc.status_code in RETRYABLE_STATUS or (
        recognisable and exc.status_code in RETRYABLE_AFTER_WORK
    )


# getaddrinfo's "this name has no address" (not EAI_AGAIN, a resolver that may recover).
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def _unresolvable(exc: BaseException) -> bool:
    """Whether a transport error comes from a host name that does not resolve."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror) and seen.errno in _NO_SUCH_NAME:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class Transport:
    """Polaris' API under `/v1/projects/{project_id}`.

    Every argument falls back to the environment: POLARIS_API_KEY, POLARIS_BEARER_TOKEN,
    POLARIS_URL, or POLARIS_ORGANIZATION + POLARIS_REGION + POLARIS_CLOUD_PROVIDER, and
    POLARIS_PROJECT_ID. Safe to share between threads.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        bearer_token: str | None = None,
        url: str | None = None,
        organization: str | None = None,
        region: str | None = None,
        cloud_provider: str | None = None,
        project_id: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        env = os.environ
        api_key = api_key or env.get("POLARIS_API_KEY") or None
        bearer_token = bearer_token or env.get("POLARIS_BEARER_TOKEN") or None
        project_id = project_id or env.get("POLARIS_PROJECT_ID") or None
        base_url = self._base_url(
            url or env.get("POLARIS_URL"),
            organization or env.get("POLARIS_ORGANIZATION"),
            region or env.get("POLARIS_REGION"),
            cloud_provider or env.get("POLARIS_CLOUD_PROVIDER"),
        )
        if not api_key and not bearer_token:
            raise ConfigurationError(
                "No Polaris credentials: in a script, pass PolarisClient(api_key=...) or set "
                "POLARIS_API_KEY; in a stack, `pulumi config set --secret polaris:apiKey ...` "
                "(or an OAuth token: bearer_token=... or POLARIS_BEARER_TOKEN)."
            )
        if not project_id:
            raise ConfigurationError(
                "No Polaris project id: set `pulumi config set polaris:projectId ...` or "
                "POLARIS_PROJECT_ID."
            )
        self.base_url = base_url
        self.project_id = project_id
        self.retry = retry or RetryPolicy()
        self.timeout, self.max_response_bytes = timeout, max_response_bytes
        self._secrets = [s for s in (api_key, bearer_token) if s]
        auth = f"Bearer {bearer_token}" if bearer_token else f"Basic {api_key}"
        self._http = httpx.Client(
            base_url=f"{base_url}/v1/projects/{quote(project_id, safe='')}",
            headers={
                "Authorization": auth,
                "User-Agent": f"polaris-pulumi/{__version__}",
                "Accept": "application/json",
            },
            timeout=timeout,
            transport=transport,
        )

    @staticmethod
    def _base_url(
        url: str | None, organization: str | None, region: str | None, cloud: str | None
    ) -> str:
        if not url:
            if not (organization and region and cloud):
                raise ConfigurationError(
                    "No Polaris endpoint: set polaris:url (POLARIS_URL), or polaris:organization, "
                    "polaris:region and polaris:cloudProvider (POLARIS_ORGANIZATION, "
                    "POLARIS_REGION, POLARIS_CLOUD_PROVIDER)."
                )
            url = f"https://{organization}.{region}.{cloud}.api.imply.io"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"Polaris URL {url!r} is not an http(s) URL.")
        if parts.path.rstrip("/").endswith("/v1") or "/v1/" in parts.path:
            base = f"{parts.scheme}://{parts.netloc}"
            raise ConfigurationError(
                f"Polaris URL {url!r} holds an API path: give the endpoint alone ({base!r}); "
                "the client adds /v1/projects/<projectId> itself."
            )
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ConfigurationError(
                f"Polaris URL {url!r} uses plain http: the API key would travel in clear text. "
                "Use https (plain http is accepted only for loopback hosts such as the emulator)."
            )
        return url.rstrip("/")

    def __repr__(self) -> str:
        return f"PolarisClient(base_url={self.base_url!r}, project_id={self.project_id!r})"

    def __reduce__(self) -> Any:
        raise TypeError(
            "PolarisClient holds credentials and sockets and is not picklable; "
            "create it where it is used."
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -------------------------------------------------------------------------

    def _scrub(self, text: str | None, extra: Iterable[str] = ()) -> str | None:
        if text is None:
            return None
        for secret in [*self._secrets, *extra]:
            if secret and len(secret) >= 4:
                text = text.replace(secret, "[redacted]")
        return text

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        secrets: Iterable[str] = (),
        content: tuple[bytes, str] | None = None,
    ) -> Answer:
        """One attempt, its answer read whole within `timeout` (not per read: a server that
        drips cannot hold it) and up to `max_response_bytes`; raises a typed error for
        anything but 2xx."""
        started = time.monotonic()
        what = f"{method} {path}"
        try:
            sent: dict[str, Any] = {"json": json}
            if content is not None:  # a body that is not JSON, and its media type
                sent = {"content": content[0], "headers": {"Content-Type": content[1]}}
            with self._http.stream(method, path, params=params, **sent) as streamed:
                body = read(streamed, what, started + self.timeout, self.max_response_bytes)
        except httpx.TransportError as exc:
            log.debug("%s %s: %s", method, path, type(exc).__name__)
            if _unresolvable(exc):
                host = urlsplit(self.base_url).hostname
                raise TransportError(
                    f"{method} {path}: the host name {host!r} of the Polaris URL does not "
                    f"resolve. {URL_HINT}.",
                    permanent=True,
                ) from None
            raise TransportError(
                f"{method} {path}: no response from {self.base_url} ({type(exc).__name__}). "
                "Check the URL and your network; transient failures are retried.",
                reason=type(exc).__name__,
            ) from None
        response = Answer(
            streamed.status_code, streamed.headers, body, method, path, streamed.reason_phrase
        )
        log.debug(
            "%s %s -> %s in %.3fs", method, path, response.status_code, time.monotonic() - started
        )
        if response.is_success:
            return response
        raise self._error(response, list(secrets))

    def _error(self, response: Answer, extra: list[str]) -> APIStatusError:
        """The typed error of a non-2xx answer, its texts scrubbed of secrets."""
        try:
            error_body = ErrorBody.model_validate(response.json())
        except (PolarisError, ValueError):
            error_body = ErrorBody(message=response.reason_phrase or None)
        return error_for_status(response.status_code)(
            method=response.method,
            path=response.path,
            status_code=response.status_code,
            message=self._scrub(error_body.message or error_body.error_message, extra),
            details=[
                {
                    k: self._scrub(str(v), extra)
                    for k, v in d.model_dump(include={"code", "message", "target"}).items()
                    if v is not None
                }
                for d in error_body.details or []
            ],
            retry_after=_retry_after_seconds(response.headers.get("Retry-After")),
            code=error_body.code or error_body.error_code,
            target=self._scrub(error_body.target, extra),
        )

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            return min(exc.retry_after, self.retry.max_retry_after)
        backoff = self.retry.initial_backoff * 2 ** (state.attempt_number - 1)
        return random.uniform(0, min(backoff, self.retry.max_backoff))

    def _attempts(self, *, recognisable: bool = True) -> Iterator[Any]:
        return iter(
            Retrying(
                retry=retry_if_exception(lambda e: _is_transient(e, recognisable=recognisable)),
                stop=stop_after_attempt(self.retry.max_attempts)
                | stop_after_delay(self.retry.max_seconds),
                wait=self._wait,
                reraise=True,
                before_sleep=self._report_retry,
            )
        )

    def _report_retry(self, state: RetryCallState) -> None:
        """Progress while Polaris does not answer: one WARNING line per retry (our messages
        name the method and path only, never a body or header)."""
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "%s (retrying in %.1fs: attempt %d of at most %d, within %.0fs)",
            str(exc).rstrip("."),
            state.next_action.sleep if state.next_action else 0.0,
            state.attempt_number + 1,
            self.retry.max_attempts,
            self.retry.max_seconds,
        )

    def _request(
        self, method: str, path: str, *, recognisable: bool = True, **kwargs: Any
    ) -> Answer:
        """Retried request, for idempotent operations (`recognisable=False`: one whose repeat
        after a 500 could do the work twice)."""
        for attempt in self._attempts(recognisable=recognisable):
            with attempt:
                return self._send(method, path, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delete(self, path: str) -> None:
        """DELETE, retried; a retry that finds the object gone counts as done (the lost first
        attempt deleted it), a first attempt that finds nothing is a `NotFoundError`."""
        for attempt in self._attempts():
            with attempt:
                try:
                    self._send("DELETE", path)
                    return
                except NotFoundError:
                    if attempt.retry_state.attempt_number == 1:
                        raise
                    return

    def _get_model(self, path: str, model: type[M], params: dict[str, Any] | None = None) -> M:
        return self._request("GET", path, params=params).into(model)

    def _list(self, path: str, model: type[M], params: dict[str, Any] | None = None) -> list[M]:
        answer = self._request("GET", path, params=params)
        return [into(v, model, answer.what) for v in answer.into(ListResponse).values]


@dataclass(frozen=True)
class Answer:
    """One answer, read whole: its JSON and models are decoded safely (`_answers`)."""

    status_code: int
    headers: httpx.Headers
    body: bytes
    method: str
    path: str
    reason_phrase: str = ""

    @property
    def what(self) -> str:
        """`METHOD /path`, for messages."""
        return f"{self.method} {self.path}"

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        return loads(self.body, self.what)

    def into(self, model: type[M]) -> M:
        return into(self.json(), model, self.what)
