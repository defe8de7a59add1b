"""Connections v1 calls: create (recognising what a lost create made), read, change, delete
and test."""

from __future__ import annotations

from typing import Any

from polaris_pulumi._answers import model as into
from polaris_pulumi._answers import segment
from polaris_pulumi._contract import ListResponse
from polaris_pulumi._exceptions import BadRequestError, ConflictError
from polaris_pulumi._kinds import connection_model
from polaris_pulumi._transport import Answer, Transport, log
from polaris_pulumi.connections._any import AnyConnection, AnySpec
from polaris_pulumi.connections._model import (
    ConnectionTestResult,
)


def _connection(answer: Answer) -> AnyConnection:
    return _parsed(answer.json(), answer.what)


def _parsed(doc: Any, what: str) -> AnyConnection:
    """A connection document as the model of its type (a `MalformedResponseError` if not)."""
    found: AnyConnection = into(doc, connection_model(doc), what)
    return found


class ConnectionsAPI(Transport):
    def create_connection(self, spec: AnySpec) -> AnyConnection:
        """Create (201); a retry meeting 409 takes the connection its lost first attempt made."""
        body = spec.to_api(reveal_secrets=True)
        for attempt in self._attempts():
            with attempt:
                try:
                    response = self._send(
                        "POST", "/connections", json=body, secrets=[spec.password()]
                    )
                    return _connection(response)
                except ConflictError:
                    if attempt.retry_state.attempt_number == 1:
                        raise
                    existing = self.reclaim_connection(spec)
                    if existing is None:
                        raise
                    return existing
        raise AssertionError("unreachable")  # pragma: no cover

    def reclaim_connection(self, spec: AnySpec) -> AnyConnection | None:
        """The existing connection of the spec's name if it holds this spec (`same_as`): what
        a create whose answer was lost made. The one place such a create is recognised."""
        existing = self.get_connection(spec.name)
        if not spec.same_as(existing):
            return None
        log.info("connection %s: taking the one a lost create made", spec.name)
        return existing

    def get_connection(self, name: str) -> AnyConnection:
        return _connection(self._request("GET", f"/connections/{segment(name)}"))

    def list_connections(self) -> list[AnyConnection]:
        answer = self._request("GET", "/connections")
        return [_parsed(v, answer.what) for v in answer.into(ListResponse).values]

    def update_connection(self, spec: AnySpec) -> AnyConnection:
        """PATCH to `spec`; with no password in `spec.secrets` Polaris keeps the stored one."""
        response = self._request(
            "PATCH",
            f"/connections/{segment(spec.name)}",
            json=spec.update_body(),
            secrets=[spec.password()],
        )
        return _connection(response)

    def delete_connection(self, name: str) -> None:
        """Delete; a retry that finds it gone counts as done."""
        self._delete(f"/connections/{segment(name)}")

    def test_connection(self, name: str) -> ConnectionTestResult:
        """Polaris' connection test: 200 when it passes, 400 saying why when it fails."""
        try:
            self._request("POST", f"/connections/{segment(name)}/test")
        except BadRequestError as exc:
            details = [str(d.get("message", d)) for d in exc.details]
            return ConnectionTestResult(ok=False, message=exc.server_message, details=details)
        return ConnectionTestResult(ok=True)
