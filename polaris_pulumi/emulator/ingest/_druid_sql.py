"""Druid SQL on DuckDB: sqlglot reads Polaris' expressions and queries in its `druid` dialect
(`_sql_read`) and writes DuckDB SQL. Druid's own functions that DuckDB lacks are rewritten in sqlglot's tree
(`_FUNCTIONS`); any other function sqlglot does not know is refused by name (`Unevaluated`),
never passed through for DuckDB to guess at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from polaris_pulumi.emulator.ingest import _operands
from polaris_pulumi.emulator.ingest._fn_base import arity, call, literal
from polaris_pulumi.emulator.ingest._functions import FUNCTIONS, TYPED, Context
from polaris_pulumi.emulator.ingest._periods import (  # noqa: F401 - Druid SQL's, re-exported
    interval,
    joda_to_strftime,
    period_seconds,
)
from polaris_pulumi.emulator.ingest._sql_errors import SqlInvalid, Unevaluated
from polaris_pulumi.emulator.ingest._sql_read import (  # noqa: F401 - re-exported
    BOUNDED,
    MAX_NESTING,
    MAX_TERMS,
    READ,
    WRITE,
    Expression,
    druid_only,
    first_line,
    parse_expression,
    parse_query,
    read_expression,
)

__all__ = [
    "MAX_NESTING",
    "MAX_TERMS",
    "SqlInvalid",
    "Unevaluated",
    "Expression",
    "read_expression",
    "interval",
    "joda_to_strftime",
    "parse_expression",
    "parse_query",
    "period_seconds",
]


# A lookup named in LOOKUP(expr, '<name>'): its DuckDB table, key column and value column
# (`_lookups` resolves `name[key][value]` and aliases; `UnknownLookup` when there is none).
Lookups = Callable[[str], tuple[str, str, str]]


class UnknownLookup(SqlInvalid):
    """LOOKUP names no lookup of the project (Druid: "Lookup [x] not found")."""


def no_lookups(name: str) -> tuple[str, str, str]:
    raise UnknownLookup(f"Lookup [{name}] not found")


def unwritable(tree: exp.Expr) -> str | None:
    """Why the engine could never write this expression (SQL it cannot write, nesting it
    cannot read), judged when a job is created; a function it does not evaluate is not such a
    reason (Polaris would run it: the job's health says so when it starts)."""
    try:
        to_duckdb(tree, lookups=lambda name: ("lookup", "k", "v"))
    except Unevaluated:
        return None
    except SqlInvalid as exc:
        return str(exc)
    return None


def to_duckdb(
    tree: exp.Expr,
    states: Mapping[str, str] | None = None,
    lookups: Lookups = no_lookups,
    types: Mapping[str, str] | None = None,
    copy: bool = True,
) -> str:
    """DuckDB SQL for a Druid SQL tree. `states` names the columns that hold an aggregate's
    state (`pair`: LATEST/EARLIEST, `set`: a distinct-count sketch), which Druid's functions
    on them read; `lookups` resolves the lookups LOOKUP names; `types` gives the columns'
    DuckDB types (what Druid's planner knows: which values are arrays, longs, times). The
    tree is rewritten in place when `copy` is false (a query's, read once)."""
    with BOUNDED:
        return _to_duckdb(tree, states or {}, lookups, types or {}, copy)


def _to_duckdb(
    tree: exp.Expr,
    states: Mapping[str, str],
    lookups: Lookups,
    types: Mapping[str, str],
    copy: bool,
) -> str:
    druid_only(tree)
    ctx = Context(states, _operands.check(tree, types))
    tree = tree.copy() if copy else tree
    calls = [n for n in tree.walk(bfs=False) if isinstance(n, _REWRITTEN_NODES)]
    for node in reversed(calls):  # a call's arguments are rewritten before the call
        if isinstance(node, exp.Anonymous) and node.name.upper() == "LOOKUP":
            new = _lookup(list(node.expressions), lookups)
        else:
            try:
                new = _rewrite(node, ctx)
            except (AttributeError, TypeError, KeyError, IndexError):
                raise Unevaluated(node.sql("druid")[:60], "arguments it cannot read") from None
        if node is tree:
            tree = new
        elif new is not node:
            node.replace(new)
    try:
        return tree.sql(WRITE)
    except SqlglotError as exc:
        raise SqlInvalid(f"The local engine cannot write this query: {first_line(exc)}") from None


_REWRITTEN_NODES = (exp.Anonymous, exp.ApproxDistinct, *TYPED)


def _rewrite(node: exp.Expr, ctx: Context) -> exp.Expr:
    if isinstance(node, exp.ApproxDistinct):
        return _distinct([node.this], ctx.states)
    if not isinstance(node, exp.Anonymous):
        typed = TYPED.get(type(node))
        return node if typed is None else typed(node, ctx)
    name = node.name.upper()
    if (rule := _FUNCTIONS.get(name)) is not None:
        return rule(list(node.expressions), ctx.states)
    if (library := FUNCTIONS.get(name)) is not None:
        return library(list(node.expressions), ctx)
    raise Unevaluated(name)


Rule = Callable[[list[exp.Expr], Mapping[str, str]], exp.Expr]


# Druid's distinct counts the local engine computes exactly, and the value-at-a-time
# aggregates with the DuckDB function that picks their value (shared with `_pipeline`).
DISTINCT_COUNTS = (
    "APPROX_COUNT_DISTINCT_BUILTIN",
    "APPROX_COUNT_DISTINCT_DS_HLL",
    "APPROX_COUNT_DISTINCT_DS_THETA",
)
EXTREMES = {
    "LATEST": "arg_max",
    "EARLIEST": "arg_min",
    "LATEST_BY": "arg_max",
    "EARLIEST_BY": "arg_min",
}


def _extreme(latest: bool, by: bool) -> Rule:
    """LATEST/EARLIEST[_BY]: the value at the greatest (least) time. On a column that holds
    such a pair (an aggregate table's measure), the pair's own time decides."""
    name = ("LATEST" if latest else "EARLIEST") + ("_BY" if by else "")
    pick = EXTREMES[name]

    def rule(args: list[exp.Expr], states: Mapping[str, str]) -> exp.Expr:
        arity(name, args, 2 if by else 1, 3 if by else 2)
        value = args[0]
        if not by and _state(value, states) == "pair":
            return call(
                pick, exp.Dot.build([value.copy(), exp.to_identifier("v")]), _pair_time(value)
            )
        time = args[1] if by else exp.column("__time", quoted=True)
        return call(pick, value, time)

    return rule


def _pair_time(column: exp.Expr) -> exp.Expr:
    return exp.Dot.build([column.copy(), exp.to_identifier("t")])


def _state(node: exp.Expr, states: Mapping[str, str]) -> str | None:
    return states.get(node.name.lower()) if isinstance(node, exp.Column) else None


def _distinct(args: list[exp.Expr], states: Mapping[str, str]) -> exp.Expr:
    """A distinct count, exact: Druid's sketches approximate it. On a sketch column (the
    distinct values an aggregate table kept), the union of its sets."""
    if _state(args[0], states) == "set":
        union = call("list_distinct", call("flatten", call("list", args[0])))
        return call("len", union)
    return exp.Count(this=exp.Distinct(expressions=[args[0]]))


def _distinct_rule(name: str) -> Rule:
    def rule(args: list[exp.Expr], states: Mapping[str, str]) -> exp.Expr:
        arity(name, args, 1, 3)
        return _distinct(args, states)

    return rule


def _lookup(args: list[exp.Expr], lookups: Lookups) -> exp.Expr:
    """LOOKUP(expr, 'name'[, replaceMissingValueWith]): the value the lookup maps the key to,
    read from its table when evaluated (as of now: a refilled table maps anew); a key it does
    not hold (or null) gives null, or the replacement (Druid's semantics). One value per key:
    when a key has several rows, the least value."""
    arity("LOOKUP", args, 2, 3)
    name = literal(args, 1, "LOOKUP", "lookup name")
    if name is None:
        raise Unevaluated("LOOKUP", "without a lookup name")
    table, key, value = lookups(name)
    k, v = exp.column(key, quoted=True), exp.column(value, quoted=True)
    one_per_key = (
        sqlglot.select(k.copy(), exp.alias_(exp.Min(this=v.copy()), value, quoted=True))
        .from_(exp.Table(this=exp.to_identifier(table, quoted=True)))
        .where(exp.Not(this=exp.Is(this=k.copy(), expression=exp.Null())))
        .group_by(k.copy())
    )
    mapping = sqlglot.select(call("map", call("list", k), call("list", v))).from_(
        one_per_key.subquery("l")
    )
    key_text = exp.cast(args[0], exp.DataType.build("VARCHAR"))
    found = call(
        "list_extract",
        call("map_extract", exp.Subquery(this=mapping), key_text),
        exp.Literal.number(1),
    )
    if len(args) == 3 and not isinstance(args[2], exp.Null):
        found = exp.Coalesce(this=found, expressions=[args[2]])
    return found


def _strlen(args: list[exp.Expr], _: Mapping[str, str]) -> exp.Expr:
    arity("STRLEN", args, 1, 1)
    return exp.Length(this=exp.cast(args[0], exp.DataType.build("VARCHAR")))


_FUNCTIONS: dict[str, Rule] = {
    "LATEST": _extreme(latest=True, by=False),
    "EARLIEST": _extreme(latest=False, by=False),
    "LATEST_BY": _extreme(latest=True, by=True),
    "EARLIEST_BY": _extreme(latest=False, by=True),
    "STRLEN": _strlen,
    **{name: _distinct_rule(name) for name in DISTINCT_COUNTS},
}
# What docs/local-testing.md lists: Druid's functions the rules above rewrite, and those
# sqlglot already writes for DuckDB (its typed functions).
REWRITTEN = tuple(sorted({*_FUNCTIONS, *FUNCTIONS, "APPROX_COUNT_DISTINCT", "LOOKUP"}))

# Druid's ingestion aggregators: COUNT, SUM, MIN, MAX, LATEST/EARLIEST[_BY] (a `pair`), and the
# distinct counts, where DS_HLL and DS_THETA build the sketch (here: the set of values).
_AGGREGATE_NODES = (exp.Count, exp.Sum, exp.Min, exp.Max, exp.ApproxDistinct)
SKETCHES = frozenset({*DISTINCT_COUNTS, "DS_HLL", "DS_THETA"})


def is_aggregator(tree: exp.Expr) -> bool:
    """Whether this node is a call of one of Druid's ingestion aggregators."""
    name = tree.name.upper() if isinstance(tree, exp.Anonymous) else ""
    return isinstance(tree, _AGGREGATE_NODES) or name in EXTREMES or name in SKETCHES


def aggregates(tree: exp.Expr | str) -> bool:
    """Whether an expression aggregates anywhere in it: what makes a mapping a measure, and a
    table that a job creates an aggregate table. Text that does not parse does not."""
    if isinstance(tree, str):
        try:
            tree = parse_expression(tree)
        except (SqlInvalid, Unevaluated):
            return False
    return any(is_aggregator(node) for node in tree.walk())
