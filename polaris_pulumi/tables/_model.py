"""A table's shapes: what a program declares (TablePayload's writable fields), what Polaris
answers, and the resource's own settings. Each field is declared here once (see `_meta`)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from polaris_pulumi._contract import PolarisModel, Seconds, User
from polaris_pulumi._meta import Prop, with_defaults


class TableColumn(PolarisModel):
    """A column of the table's schema; `type` (dimension or measure) in aggregate tables only
    (DetailTableColumn, AggregateTableDimensionColumn, AggregateTableMeasureColumn)."""

    name: str
    """The column's name (`__time`: the primary timestamp)."""
    data_type: str
    """Its type: `string`, `long`, `double`, `float`, `timestamp`, `json`, an array such as
    `array<string>`, or a measure's type (e.g. `longSum`)."""
    type: Literal["dimension", "measure"] | None = None
    """Aggregate tables only: `dimension` (rolled up by) or `measure` (aggregated)."""


class StoragePolicy(PolarisModel):
    """`intervals` (ISO-8601 `start/end` intervals) or `period` (an ISO-8601 period back from
    now, e.g. P90D): StoragePolicyPayload."""

    type: Literal["intervals", "period"]
    """`intervals` or `period`."""
    intervals: list[str] | None = None
    """`intervals`: ISO 8601 intervals (`2026-01-01/2026-02-01`)."""
    period: str | None = None
    """`period`: an ISO 8601 period back from now (`P90D`)."""


class TableStoragePolicy(PolarisModel):
    """How long data is kept (`retain`; older data is deleted) and precached (`cached`)."""

    cached: StoragePolicy | None = None
    """What is kept precached for fast queries."""
    retain: StoragePolicy | None = None
    """What is kept at all: older data is deleted."""


class QueryGranularity(PolarisModel):
    """`simple` with a `granularity` (hour, day, ...), or `period` with an ISO-8601 `period`
    and optional `time_zone` and `origin` (GranularityPayload)."""

    type: Literal["simple", "period"]
    """`simple` or `period`."""
    granularity: str | None = None
    """`simple`: `second`, `minute`, `hour`, `day`, ... (a named granularity)."""
    period: str | None = None
    """`period`: an ISO 8601 period (`PT15M`)."""
    time_zone: str | None = None
    """`period`: the time zone buckets start in (e.g. `America/New_York`; default UTC)."""
    origin: str | None = None
    """`period`: an ISO 8601 time buckets are counted from."""


def _aggregate(spec: TableSpec) -> bool:
    return spec.type == "aggregate"


class TableSpec(PolarisModel):
    """A Polaris table: detail or aggregate (rollup), its schema, partitioning and clustering
    (TablePayload's writable fields, both subtypes). None means "server default"."""

    name: Annotated[str, Prop(replaces=True)]
    """The table's name in Polaris; it cannot change (a new name is a new table)."""
    type: Annotated[Literal["detail", "aggregate"], Prop(replaces=True)]
    """`detail` (rows as ingested) or `aggregate` (rolled up); it cannot change."""
    description: str | None = None
    """A description shown in Polaris."""
    schema_mode: Annotated[Literal["flexible", "strict"] | None, Prop(default="flexible")] = None
    """`flexible` (default: undeclared columns are added as data arrives) or `strict`."""
    partitioning_granularity: Annotated[str | None, Prop(default="day")] = None
    """Time partitioning (default `day`)."""
    clustering_columns: Annotated[list[str] | None, Prop(default=[])] = None
    """Declared columns (dimensions) to sort by within a partition."""
    storage_policy: TableStoragePolicy | None = None
    """How long data is kept and precached (default: forever, by Polaris' project settings)."""
    schema_: Annotated[list[TableColumn] | None, Prop(default=[])] = Field(
        default=None, alias="schema"
    )
    """Declared columns, in order; `__time` has data type `timestamp`."""
    # aggregate tables only
    time_resolution: Annotated[str | None, Prop(default="millisecond", default_when=_aggregate)] = (
        None
    )
    """Aggregate tables: the rollup granularity (default `millisecond`)."""
    query_granularity: QueryGranularity | None = None
    """Aggregate tables: a rollup granularity that overrides `time_resolution`."""

    def same_as(self, existing: Table) -> bool:
        """Whether an existing table holds this spec: how a create whose answer was lost, or
        a table an interrupted `up` made, is recognised."""
        return with_defaults(existing.spec()) == with_defaults(self)


class QueryableColumn(PolarisModel):
    """A queryable column of a table: declared, or discovered as data arrived
    (DruidTableColumn)."""

    output_dict: ClassVar[str] = "QueryableColumnDict"

    name: str
    data_type: str
    is_discovered: bool | None = None


_OUT = Prop(output=True)


class Table(TableSpec):
    """A table as the server returns it (TablePayload; TableSummaryPayload in lists)."""

    type: str  # type: ignore[assignment]  # also `table` (a visualization) in the contract
    id: Annotated[str | None, Prop(output=True, property="table_id")] = None
    version: Annotated[int | None, _OUT] = None
    availability: Annotated[str | None, _OUT] = None
    # An audit trail, not outputs (as for connections and jobs): the client has them.
    created_by_user: User | None = None
    modified_by_user: User | None = None
    created_on_timestamp: str | None = None
    modified_on_timestamp: str | None = None
    queryable_schema: Annotated[list[QueryableColumn] | None, _OUT] = None
    """Every queryable column, declared or discovered."""
    segment_count: Annotated[int | None, _OUT] = None
    total_rows: Annotated[int | None, _OUT] = None
    total_data_size_bytes: Annotated[int | None, _OUT] = None

    def spec(self) -> TableSpec:
        """What this table was declared with (the writable fields)."""
        return TableSpec.model_validate(
            self.model_dump(include=set(TableSpec.model_fields), by_alias=True)
        )


class TableSettings(BaseModel):
    """The resource's own settings: how the provider manages the table, never sent."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    deletion_protection: Annotated[bool | None, Prop(plain=True)] = None
    """A plain bool, default True: a protected table is never dropped (destroy, replace or
    removal fails first, before any job is canceled). Set False and run `pulumi up` before
    deleting or replacing the table."""
    adopt_existing: bool | None = None
    """Take over an existing table of this name and type on create (then bring it to this
    spec)."""
    wait_timeout: Seconds = None
    """Seconds to wait for a dropped table to be gone (default 300)."""

    @property
    def protected(self) -> bool:
        """Tables are protected unless the user said otherwise."""
        return self.deletion_protection is not False
