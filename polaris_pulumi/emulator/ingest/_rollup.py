"""Aggregate tables: how a job's aggregation mappings roll a batch up, and how its rows merge
with what the table holds.

A batch is rolled up by `__time` floored to the table's granularity and by its dimensions,
then appended; the table's pending rows are merged into one row per key (`Rows.merge`) once
they outnumber the merged ones, and before the table is read (a query, its row count). Each
measure merges by its combining form: COUNT and SUM add up, MIN and MAX keep theirs,
LATEST/EARLIEST keep the value of the latest/earliest time, a distinct count keeps the set of
values. So a batch costs what it holds, not what the table holds, and a reader sees Druid's
perfect rollup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
from sqlglot import exp

from polaris_pulumi.emulator.ingest import _druid_sql as sql
from polaris_pulumi.emulator.ingest._rows import META, PAIR, SET, Rows, quote, state_of, storage
from polaris_pulumi.tables._model import TableSpec

MERGE_AT = 50_000  # pending rows below which a batch never triggers a merge (reads still do)


@dataclass(frozen=True)
class Measure:
    """An aggregation mapping: how a batch computes it, and how it merges with stored rows."""

    column: str
    batch: str
    combine: str
    duck: str | None = None  # the state's type, when it is not the aggregate's own


def measure(
    column: str,
    tree: exp.Expr,
    lookups: sql.Lookups = sql.no_lookups,
    types: Mapping[str, str] | None = None,
) -> Measure:
    """An aggregation mapping must be one aggregate call: Druid's ingestion aggregators (over
    any expression, LOOKUP included); `types` are the input fields' DuckDB types."""
    c = quote(column)

    def duck(node: exp.Expr) -> str:
        return sql.to_duckdb(node, lookups=lookups, types=types)

    name = tree.name.upper() if isinstance(tree, exp.Anonymous) else ""
    if isinstance(tree, exp.Count | exp.Sum):
        return Measure(column, duck(tree), f"sum({c})")
    if isinstance(tree, exp.Min | exp.Max):
        pick = "min" if isinstance(tree, exp.Min) else "max"
        return Measure(column, duck(tree), f"{pick}({c})")
    if isinstance(tree, exp.ApproxDistinct) or name in sql.SKETCHES:
        arg = tree.this if isinstance(tree, exp.ApproxDistinct) else tree.expressions[0]
        value = f"CAST({duck(arg)} AS VARCHAR)"
        batch = f"list_distinct(list({value}) FILTER (WHERE {value} IS NOT NULL))"
        return Measure(column, batch, f"list_distinct(flatten(list({c})))", SET)
    if name in sql.EXTREMES:
        args = tree.expressions
        value = duck(args[0])
        at = duck(args[1]) if name.endswith("_BY") else '"__time"'
        pair = f"{{'t': {at}, 'v': CAST({value} AS VARCHAR)}}"
        pick = sql.EXTREMES[name]
        return Measure(column, f"{pick}({pair}, {at})", f"{pick}({c}, {c}.t)", PAIR)
    shown = name or (tree.sql_name() if isinstance(tree, exp.Func) else type(tree).__name__)
    raise sql.Unevaluated(
        shown,
        "as an ingestion aggregation: COUNT, SUM, MIN, MAX, LATEST, EARLIEST or a distinct count",
    )


def combining(name: str, duck: str) -> str:
    """A measure this job does not map (another job's, or declared), merged by its type."""
    c = quote(name)
    state = state_of(duck)
    if state == "pair":
        return f"arg_max({c}, {c}.t)"
    if state == "set":
        return f"list_distinct(flatten(list({c})))"
    return f"sum({c})" if duck in ("BIGINT", "DOUBLE", "FLOAT", "HUGEINT") else f"any_value({c})"


def append(
    cur: duckdb.DuckDBPyConnection,
    rows: Rows,
    table: TableSpec,
    measures: list[Measure],
    cast: str,
) -> None:
    """Append the batch's rolled-up rows (`$out`, cast to the table's types by `cast`), note
    the measures' combining forms and the pending rows, and merge once they are many."""
    columns = rows.columns(table.name, cur)
    combine = {m.column: m.combine for m in measures}
    for c in table.schema_ or []:
        if c.type == "measure" and c.name in columns and c.name not in combine:
            combine[c.name] = combining(c.name, columns[c.name])
    found = cur.execute(
        f"SELECT merged, pending, combine FROM {META}.rollups WHERE table_name = ?", [table.name]
    ).fetchone()
    merged, pending, known = (0, 0, "{}") if found is None else found
    combine = json.loads(known) | combine
    cur.execute(f'INSERT INTO {quote(storage(table.name))} BY NAME SELECT {cast} FROM "$out"')
    (added,) = cur.execute('SELECT count(*) FROM "$out"').fetchone() or (0,)
    cur.execute(f"DELETE FROM {META}.rollups WHERE table_name = ?", [table.name])
    cur.execute(
        f"INSERT INTO {META}.rollups VALUES (?, ?, ?, ?)",
        [table.name, merged, pending + added, json.dumps(combine)],
    )
    rows.merge(cur, table.name, at_least=max(merged, MERGE_AT))


# Polaris' granularity names as ISO 8601 periods.
GRANULARITIES = {
    "second": "PT1S",
    "minute": "PT1M",
    "five_minute": "PT5M",
    "ten_minute": "PT10M",
    "fifteen_minute": "PT15M",
    "thirty_minute": "PT30M",
    "hour": "PT1H",
    "six_hour": "PT6H",
    "eight_hour": "PT8H",
    "day": "P1D",
    "week": "P1W",
    "month": "P1M",
    "quarter": "P3M",
    "year": "P1Y",
}


def floor(table: TableSpec) -> str | None:
    """An aggregate table's rollup granularity: queryGranularity, else timeResolution."""
    g = table.query_granularity
    if g is not None and g.type == "period" and g.period:
        period = g.period
    elif g is not None and g.granularity:
        period = GRANULARITIES.get(g.granularity, "")
    else:
        period = GRANULARITIES.get(table.time_resolution or "millisecond", "")
    if not period:
        return None
    return f'time_bucket({sql.interval(period, "the table granularity").sql("duckdb")}, "__time")'
