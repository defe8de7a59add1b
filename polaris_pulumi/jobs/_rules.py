"""A streaming job's rules, checked at preview before anything is sent: its source, mappings,
target and settings, and its mappings against the declared table it writes to."""

from __future__ import annotations

from collections.abc import Sequence

from polaris_pulumi._contract import DATA_TYPES, MAX_INT
from polaris_pulumi._problems import Problem
from polaris_pulumi._rules import (
    connection_name_problem,
    duplicates,
    expression_fields,
    expression_problem,
    period_problem,
    table_name_problem,
)
from polaris_pulumi.jobs._formats import format_problems
from polaris_pulumi.jobs._model import ConnectionSource, Mapping, StreamingJobSpec
from polaris_pulumi.tables._model import TableSpec


def job_problems(spec: StreamingJobSpec) -> list[Problem]:
    """Every rule of a streaming job spec: source, mappings, target and settings."""
    declared = {f.name for f in spec.source.input_schema if f.name}
    problems = _source_problems(spec.source)
    problems += _mapping_problems(spec.mappings, declared, spec.use_schema_discovery)
    problems += _filter_fields(spec, declared)
    problems += _upsert_problems(spec)
    if msg := table_name_problem(spec.target.table_name):
        problems.append(Problem(("target", "table_name"), msg))
    return problems + _setting_problems(spec)


def _source_problems(src: ConnectionSource) -> list[Problem]:
    problems = []
    if msg := connection_name_problem(src.connection_name):
        problems.append(Problem(("source", "connection_name"), msg))
    problems += format_problems(src.format_settings, ("source", "format_settings"))
    schema = ("source", "input_schema")
    names = [f.name for f in src.input_schema]
    problems += [
        Problem((*p.path, "name"), p.message) for p in duplicates(names, schema, "declared")
    ]
    problems += [
        Problem(
            (*schema, i, "data_type"),
            f"{f.data_type!r} is not a data type of Polaris; use one of {', '.join(DATA_TYPES)}",
        )
        for i, f in enumerate(src.input_schema)
        if f.data_type not in DATA_TYPES
    ]
    return problems


def _mapping_problems(
    mappings: Sequence[Mapping], declared: set[str], schema_discovery: bool | None
) -> list[Problem]:
    columns = [m.column_name for m in mappings]
    problems = [
        Problem((*p.path, "column_name"), p.message)
        for p in duplicates(columns, ("mappings",), "mapped")
    ]
    for i, mapping in enumerate(mappings):
        if msg := expression_problem(mapping.expression):
            problems.append(Problem(("mappings", i, "expression"), msg))
            continue
        unknown = [f for f in expression_fields(mapping.expression) if f not in declared]
        if unknown:
            problems.append(
                Problem(
                    ("mappings", i, "expression"),
                    f"uses {', '.join(repr(u) for u in unknown)}, not declared in "
                    "source.input_schema: declare every input field an expression reads",
                    depends_on=(("source", "input_schema"),),
                )
            )
    if "__time" not in columns and not schema_discovery:
        problems.append(
            Problem(
                ("mappings",),
                'needs a mapping for the __time column (e.g. TIME_PARSE("timestamp")), '
                "or use_schema_discovery=True to take __time from the input",
                depends_on=(("use_schema_discovery",),),
            )
        )
    return problems


def _upsert_problems(spec: StreamingJobSpec) -> list[Problem]:
    """With upserts: key columns, and key and version columns the job maps."""
    if not spec.enable_upserts:
        return []
    mapped = sorted({m.column_name for m in spec.mappings} | {"__time"})
    keys = spec.upsert_key_columns or []
    problems = []
    if not keys:
        problems.append(
            Problem(("upsert_key_columns",), "name the columns that identify a row (upserts)")
        )
    for i, key in enumerate(keys):
        if key not in mapped:
            problems.append(
                Problem(
                    ("upsert_key_columns", i),
                    f"{key!r} is not a column the job maps ({', '.join(mapped)}): map it, or "
                    "fix the name",
                )
            )
    version = spec.upsert_version_column
    if version is not None and version not in mapped:
        problems.append(
            Problem(
                ("upsert_version_column",),
                f"{version!r} is not a column the job maps ({', '.join(mapped)}): map it, or "
                "leave it unset for __time",
            )
        )
    return problems


def _filter_fields(spec: StreamingJobSpec, declared: set[str]) -> list[Problem]:
    """The filter reads declared input fields (any field, with schema discovery)."""
    text = spec.filter_expression
    if not text or spec.use_schema_discovery or expression_problem(text):
        return []
    unknown = [f for f in expression_fields(text) if f not in declared]
    if not unknown:
        return []
    return [
        Problem(
            ("filter_expression",),
            f"uses {', '.join(repr(u) for u in unknown)}, not declared in source.input_schema "
            f"(its fields: {', '.join(sorted(declared)) or 'none'}): declare it, or fix the name",
            depends_on=(("source", "input_schema"),),
        )
    ]


def _setting_problems(spec: StreamingJobSpec) -> list[Problem]:
    problems = []
    for key in ("late_message_rejection_period", "early_message_rejection_period"):
        value = getattr(spec, key)
        if value is not None and (msg := period_problem(value)):
            problems.append(Problem((key,), msg))
    if spec.max_parse_exceptions is not None and not 0 <= spec.max_parse_exceptions <= MAX_INT:
        problems.append(Problem(("max_parse_exceptions",), f"must be between 0 and {MAX_INT}"))
    if spec.filter_expression is not None and (msg := expression_problem(spec.filter_expression)):
        problems.append(Problem(("filter_expression",), msg))
    problems += duplicates(spec.dimension_exclusions or [], ("dimension_exclusions",), "listed")
    return problems


def table_job_problems(job: StreamingJobSpec, table: TableSpec) -> list[Problem]:
    """A streaming job against the declared table it writes to: where the table's schema
    refuses the job's mappings."""
    columns = {c.name: c for c in table.schema_ or []}
    strict = table.schema_mode == "strict"
    problems = []
    if strict and job.use_schema_discovery:
        problems.append(
            Problem(
                ("use_schema_discovery",),
                f"table {table.name!r} has a strict schema: schema discovery needs a flexible "
                "table (schema_mode='flexible')",
            )
        )
    for i, mapping in enumerate(job.mappings):
        column = columns.get(mapping.column_name)
        at = ("mappings", i)
        if column is None:
            if strict and mapping.column_name != "__time":
                problems.append(
                    Problem(
                        (*at, "column_name"),
                        f"{mapping.column_name!r} is not a column of table {table.name!r}, whose "
                        "schema is strict: declare the column in the Table's schema",
                    )
                )
            continue
        if table.type == "detail" and mapping.is_aggregation:
            problems.append(
                Problem(
                    (*at, "is_aggregation"),
                    f"table {table.name!r} is a detail table: aggregations need type='aggregate'",
                )
            )
        elif column.type == "measure" and not mapping.is_aggregation:
            problems.append(
                Problem(
                    (*at, "is_aggregation"),
                    f"column {column.name!r} is a measure of table {table.name!r}: map it with an "
                    "aggregation (e.g. SUM(...)) and is_aggregation=True",
                )
            )
        elif column.type == "dimension" and mapping.is_aggregation:
            problems.append(
                Problem(
                    (*at, "is_aggregation"),
                    f"column {column.name!r} is a dimension of table {table.name!r}: dimensions "
                    "are not aggregated",
                )
            )
    return problems
