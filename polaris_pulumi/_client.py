"""A small, typed, synchronous Polaris API client (Pulumi dynamic providers are synchronous)."""

from __future__ import annotations

import ipaddress
import logging
import os
import random
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from polaris_pulumi import __version__
from polaris_pulumi._exceptions import (
    URL_HINT,
    APIStatusError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    JobFailedError,
    NotFoundError,
    RateLimitError,
    TransportError,
    WaitTimeoutError,
    error_for_status,
)
from polaris_pulumi._models import (
    DEFAULT_PAGE_SIZE,
    STARTED_STATUSES,
    Connection,
    ConnectionSpec,
    ConnectionTestResult,
    ErrorBody,
    JobList,
    JobMetrics,
    JobStatus,
    JobSummary,
    ListResponse,
    PolarisModel,
    SchemaRegistryConnection,
    SchemaRegistryConnectionSpec,
    StreamingJob,
    StreamingJobSpec,
    Table,
    TableSpec,
    connection_model,
)

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


def _subset(sent: Any, got: Any) -> bool:
    """Whether every value we sent is what the server holds (server may add defaults)."""
    if isinstance(sent, dict):
        return isinstance(got, dict) and all(_subset(v, got.get(k)) for k, v in sent.items())
    if isinstance(sent, list):
        return (
            isinstance(got, list)
            and len(sent) == len(got)
            and all(_subset(a, b) for a, b in zip(sent, got, strict=True))
        )
    return bool(sent == got)


AnyConnectionSpec = ConnectionSpec | SchemaRegistryConnectionSpec
AnyConnection = Connection | SchemaRegistryConnection


def _connection(doc: Any) -> AnyConnection:
    return connection_model(doc).model_validate(doc)


class PolarisClient:
    """Polaris Connections, Jobs and Tables under `/v1/projects/{project_id}`.

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
                "No Polaris credentials: set the API key with `pulumi config set --secret "
                "polaris:apiKey ...` or POLARIS_API_KEY (or an OAuth token in POLARIS_BEARER_TOKEN)."
            )
        if not project_id:
            raise ConfigurationError(
                "No Polaris project id: set `pulumi config set polaris:projectId ...` or "
                "POLARIS_PROJECT_ID."
            )
        self.base_url = base_url
        self.project_id = project_id
        self.retry = retry or RetryPolicy()
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

    def __enter__(self) -> PolarisClient:
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
    ) -> httpx.Response:
        """One attempt; raises a typed error for anything but 2xx."""
        started = time.monotonic()
        try:
            response = self._http.request(method, path, json=json, params=params)
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
        log.debug(
            "%s %s -> %s in %.3fs", method, path, response.status_code, time.monotonic() - started
        )
        if response.is_success:
            return response
        try:
            body = ErrorBody.model_validate(response.json())
        except ValueError:
            body = ErrorBody(message=response.reason_phrase or None)
        extra = list(secrets)
        error = error_for_status(response.status_code)(
            method=method,
            path=path,
            status_code=response.status_code,
            message=self._scrub(body.message, extra),
            details=[
                {
                    k: self._scrub(str(v), extra)
                    for k, v in d.model_dump(include={"code", "message", "target"}).items()
                    if v is not None
                }
                for d in body.details or []
            ],
            retry_after=_retry_after_seconds(response.headers.get("Retry-After")),
            code=body.code,
            target=self._scrub(body.target, extra),
        )
        raise error

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
            "%s; retrying in %.1fs (attempt %d of at most %d, within %.0fs)",
            str(exc).rstrip("."),
            state.next_action.sleep if state.next_action else 0.0,
            state.attempt_number + 1,
            self.retry.max_attempts,
            self.retry.max_seconds,
        )

    def _request(
        self, method: str, path: str, *, recognisable: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """Retried request, for idempotent operations (`recognisable=False`: one whose repeat
        after a 500 could do the work twice)."""
        for attempt in self._attempts(recognisable=recognisable):
            with attempt:
                return self._send(method, path, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_model(self, path: str, model: type[M], params: dict[str, Any] | None = None) -> M:
        return model.model_validate(self._request("GET", path, params=params).json())

    def _list(self, path: str, model: type[M], params: dict[str, Any] | None = None) -> list[M]:
        body = ListResponse.model_validate(self._request("GET", path, params=params).json())
        return [model.model_validate(v) for v in body.values]

    # --- connections -----------------------------------------------------------------------

    def create_connection(self, spec: AnyConnectionSpec) -> AnyConnection:
        """Create (201); a retry meeting 409 adopts the connection its lost first attempt made."""
        body = spec.to_api(reveal_secrets=True)
        for attempt in self._attempts():
            with attempt:
                try:
                    response = self._send(
                        "POST", "/connections", json=body, secrets=[spec.password()]
                    )
                    return _connection(response.json())
                except ConflictError:
                    if attempt.retry_state.attempt_number == 1:
                        raise
                    existing = self.get_connection(spec.name)
                    if _subset(spec.without_password(), existing.to_api()):
                        log.info("connection %s: adopted the one a lost create made", spec.name)
                        return existing
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def get_connection(self, name: str) -> AnyConnection:
        return _connection(self._request("GET", f"/connections/{quote(name, safe='')}").json())

    def list_connections(self) -> list[AnyConnection]:
        body = ListResponse.model_validate(self._request("GET", "/connections").json())
        return [_connection(v) for v in body.values]

    def update_connection(self, spec: AnyConnectionSpec) -> AnyConnection:
        """PATCH to `spec`; with no password in `spec.secrets` Polaris keeps the stored one."""
        response = self._request(
            "PATCH",
            f"/connections/{quote(spec.name, safe='')}",
            json=spec.update_body(),
            secrets=[spec.password()],
        )
        return _connection(response.json())

    def delete_connection(self, name: str) -> None:
        """Delete; a retry that finds it gone counts as done."""
        for attempt in self._attempts():
            with attempt:
                try:
                    self._send("DELETE", f"/connections/{quote(name, safe='')}")
                    return
                except NotFoundError:
                    if attempt.retry_state.attempt_number == 1:
                        raise
                    return

    def test_connection(self, name: str) -> ConnectionTestResult:
        """Polaris' connection test: 200 when it passes, 400 saying why when it fails."""
        try:
            self._request("POST", f"/connections/{quote(name, safe='')}/test")
        except BadRequestError as exc:
            details = [str(d.get("message", d)) for d in exc.details]
            return ConnectionTestResult(ok=False, message=exc.server_message, details=details)
        return ConnectionTestResult(ok=True)

    # --- jobs ------------------------------------------------------------------------------

    def create_job(self, spec: StreamingJobSpec) -> StreamingJob:
        """Create (201); before a retry, look for the job a lost attempt may have created."""
        body = spec.to_api()
        for attempt in self._attempts():
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    made = self.find_job_matching(spec)
                    if made is not None:
                        log.info(
                            "job for table %s: found the one a lost create made",
                            spec.target.table_name,
                        )
                        return made
                return StreamingJob.model_validate(self._send("POST", "/jobs", json=body).json())
        raise AssertionError("unreachable")  # pragma: no cover

    def find_job_matching(self, spec: StreamingJobSpec) -> StreamingJob | None:
        """The active streaming job on the spec's table holding everything in `spec`, if any."""
        body = spec.to_api()
        for summary in self.active_jobs(spec.target.table_name):
            job = self.get_job(summary.id)
            if _subset(body, job.spec.to_api()):
                return job
        return None

    def active_jobs(self, table_name: str) -> list[JobSummary]:
        """Streaming jobs on a table that are not over (during a replaceRunning hand-over,
        the one going away too)."""
        return [
            j
            for j in self.list_jobs(types=["streaming"], target_table_name=table_name)
            if not j.is_terminal
        ]

    def active_job_for_table(self, table_name: str) -> StreamingJob | None:
        """Polaris allows one running streaming job per table: that one, read in full."""
        jobs = sorted(self.active_jobs(table_name), key=lambda j: j.is_canceling)
        return self.get_job(jobs[0].id) if jobs else None

    def get_job(self, job_id: str) -> StreamingJob:
        """A streaming job in full (summaries from list_jobs never carry the spec)."""
        return self._get_model(f"/jobs/{quote(job_id, safe='')}", StreamingJob)

    def get_job_status(self, job_id: str) -> JobStatus:
        return self._get_model(f"/jobs/{quote(job_id, safe='')}/status", JobStatus)

    def get_job_metrics(self, job_id: str) -> JobMetrics:
        return self._get_model(f"/jobs/{quote(job_id, safe='')}/metrics", JobMetrics)

    def list_jobs(
        self,
        *,
        types: Iterable[str] = (),
        health_status: Iterable[str] = (),
        execution_status: Iterable[str] = (),
        connection_name: Iterable[str] = (),
        target_table_name: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> list[JobSummary]:
        """Job summaries, every page; repeated values OR, different parameters AND."""
        params: dict[str, Any] = {
            "type": list(types),
            "healthStatus": list(health_status),
            "executionStatus": list(execution_status),
            "connectionName": list(connection_name),
            "targetTableName": target_table_name,
        }
        params = {k: v for k, v in params.items() if v}
        jobs: list[JobSummary] = []
        while True:
            page_params = params | {"paginationLimit": page_size, "paginationOffset": len(jobs)}
            page = JobList.model_validate(self._request("GET", "/jobs", params=page_params).json())
            jobs += page.values
            if not page.more_results_available or not page.values:
                return jobs

    def set_job_status(self, job_id: str, desired: str) -> JobStatus:
        """POST /jobs/{id}/status: running, suspended or canceled."""
        response = self._request(
            "POST",
            f"/jobs/{quote(job_id, safe='')}/status",
            json={"desiredExecutionStatus": desired},
        )
        return JobStatus.model_validate(response.json())

    def cancel_job(self, job_id: str) -> StreamingJob:
        """Ask the job to stop; returns it as it was, with the desired status now canceled."""
        job = self.get_job(job_id)
        if job.is_terminal or job.desired_execution_status == "canceled":
            return job
        status = self.set_job_status(job_id, "canceled")
        return job.model_copy(
            update={
                "desired_execution_status": "canceled",
                "execution_status": status.execution_status,
            }
        )

    def reset_job(self, job_id: str) -> None:
        """POST /jobs/{id}/reset (200, no body): reset the read position of the job's topics."""
        # A repeat would move the read position back again, past what was read meanwhile.
        self._request("POST", f"/jobs/{quote(job_id, safe='')}/reset", recognisable=False)

    def _poll(
        self,
        job_id: str,
        done: Callable[[StreamingJob], bool],
        goal: str,
        timeout: float,
        poll_interval: float,
    ) -> StreamingJob:
        deadline = time.monotonic() + timeout
        delay = min(0.1, poll_interval)
        while True:
            job = self.get_job(job_id)
            if done(job):
                return job
            if time.monotonic() >= deadline:
                raise WaitTimeoutError(
                    f"job {job_id} (table {job.table_name}) is still {job.execution_status!r} "
                    f"after {timeout:g}s, waiting for it to {goal}; raise the wait timeout or "
                    "check the job"
                )
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, poll_interval)

    def wait_for_start(
        self,
        job_id: str,
        *,
        goal: str = "running",
        timeout: float = 300.0,
        poll_interval: float = 1.0,
    ) -> StreamingJob:
        """Until the job has reached `goal`: `running` (or `idle`: started, nothing to read
        yet), or `suspended`.

        Fails fast on `failed`, `canceled` or `completed`, and on health `error`. Waiting for
        `running`, a job someone asked to suspend ends the wait as `suspended`. `pending` and
        `unknown` keep waiting.
        """

        def reached(job: StreamingJob) -> bool:
            status = job.execution_status
            if job.is_terminal or (job.health and job.health.is_error):
                health = job.health.describe() if job.health else "no details"
                raise JobFailedError(
                    f"job {job_id} (table {job.table_name}) is {status}: {health}", job
                )
            if goal == "suspended":
                return status == "suspended"
            return status in STARTED_STATUSES or (
                status == "suspended" and job.desired_execution_status == "suspended"
            )

        return self._poll(
            job_id, reached, "start" if goal == "running" else goal, timeout, poll_interval
        )

    def wait_for_end(
        self, job_id: str, *, timeout: float = 300.0, poll_interval: float = 1.0
    ) -> StreamingJob:
        """Until the job is over: canceled, failed or completed."""
        return self._poll(job_id, lambda j: j.is_terminal, "end", timeout, poll_interval)

    # --- tables ----------------------------------------------------------------------------

    def create_table(self, spec: TableSpec) -> Table:
        """Create (201); a retry meeting 409 takes the table its lost first attempt made."""
        body = spec.to_api() | {"version": 0}
        for attempt in self._attempts():
            with attempt:
                try:
                    return Table.model_validate(self._send("POST", "/tables", json=body).json())
                except ConflictError:
                    if attempt.retry_state.attempt_number == 1:
                        raise
                    existing = self.get_table(spec.name)
                    if _subset(spec.to_api(), existing.to_api()):
                        log.info("table %s: found the one a lost create made", spec.name)
                        return existing
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def update_table(self, spec: TableSpec, *, tries: int = 3) -> Table:
        """PUT the whole table at its current version, read first. A 409 means the version
        moved (someone else's change, or our own lost attempt): read it again and retry."""
        path = f"/tables/{quote(spec.name, safe='')}"
        for left in reversed(range(tries)):
            body = spec.to_api() | {"version": self.get_table(spec.name).version or 0}
            try:
                return Table.model_validate(self._request("PUT", path, json=body).json())
            except ConflictError:
                if not left:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def wait_for_table_gone(
        self, name: str, *, timeout: float = 300.0, poll_interval: float = 0.5
    ) -> None:
        """Until a dropped table is gone (it is `deleting` while its drop_table job runs)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                table = self.get_table(name)
            except NotFoundError:
                return
            if time.monotonic() > deadline:
                raise WaitTimeoutError(
                    f"table {name!r} is still {table.availability!r} after {timeout:.0f}s"
                )
            time.sleep(poll_interval)

    def get_table(self, name: str) -> Table:
        return self._get_model(f"/tables/{quote(name, safe='')}", Table)

    def list_tables(self) -> list[Table]:
        return self._list("/tables", Table)

    def delete_table(self, name: str, *, soft: bool = True) -> None:
        """Drop a table (a `drop_table` job); `soft` keeps it restorable for 30 days.

        A retry refused because the table is gone counts as done (the lost attempt dropped it).
        """
        body = {
            "type": "drop_table",
            "target": {"type": "table", "tableName": name},
            "softDelete": soft,
        }
        for attempt in self._attempts():
            with attempt:
                try:
                    self._send("POST", "/jobs", json=body)
                    return
                except BadRequestError:
                    if attempt.retry_state.attempt_number == 1:
                        raise
                    try:
                        self.get_table(name)
                    except NotFoundError:
                        return
                    raise
