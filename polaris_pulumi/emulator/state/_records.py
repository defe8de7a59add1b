"""What the emulator keeps: typed records, the contract's response models plus the emulator's
own bookkeeping (when a job's next transition is due, what its stand-in Kafka will do)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from polaris_pulumi._contract import TERMINAL_STATUSES, User
from polaris_pulumi._kinds import parse_connection
from polaris_pulumi._meta import keys
from polaris_pulumi.connections._any import AnyConnection
from polaris_pulumi.jobs._model import Health, JobTotals, StreamingJobSpec, TableTarget
from polaris_pulumi.tables._model import Table

# StreamingJobResponse repeats these spec fields at its top level (the contract).
ECHOED = keys(StreamingJobSpec, echoed=True)


KEY_MASK = "**********"


class ConnectionRecord(BaseModel):
    """A connection as the server holds it: the response (its password is kept apart, in the
    store's `passwords`)."""

    connection: AnyConnection

    @field_validator("connection", mode="before")
    @classmethod
    def _by_type(cls, value: Any) -> Any:
        """A stored document is read as its type's model (`_kinds`)."""
        return parse_connection(value) if isinstance(value, dict) else value

    @property
    def kind(self) -> str:
        return self.connection.type

    def render(self) -> dict[str, Any]:
        """The response body: no password, and a description that is null when unset."""
        body = self.connection.to_api()
        body.setdefault("description", None)
        keystore = (body.get("ssl") or {}).get("keystore")
        if keystore is not None:
            # The contract's keystore requires `key` in answers too; the key itself is never
            # returned, only a mask (docs/emulator.md).
            keystore["key"] = KEY_MASK
        return body


class Failure(BaseModel):
    """Why a job cannot run, as its health will say it (code, message)."""

    code: str
    message: str


class JobRecord(BaseModel):
    """A job as the server holds it (JobSummaryResponse's state; the spec of a streaming job,
    the target of a drop_table job), and when its next transition is due."""

    model_config = ConfigDict(validate_assignment=False)

    id: str
    type: Literal["streaming", "drop_table"]
    desired_execution_status: str
    execution_status: str
    health: Health = Field(default_factory=Health)
    created_by: User
    last_modified_by: User
    created_timestamp: str
    last_updated_timestamp: str
    started_timestamp: str | None = None
    completed_timestamp: str | None = None
    spec: StreamingJobSpec | None = None
    target: TableTarget
    soft_delete: bool = False
    # The emulator's own: the time the next transition is due, and the simulated Kafka.
    change_at: float = 0.0
    failures: list[Failure] = Field(default_factory=list)
    idle: bool = False
    warning: str | None = None
    reset_at: str | None = None
    # With a broker (`_feed`): what the job's consumer counted, and the last reset it applied.
    totals: JobTotals = Field(default_factory=JobTotals)

    @property
    def terminal(self) -> bool:
        return self.execution_status in TERMINAL_STATUSES

    @property
    def active_streaming(self) -> bool:
        return self.type == "streaming" and not self.terminal

    @property
    def table_name(self) -> str:
        return self.target.table_name

    @property
    def connection_name(self) -> str | None:
        return self.spec.source.connection_name if self.spec is not None else None

    def state(self) -> dict[str, Any]:
        """JobSummaryResponse's fields (the summary of GET /jobs, and every job response)."""
        return {
            "id": self.id,
            "type": self.type,
            "desiredExecutionStatus": self.desired_execution_status,
            "executionStatus": self.execution_status,
            "health": self.health.to_api(),
            "createdBy": self.created_by.to_api(),
            "lastModifiedBy": self.last_modified_by.to_api(),
            "createdTimestamp": self.created_timestamp,
            "lastUpdatedTimestamp": self.last_updated_timestamp,
            "startedTimestamp": self.started_timestamp,
            "completedTimestamp": self.completed_timestamp,
        }

    def summary(self) -> dict[str, Any]:
        """An item of GET /jobs: a streaming job's source is only {type, connectionName}."""
        out = self.state() | {"target": self.target.to_api()}
        if self.spec is not None:
            out["source"] = {"type": "connection", "connectionName": self.connection_name}
        return out

    def render(self) -> dict[str, Any]:
        """The job response: its state, and its spec (also repeated at the top level)."""
        if self.spec is None:
            target = self.target.to_api()
            drop = {"type": "drop_table", "target": target, "softDelete": self.soft_delete}
            return self.state() | {"target": target, "spec": drop}
        spec = self.spec.to_api()
        for mapping in spec["mappings"]:
            mapping.setdefault("isAggregation", None)
        spec.setdefault("filterExpression", None)
        top = {alias: spec[alias] for alias in _aliases(ECHOED) if alias in spec}
        return self.state() | top | {"spec": spec}


def _aliases(names: tuple[str, ...]) -> list[str]:
    fields = StreamingJobSpec.model_fields
    return [fields[n].alias or n for n in names]


class TableRecord(BaseModel):
    """A table as the server holds it."""

    table: Table

    def render(self, *, summary: bool = False) -> dict[str, Any]:
        body = self.table.to_api()
        body.setdefault("description", None)
        if summary:  # TableSummaryPayload leaves these out
            for key in _NOT_IN_SUMMARY:
                body.pop(key, None)
        return body


_NOT_IN_SUMMARY = (
    "clusteringColumns",
    "schema",
    "queryableSchema",
    "timeResolution",
    "queryGranularity",
)
