"""Tables calls: create (recognising what a lost create made), read, change, drop, and the
wait until a dropped table is gone."""

from __future__ import annotations

import time

from polaris_pulumi._answers import segment
from polaris_pulumi._exceptions import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    WaitTimeoutError,
)
from polaris_pulumi._transport import Transport, log
from polaris_pulumi.tables._model import Table, TableSpec


class TablesAPI(Transport):
    def create_table(self, spec: TableSpec) -> Table:
        """Create (201); a retry meeting 409 takes the table its lost first attempt made."""
        body = spec.to_api() | {"version": 0}
        for attempt in self._attempts():
            with attempt:
                try:
                    return self._send("POST", "/tables", json=body).into(Table)
                except ConflictError:
                    if attempt.retry_state.attempt_number == 1:
                        raise
                    existing = self.reclaim_table(spec)
                    if existing is None:
                        raise
                    return existing
        raise AssertionError("unreachable")  # pragma: no cover

    def reclaim_table(self, spec: TableSpec) -> Table | None:
        """The existing table of the spec's name if it holds this spec (`same_as`): what a
        create whose answer was lost made. The one place such a create is recognised."""
        existing = self.get_table(spec.name)
        if not spec.same_as(existing):
            return None
        log.info("table %s: taking the one a lost create made", spec.name)
        return existing

    def update_table(self, spec: TableSpec, *, tries: int = 3) -> Table:
        """PUT the whole table at its current version, read first. A 409 means the version
        moved (someone else's change, or our own lost attempt): read it again and retry."""
        path = f"/tables/{segment(spec.name)}"
        for left in reversed(range(tries)):
            body = spec.to_api() | {"version": self.get_table(spec.name).version or 0}
            try:
                return self._request("PUT", path, json=body).into(Table)
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
        return self._get_model(f"/tables/{segment(name)}", Table)

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
