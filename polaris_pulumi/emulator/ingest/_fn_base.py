"""What every rule of the Druid function library shares: the `Context` it may know of the
query, the helpers that build DuckDB's tree, and what marks a value as an array (what Druid's
planner knows from its types)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlglot import exp

from polaris_pulumi.emulator.ingest._sql_errors import Unevaluated


@dataclass
class Context:
    """What a rule may know of the query: aggregate states (`pair`, `set`) and the DuckDB types
    of the tables' columns, by lower-cased name."""

    states: Mapping[str, str] = field(default_factory=dict)
    types: Mapping[str, str] = field(default_factory=dict)


Rule = Callable[[list[exp.Expr], Context], exp.Expr]
ARRAY = "array"  # a node's meta key: the value is an array


def call(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def arity(function: str, args: list[exp.Expr], low: int, high: int) -> None:
    if not low <= len(args) <= high:
        raise Unevaluated(function, f"takes {low} to {high} arguments, not {len(args)}")


def literal(args: list[exp.Expr], i: int, function: str, what: str) -> str | None:
    """Argument i as a string literal (None when absent or NULL)."""
    if i >= len(args) or isinstance(args[i], exp.Null):
        return None
    arg = args[i]
    if not (isinstance(arg, exp.Literal) and arg.is_string):
        raise Unevaluated(function, f"its {what} must be a string literal")
    return str(arg.this)


def is_array(node: exp.Expr, ctx: Context) -> bool:
    """Whether an expression's value is an array (what Druid's planner knows from its types)."""
    if node.meta.get(ARRAY):
        return True
    if isinstance(node, exp.Paren):
        return is_array(node.this, ctx)
    if isinstance(node, exp.Column):
        return ctx.types.get(node.name.lower(), "").endswith("[]")
    if isinstance(node, exp.Cast):
        return node.to.is_type(exp.DType.ARRAY) or bool(node.to.expressions)
    return isinstance(node, _ARRAY_NODES)


_ARRAY_NODES = (
    exp.Array,
    exp.ArrayAgg,
    exp.ArrayConcat,
    exp.ArrayAppend,
    exp.ArrayPrepend,
    exp.ArraySlice,
    exp.ArrayConcatAgg,
)


def varchar(node: exp.Expr) -> exp.Expr:
    return exp.cast(node, exp.DataType.build("VARCHAR"))


def bigint(node: exp.Expr) -> exp.Expr:
    return exp.cast(node, exp.DataType.build("BIGINT"))


def case(cond: exp.Expr, then: exp.Expr) -> exp.Expr:
    return exp.Case(ifs=[exp.If(this=cond, true=then)])


def mark_array(result: exp.Expr) -> exp.Expr:
    result.meta[ARRAY] = True
    return result


def is_time(node: exp.Expr, ctx: Context) -> bool:
    """Whether the value is a time: a TIMESTAMP column, or a time literal."""
    if isinstance(node, exp.Column):
        return ctx.types.get(node.name.lower()) == "TIMESTAMP"
    return isinstance(node, exp.Cast) and node.to.is_type(exp.DType.TIMESTAMP)


def millis(node: exp.Expr, ctx: Context) -> exp.Expr:
    """A time as Druid's aggregators and arrays hold it: epoch milliseconds."""
    return call("epoch_ms", node) if is_time(node, ctx) else node


TypedRule = Callable[[exp.Expr, Context], exp.Expr]
