"""A streaming job's pipeline on DuckDB: decoded rows, then `filterExpression`, the `__time`
mapping and the rejection periods, the other mappings, and the write into the table.

Detail tables take one row per record (with schema discovery, every input field but the
excluded ones). Aggregate tables roll up by `__time` floored to their time resolution and by
their dimensions (`_rollup`).

Column names are Druid's, so case-sensitive, and DuckDB's are not: an input field whose name
differs from another's only in case is not ingested (the first seen is), and the job warns.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
from sqlglot import exp

from polaris_pulumi._meta import with_defaults
from polaris_pulumi.emulator.ingest import _batch, _findings, _rollup, _upserts
from polaris_pulumi.emulator.ingest import _druid_sql as sql
from polaris_pulumi.emulator.ingest._rows import Rows, quote, storage
from polaris_pulumi.jobs._model import StreamingJobSpec
from polaris_pulumi.tables._model import TableSpec

Row = dict[str, Any]


@dataclass
class Plan:
    """A job's pipeline, compiled once (an expression it cannot evaluate fails here)."""

    table: TableSpec
    time: str
    keep: str
    dims: dict[str, str]
    measures: list[_rollup.Measure]
    discover: bool
    exclusions: frozenset[str]
    late_seconds: float
    early_seconds: float
    started: float
    reads: frozenset[str] = frozenset()
    periods: tuple[str, str] = ("", "")  # late and early rejection periods, as declared
    upsert: tuple[tuple[str, ...], str] | None = None  # key columns and version column

    @property
    def aggregate(self) -> bool:
        return self.table.type == "aggregate"


@dataclass
class Counts:
    """What one batch did to the table, in the metrics' terms."""

    persisted: int = 0
    skipped_by_filter: int = 0
    unparseable_time: int = 0
    columns: list[str] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)  # input fields left out (`_load`)
    cast_warnings: int = 0  # rows stored with a value their column could not hold (null)
    findings: list[_findings.Finding] = field(default_factory=list)  # row by row, for logs

    def plus(self, other: Counts, offset: int = 0) -> Counts:
        """Both writes' counts (a batch written in parts, around rows that fail); `offset`
        is where the other part's rows start in the batch."""
        return Counts(
            self.persisted + other.persisted,
            self.skipped_by_filter + other.skipped_by_filter,
            self.unparseable_time + other.unparseable_time,
            [*self.columns, *(c for c in other.columns if c not in self.columns)],
            sorted({*self.folded, *other.folded}),
            self.cast_warnings + other.cast_warnings,
            [*self.findings, *(replace(f, row=f.row + offset) for f in other.findings)],
        )


class PlanError(ValueError):
    """What the local engine cannot evaluate in a job, and where (the job's health says it)."""


@contextmanager
def _at(where: str) -> Iterator[None]:
    try:
        yield
    except sql.Unevaluated as exc:
        raise PlanError(f"The local engine does not evaluate {exc}, in {where}") from None
    except sql.SqlInvalid as exc:
        raise PlanError(f"{exc}, in {where}") from None


def compile_plan(
    spec: StreamingJobSpec, table: TableSpec, started: float, lookups: sql.Lookups | None = None
) -> Plan:
    """The job's pipeline; raises `PlanError` naming what the engine cannot evaluate (or a
    lookup a mapping names that the project does not have)."""
    lookups = lookups or sql.no_lookups
    filled = with_defaults(spec)
    dims: dict[str, str] = {}
    measures: list[_rollup.Measure] = []
    time_sql = _time_default(spec)
    reads: set[str] = set()
    # What Druid's planner knows of the input: each field's type (which are arrays, longs).
    types = {f.name.lower(): _batch.input_type(f.data_type) for f in spec.source.input_schema}
    for m in spec.mappings:
        with _at(f"the mapping of column {m.column_name!r}"):
            tree = sql.parse_expression(m.expression)
            reads |= {c.name for c in tree.find_all(exp.Column)}
            if m.column_name == "__time":
                time_sql = sql.to_duckdb(tree, lookups=lookups, types=types)
            elif m.is_aggregation or (table.type == "aggregate" and sql.aggregates(tree)):
                measures.append(_rollup.measure(m.column_name, tree, lookups, types))
            else:
                dims[m.column_name] = sql.to_duckdb(tree, lookups=lookups, types=types)
    if not any(m.column_name == "__time" for m in spec.mappings):
        reads.add(_time_field(spec))
    keep = "true"
    if spec.filter_expression:
        with _at("filterExpression"):
            tree = sql.parse_expression(spec.filter_expression)
            reads |= {c.name for c in tree.find_all(exp.Column)}
            keep = sql.to_duckdb(tree, lookups=lookups, types=types)
    return Plan(
        table=table,
        time=time_sql,
        keep=keep,
        dims=dims,
        measures=measures,
        discover=bool(spec.use_schema_discovery),
        exclusions=frozenset(spec.dimension_exclusions or ()),
        # Unset periods are the server's defaults, declared once in the job's model.
        late_seconds=sql.period_seconds(str(filled.late_message_rejection_period)),
        early_seconds=sql.period_seconds(str(filled.early_message_rejection_period)),
        started=started,
        reads=frozenset(reads),
        periods=(
            str(filled.late_message_rejection_period),
            str(filled.early_message_rejection_period),
        ),
        upsert=_upsert(spec, table),
    )


def _upsert(spec: StreamingJobSpec, table: TableSpec) -> tuple[tuple[str, ...], str] | None:
    """A job with upserts: its key columns and version column (`__time` unless given)."""
    if not spec.enable_upserts:
        return None
    if table.type == "aggregate":
        raise PlanError(f"Upserts write a detail table: table {table.name!r} is an aggregate one")
    return tuple(spec.upsert_key_columns or ()), spec.upsert_version_column or "__time"


def _time_field(spec: StreamingJobSpec) -> str:
    """Without a `__time` mapping: the kafka format's timestamp column, else `__time`."""
    fmt = spec.source.format_settings
    if fmt.format == "kafka":
        return fmt.timestamp_column_name or "kafka.timestamp"
    return "__time"


def _time_default(spec: StreamingJobSpec) -> str:
    field = quote(_time_field(spec))
    if field == '"__time"':
        return f"coalesce(TRY_CAST({field} AS TIMESTAMP), epoch_ms(TRY_CAST({field} AS BIGINT)))"
    return f"epoch_ms(TRY_CAST({field} AS BIGINT))"


# --- one batch ------------------------------------------------------------------------------


def write(
    rows: Rows,
    plan: Plan,
    batch: list[Row],
    input_types: dict[str, str],
    now: float | None = None,
) -> Counts:
    """Run a batch of decoded rows through the plan into the table, in a transaction of its
    own; `now` (the emulator's clock; default the system's) bounds the early rejection
    period."""
    with rows.writing() as cur:
        return write_in(cur, rows, plan, batch, input_types, now)


def write_in(
    cur: duckdb.DuckDBPyConnection,
    rows: Rows,
    plan: Plan,
    batch: list[Row],
    input_types: dict[str, str],
    now: float | None = None,
) -> Counts:
    """`write`, in the caller's transaction (which commits the read position with it)."""
    if not batch:
        return Counts()
    have = rows.ensure(plan.table, cur)
    names, folded, row = _batch.load(cur, batch, input_types, plan.reads)
    keep = _batch.fresh("$keep", [*names, row])  # the filter's verdict: a name no input field has
    counts = _stage(cur, plan, names, (keep, row), time.time() if now is None else now)
    counts.folded = folded
    out = _out(cur, plan, names, (keep, row), have)
    counts.columns = _widen(cur, plan, have, out)
    table = rows.columns(plan.table.name, cur)
    if not plan.aggregate:  # an aggregate table's rows are rolled up: no row to name
        casts = {
            n: table[n]
            for n in out
            if n in table
            and out[n] != table[n]
            and out[n].endswith("[]") == table[n].endswith("[]")
        }  # a single value bound for an array column is an array of it, not a failed cast
        counts.cast_warnings, found = _findings.failed_casts(cur, casts, row)
        counts.findings += found
    counts.persisted = _store(cur, rows, plan, table, out, row)
    cur.execute('DROP TABLE "$batch"; DROP TABLE "$stage"; DROP TABLE "$out"')
    return counts


def _stage(
    cur: duckdb.DuckDBPyConnection,
    plan: Plan,
    names: list[str],
    own: tuple[str, str],
    now: float,
) -> Counts:
    """Each row's `__time` and whether the filter keeps it (`own`: the columns of the
    filter's verdict and of the row's place); what the filter, an unreadable time and the
    rejection periods drop, and the rows they drop for those two."""
    keep, row = own
    inputs = ", ".join(quote(n) for n in [*names, row] if n != "__time")
    k = quote(keep)
    cur.execute(
        f'CREATE TEMP TABLE "$stage" AS SELECT {inputs}, '
        f'({plan.time}) AS "__time", coalesce(({plan.keep}), false) AS {k} FROM "$batch"'
    )
    low = _timestamp(plan.started - plan.late_seconds)
    high = _timestamp(now + plan.early_seconds)
    bounds = (dt.datetime.fromisoformat(low), dt.datetime.fromisoformat(high))
    findings = _findings.outside(cur, keep, row, bounds, plan.periods)
    cur.execute(
        f'UPDATE "$stage" SET {k} = false WHERE {k} AND "__time" IS NOT NULL '
        'AND ("__time" < ?::TIMESTAMP OR "__time" > ?::TIMESTAMP)',
        [low, high],
    )
    filtered, timeless = cur.execute(
        f"SELECT count(*) FILTER (WHERE NOT {k}), "
        f'count(*) FILTER (WHERE {k} AND "__time" IS NULL) FROM "$stage"'
    ).fetchone() or (0, 0)
    findings += _findings.timeless(cur, keep, row) if timeless else []
    return Counts(
        skipped_by_filter=int(filtered), unparseable_time=int(timeless), findings=findings
    )


_YEAR_1 = -62135596800 + 86400  # 0001-01-02: a period longer than the calendar stops there


def _timestamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(max(epoch, _YEAR_1)))


def _out(
    cur: duckdb.DuckDBPyConnection,
    plan: Plan,
    names: list[str],
    own: tuple[str, str],
    have: dict[str, str],
) -> dict[str, str]:
    """The batch's rows as the table takes them (rolled up, for an aggregate table), and
    their columns (a detail table's rows keep their place in the batch too, `own[1]`, which
    is not one). A discovered field that differs from a mapped or stored column only in case
    is left out."""
    keep, row = own
    declared = {c.name for c in plan.table.schema_ or []}
    taken = {"__time", *plan.dims, *(m.column for m in plan.measures)}
    folds = {n.lower(): n for n in (*have, *taken)}
    discovered = [
        n
        for n in names
        if plan.discover
        and n not in taken
        and folds.get(n.lower(), n) == n
        and n not in plan.exclusions
    ]
    if plan.table.schema_mode == "strict":
        discovered = [n for n in discovered if n in declared]
    when = '"__time"'
    if plan.aggregate:
        when = _rollup.floor(plan.table) or when
    select = [f'{when} AS "__time"']
    select += [f"({expr}) AS {quote(col)}" for col, expr in plan.dims.items()]
    select += [quote(n) for n in discovered]
    select += [f"({m.batch}) AS {quote(m.column)}" for m in plan.measures]
    select += [] if plan.aggregate else [quote(row)]
    group = " GROUP BY ALL" if plan.aggregate else ""
    cur.execute(
        f'CREATE TEMP TABLE "$out" AS SELECT {", ".join(select)} FROM "$stage" '
        f'WHERE {quote(keep)} AND "__time" IS NOT NULL{group}'
    )
    out = dict(cur.execute('SELECT column_name, column_type FROM (DESCRIBE "$out")').fetchall())
    out.pop(row, None)
    return out


def _widen(
    cur: duckdb.DuckDBPyConnection, plan: Plan, have: dict[str, str], out: dict[str, str]
) -> list[str]:
    """A flexible table gains the batch's new columns (a strict one refuses them); the
    columns added."""
    if plan.table.schema_mode == "strict":
        return []
    states = {m.column: m.duck for m in plan.measures if m.duck}
    added = []
    for name, duck in out.items():
        if name not in have:
            kind = states.get(name) or _WIDER.get(duck.split("(")[0], duck)
            cur.execute(
                f"ALTER TABLE {quote(storage(plan.table.name))} ADD COLUMN {quote(name)} {kind}"
            )
            added.append(name)
    return added


_WIDER = {"HUGEINT": "BIGINT", "INTEGER": "BIGINT", "DECIMAL": "DOUBLE", "BOOLEAN": "BIGINT"}


def _cast(name: str, have: str, column: str) -> str:
    """A value as its column holds it: cast (null when it cannot be: Druid's cast); a single
    value bound for an array column is an array of one, as in Druid."""
    q = quote(name)
    if column.endswith("[]") and not have.endswith("[]"):
        # A multi-value string is held as the JSON text of its values: those are the array.
        values = f"TRY_CAST(TRY_CAST({q} AS JSON) AS {column})"
        many = f"json_valid({q}) AND json_type({q}) = 'ARRAY'" if have == "VARCHAR" else "false"
        one = f"[TRY_CAST({q} AS {column[:-2]})]"
        return f"CASE WHEN {q} IS NULL THEN NULL WHEN {many} THEN {values} ELSE {one} END AS {q}"
    return f"TRY_CAST({q} AS {column}) AS {q}"


def _store(
    cur: duckdb.DuckDBPyConnection,
    rows: Rows,
    plan: Plan,
    table: dict[str, str],
    out: dict[str, str],
    place: str,
) -> int:
    """Append the batch (an aggregate table merges later: `_rollup`; with upserts, a row
    replaces its key's: `_upserts`); the rows it wrote."""
    cast = ", ".join(_cast(n, out[n], table[n]) for n in out if n in table)
    (persisted,) = cur.execute('SELECT count(*) FROM "$out"').fetchone() or (0,)
    if plan.aggregate:
        _rollup.append(cur, rows, plan.table, plan.measures, cast)
    elif plan.upsert is not None:
        t = quote(storage(plan.table.name))
        return _upserts.apply(cur, t, cast, plan.upsert, place)
    else:
        t = quote(storage(plan.table.name))
        cur.execute(f'INSERT INTO {t} BY NAME SELECT {cast} FROM "$out"')
    return int(persisted)
