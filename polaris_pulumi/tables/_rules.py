"""A table's rules, checked at preview before anything is sent: its name, schema, clustering,
aggregate settings and storage policy."""

from __future__ import annotations

from polaris_pulumi._contract import (
    MEASURE_DATA_TYPES,
    PARTITIONING_GRANULARITIES,
    TABLE_COLUMN_DATA_TYPES,
    TIME_RESOLUTIONS,
)
from polaris_pulumi._problems import Path, Problem, reading
from polaris_pulumi._rules import duplicates, enum_problem, period_problem, table_name_problem
from polaris_pulumi.tables._model import QueryGranularity, StoragePolicy, TableSpec


def table_problems(spec: TableSpec, *, new: bool) -> list[Problem]:
    """Every rule of a table declaration; `new`: rules that hold only when creating."""
    problems = []
    if msg := table_name_problem(spec.name):
        problems.append(Problem(("name",), msg))
    if spec.description is not None and len(spec.description) > 1000:
        problems.append(Problem(("description",), "has more than 1000 characters"))
    problems += enum_problem(
        spec.partitioning_granularity, PARTITIONING_GRANULARITIES, ("partitioning_granularity",)
    )
    if new and spec.partitioning_granularity == "week":
        problems.append(
            Problem(("partitioning_granularity",), "'week' is deprecated: no new table may use it")
        )
    # Rules that read the table's type and declared columns.
    problems += reading(_column_problems(spec), ("type",))
    problems += reading(_clustering_problems(spec), ("schema",), ("type",))
    aggregate_only = [
        Problem((key,), "is only for aggregate tables (type='aggregate')")
        for key in ("time_resolution", "query_granularity")
        if spec.type == "detail" and getattr(spec, key) is not None
    ]
    aggregate_only += enum_problem(spec.time_resolution, TIME_RESOLUTIONS, ("time_resolution",))
    if spec.query_granularity is not None:
        aggregate_only += _granularity_problems(spec.query_granularity, ("query_granularity",))
    problems += reading(aggregate_only, ("type",))
    policy = spec.storage_policy
    for key in ("cached", "retain"):
        value = getattr(policy, key) if policy is not None else None
        if value is not None:
            problems += _storage_problems(value, ("storage_policy", key))
    return problems


def _column_problems(spec: TableSpec) -> list[Problem]:
    columns = spec.schema_ or []
    problems = [
        Problem((*p.path, "name"), p.message)
        for p in duplicates([c.name for c in columns], ("schema",), "declared")
    ]
    for i, column in enumerate(columns):
        at = ("schema", i)
        allowed = MEASURE_DATA_TYPES if column.type == "measure" else TABLE_COLUMN_DATA_TYPES
        problems += enum_problem(column.data_type, allowed, (*at, "data_type"))
        if (column.data_type == "timestamp") != (column.name == "__time"):
            problems.append(
                Problem(
                    (*at, "data_type"),
                    "the timestamp type is for the __time column only, which must have it",
                )
            )
        if spec.type == "detail" and column.type is not None:
            problems.append(
                Problem((*at, "type"), "is only for aggregate tables (dimension or measure)")
            )
        if spec.type == "aggregate" and column.type is None:
            problems.append(
                Problem((*at, "type"), "is required in an aggregate table: dimension or measure")
            )
    return problems


def _clustering_problems(spec: TableSpec) -> list[Problem]:
    declared = {c.name: c for c in spec.schema_ or []}
    names = spec.clustering_columns or []
    problems = duplicates(names, ("clustering_columns",), "listed")
    for i, name in enumerate(names):
        column = declared.get(name)
        if name and column is None:
            problems.append(
                Problem(
                    ("clustering_columns", i),
                    f"{name!r} is not a column of the table's schema: declare it in `schema`",
                )
            )
        elif column is not None and column.type == "measure":
            problems.append(
                Problem(("clustering_columns", i), f"{name!r} is a measure: cluster by dimensions")
            )
    return problems


def _granularity_problems(value: QueryGranularity, path: Path) -> list[Problem]:
    if value.type == "simple":
        if value.granularity is None:
            return [Problem((*path, "granularity"), "is required for type 'simple'")]
        extra = [k for k in ("period", "time_zone", "origin") if getattr(value, k) is not None]
        return enum_problem(value.granularity, TIME_RESOLUTIONS, (*path, "granularity")) + [
            Problem((*path, k), "is only for type 'period'") for k in extra
        ]
    if value.granularity is not None:
        return [Problem((*path, "granularity"), "is only for type 'simple'")]
    if value.period is None:
        return [Problem((*path, "period"), "is required for type 'period'")]
    return [Problem((*path, "period"), msg)] if (msg := period_problem(value.period)) else []


def _storage_problems(value: StoragePolicy, path: Path) -> list[Problem]:
    if value.type == "intervals":
        if value.period is not None:
            return [Problem((*path, "period"), "is only for type 'period'")]
        if not value.intervals:
            return [Problem((*path, "intervals"), "is required for type 'intervals'")]
        return [
            Problem((*path, "intervals", i), f"{v!r} is not an ISO-8601 interval (start/end)")
            for i, v in enumerate(value.intervals)
            if v.count("/") != 1
        ]
    if value.intervals is not None:
        return [Problem((*path, "intervals"), "is only for type 'intervals'")]
    if value.period is None:
        return [Problem((*path, "period"), "is required for type 'period'")]
    return [Problem((*path, "period"), msg)] if (msg := period_problem(value.period)) else []
