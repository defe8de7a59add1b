"""GET /jobs: its query parameters (build_jobs_list_jobs_request), read and checked, and which
jobs they keep, in which order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from polaris_pulumi._contract import EXECUTION_STATUSES, HEALTH_STATUSES, MAX_PAGE_SIZE
from polaris_pulumi.emulator.api._errors import PolarisAPIError
from polaris_pulumi.emulator.state._records import JobRecord

JOB_TYPES = ("batch", "delete_data", "drop_table", "restore_data", "streaming", "sql")
# JobSortSearchColumn -> how to read it from a job.
SORT_KEYS: dict[str, Callable[[JobRecord], Any]] = {
    "created_date_time": lambda j: j.created_timestamp,
    "last_updated_date_time": lambda j: j.last_updated_timestamp,
    "execution_status": lambda j: j.execution_status,
    "target_table_name": lambda j: j.table_name,
    "type": lambda j: j.type,
    "source_connection_name": lambda j: j.connection_name or "",
    "created_by_user_name": lambda j: j.created_by.username or "",
    "source_type": lambda j: "connection" if j.spec else "",
    "source_name": lambda j: j.connection_name or "",
    "source_table_name": lambda j: "",
}


@dataclass
class JobQuery:
    """GET /jobs query parameters (build_jobs_list_jobs_request)."""

    types: list[str]
    connection_names: list[str]
    execution_statuses: list[str]
    health_statuses: list[str]
    target_table_name: str | None = None
    target_table_id: str | None = None
    search_string: str | None = None
    sort_column: str = "last_updated_date_time"
    sort_order: str = "DESC"
    limit: int = 100
    offset: int = 0

    @classmethod
    def from_request(cls, request: Request) -> JobQuery:
        q = request.query_params

        def number(name: str, default: int, low: int, high: int | None) -> int:
            raw = q.get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                value = low - 1
            if value < low or (high is not None and value > high):
                bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
                raise PolarisAPIError(400, f"{name} must be an integer {bounds}", target=name)
            return value

        def choices(name: str, allowed: tuple[str, ...] | list[str]) -> list[str]:
            values = q.getlist(name)
            wrong = [v for v in values if v not in allowed]
            if wrong:
                raise PolarisAPIError(
                    400, f"{name}: {wrong[0]!r} is not one of {', '.join(allowed)}", target=name
                )
            return values

        sort_column = q.get("sortColumn", "last_updated_date_time")
        if sort_column not in SORT_KEYS:
            raise PolarisAPIError(
                400, f"sortColumn {sort_column!r} is not known", target="sortColumn"
            )
        sort_order = q.get("sortOrder", "DESC")
        if sort_order not in ("ASC", "DESC"):
            raise PolarisAPIError(400, "sortOrder must be ASC or DESC", target="sortOrder")
        return cls(
            types=choices("type", JOB_TYPES),
            connection_names=q.getlist("connectionName"),
            execution_statuses=choices("executionStatus", EXECUTION_STATUSES),
            health_statuses=choices("healthStatus", HEALTH_STATUSES),
            target_table_name=q.get("targetTableName"),
            target_table_id=q.get("targetTableId"),
            search_string=q.get("searchString"),
            sort_column=sort_column,
            sort_order=sort_order,
            limit=number("paginationLimit", 100, 1, MAX_PAGE_SIZE),
            offset=number("paginationOffset", 0, 0, None),
        )

    def keeps(self, job: JobRecord, table_id_name: str | None) -> bool:
        """Repeated values of one parameter OR, different parameters AND."""
        conn = job.connection_name
        search = (self.search_string or "").lower()
        return (
            (not self.types or job.type in self.types)
            and (not self.connection_names or conn in self.connection_names)
            and (not self.execution_statuses or job.execution_status in self.execution_statuses)
            and (not self.health_statuses or job.health.status in self.health_statuses)
            and (self.target_table_name in (None, job.table_name))
            and (table_id_name in (None, job.table_name))
            and (
                not search
                or any(search in (v or "").lower() for v in (job.table_name, conn, job.id))
            )
        )
