"""Druid's array functions, multi-value string functions (a multi-value string is held as an
array of strings) and array aggregates, each declared once as a rewrite into DuckDB's tree:
0-based offsets and 1-based ordinals give null out of range, a value not found gives null,
null elements print as `null`, and times in arrays are millis (Druid has no array of times)."""

from __future__ import annotations

from sqlglot import exp

from polaris_pulumi.emulator.ingest._fn_base import (
    Context,
    Rule,
    TypedRule,
    arity,
    bigint,
    call,
    case,
    is_array,
    is_time,
    mark_array,
    millis,
    varchar,
)
from polaris_pulumi.emulator.ingest._sql_errors import SqlInvalid


def _offset(base: int) -> Rule:
    """ARRAY_OFFSET (0-based) / ARRAY_ORDINAL (1-based): null out of range."""

    def rule(args: list[exp.Expr], _: Context) -> exp.Expr:
        arity("ARRAY_OFFSET", args, 2, 2)
        at = exp.Paren(this=exp.Add(this=bigint(args[1]), expression=exp.Literal.number(1 - base)))
        return case(
            exp.GTE(this=at.copy(), expression=exp.Literal.number(1)),
            call("list_extract", args[0], at),
        )

    return rule


def _offset_of(base: int) -> Rule:
    """ARRAY_OFFSET_OF / ARRAY_ORDINAL_OF: where the value first is, or null."""

    def rule(args: list[exp.Expr], ctx: Context) -> exp.Expr:
        arity("ARRAY_OFFSET_OF", args, 2, 2)
        found = call("list_position", args[0], millis(args[1], ctx))
        if base == 0:
            found = exp.Sub(this=found, expression=exp.Literal.number(1))
        return case(exp.Not(this=exp.Is(this=args[1].copy(), expression=exp.Null())), found)

    return rule


def _overlap(args: list[exp.Expr], ctx: Context) -> exp.Expr:
    arity("ARRAY_OVERLAP", args, 2, 2)
    return call("list_has_any", args[0], _as_array(millis(args[1], ctx), ctx))


def _contains_all(args: list[exp.Expr], ctx: Context) -> exp.Expr:
    """ARRAY_CONTAINS(array, value or array): every value is an element."""
    arity("ARRAY_CONTAINS", args, 2, 2)
    return call("list_has_all", args[0], _as_array(millis(args[1], ctx), ctx))


def _as_array(node: exp.Expr, ctx: Context) -> exp.Expr:
    return node if is_array(node, ctx) else exp.Array(expressions=[node])


def _mv(rule: Rule, *positions: int) -> Rule:
    """A multi-value function: a single string where it takes a multi-value string is one of
    one value, a null one none (a text literal or a value cast to text; a column is taken as
    it is held)."""

    def mv_rule(args: list[exp.Expr], ctx: Context) -> exp.Expr:
        for i in positions:
            if i < len(args) and _text(args[i]) and not is_array(args[i], ctx):
                one = args[i]
                null = exp.Is(this=one.copy(), expression=exp.Null())
                args[i] = mark_array(
                    exp.If(this=null, true=exp.Null(), false=exp.Array(expressions=[one]))
                )
        return rule(args, ctx)

    return mv_rule


def _text(node: exp.Expr) -> bool:
    if isinstance(node, exp.Literal):
        return node.is_string
    return isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.TEXT_TYPES)


def _slice(args: list[exp.Expr], _: Context) -> exp.Expr:
    """ARRAY_SLICE(array, start[, end]): 0-based, end exclusive; null when start is past the
    end or negative."""
    arity("ARRAY_SLICE", args, 2, 3)
    start = bigint(args[1])
    out_of_range = exp.Or(
        this=exp.LT(this=start.copy(), expression=exp.Literal.number(0)),
        expression=exp.GT(this=start.copy(), expression=call("len", args[0].copy())),
    )
    rest = [args[2]] if len(args) > 2 else [call("len", args[0].copy())]
    sliced = call(
        "list_slice", args[0], exp.Add(this=start, expression=exp.Literal.number(1)), *rest
    )
    return mark_array(exp.If(this=out_of_range, true=exp.Null(), false=sliced))


def _to_string(args: list[exp.Expr], _: Context) -> exp.Expr:
    """ARRAY_TO_STRING / MV_TO_STRING: null elements print as `null`."""
    arity("ARRAY_TO_STRING", args, 2, 2)
    x = exp.to_identifier("x")
    each = exp.Lambda(
        this=exp.Coalesce(this=varchar(exp.column("x")), expressions=[exp.Literal.string("null")]),
        expressions=[x],
    )
    return call("array_to_string", call("list_transform", args[0], each), args[1])


def _prepend(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("ARRAY_PREPEND", args, 2, 2)
    return mark_array(call("list_prepend", args[0], args[1]))


def _append(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("ARRAY_APPEND", args, 2, 2)
    return mark_array(call("list_append", args[0], args[1]))


def _concat(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("ARRAY_CONCAT", args, 2, 2)
    return mark_array(call("list_concat", args[0], args[1]))


def _mv_filter(keep: bool) -> Rule:
    def rule(args: list[exp.Expr], _: Context) -> exp.Expr:
        arity("MV_FILTER_ONLY", args, 2, 2)
        test: exp.Expr = call("list_contains", args[1], exp.column("x"))
        if not keep:
            test = exp.Not(this=test)
        return mark_array(
            call(
                "list_filter", args[0], exp.Lambda(this=test, expressions=[exp.to_identifier("x")])
            )
        )

    return rule


def _string_to_mv(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("STRING_TO_MV", args, 2, 2)
    return mark_array(call("regexp_split_to_array", varchar(args[0]), args[1]))


def _to_strings(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("ARRAY_TO_MV", args, 1, 1)
    return mark_array(exp.cast(args[0], exp.DataType.build("VARCHAR[]")))


def _length(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("MV_LENGTH", args, 1, 1)
    return call("len", args[0])


def _array_contains(node: exp.ArrayContains, ctx: Context) -> exp.Expr:
    return _contains_all([node.this, node.expression], ctx)


def _array_prepend(node: exp.ArrayPrepend, _: Context) -> exp.Expr:
    return mark_array(call("list_prepend", node.this, node.expression))


def _array_slice(node: exp.ArraySlice, ctx: Context) -> exp.Expr:
    args = [node.this, node.args["start"]] + ([node.args["end"]] if node.args.get("end") else [])
    return _slice(args, ctx)


def _array_to_string(node: exp.ArrayToString, ctx: Context) -> exp.Expr:
    return _to_string([node.this, node.expression], ctx)


def _unwrap(node: exp.Expr) -> tuple[exp.Expr, bool]:
    """An aggregate's value, and whether it is DISTINCT (sqlglot puts ARRAY_AGG's size limit
    beside the value in the DISTINCT: `_distinct_size` reads it)."""
    if isinstance(node, exp.Distinct):
        return node.expressions[0], True
    return node, False


def _array_literal(node: exp.Array, ctx: Context) -> exp.Expr:
    """ARRAY[...]: Druid has no array of times, its times in an array are millis."""
    for element in list(node.expressions):
        if is_time(element, ctx):
            element.replace(call("epoch_ms", element.copy()))
    return mark_array(node)


def _sorted_set(value: exp.Expr) -> exp.Expr:
    """The distinct values, sorted (nulls first), as Druid's set accumulator keeps them (a
    constant has one)."""
    if value.find(exp.Column) is None:
        return exp.ArrayAgg(this=exp.Distinct(expressions=[value]))
    ordered = exp.Ordered(this=value.copy(), nulls_first=True)
    return exp.ArrayAgg(
        this=exp.Order(this=exp.Distinct(expressions=[value]), expressions=[ordered])
    )


# Druid's ARRAY_AGG and STRING_AGG hold at most `size` bytes (1024 unless given): a larger
# aggregate fails the query. The local engine counts 9 bytes a number, 5 and its length a text.
DEFAULT_SIZE = 1024


def _size(given: exp.Expr | None, function: str) -> int:
    if given is None:
        return DEFAULT_SIZE
    text = given.this if isinstance(given, exp.Literal) and not given.is_string else None
    if text is None or not text.isdigit() or not 0 < int(text) < 2**31:
        raise SqlInvalid(
            f"{function}'s size must be a whole number of bytes, 1 to {2**31 - 1}: not {given.sql()}"
        )
    return int(text)


def _capped(result: exp.Expr, values: exp.Expr, size: int, function: str) -> exp.Expr:
    """The aggregate, or Druid's refusal when its values pass `size` bytes."""
    v = exp.column("v")
    text = exp.Add(
        this=exp.Literal.number(5),
        expression=exp.Coalesce(
            this=exp.Length(this=varchar(v)), expressions=[exp.Literal.number(0)]
        ),
    )
    numeric = exp.In(
        this=call("typeof", v.copy()),
        expressions=[exp.Literal.string(t) for t in ("BIGINT", "INTEGER", "DOUBLE", "FLOAT")],
    )
    # a number is 9 bytes (a null flag and 8), a text 5 and its length
    size_of = exp.If(this=numeric, true=exp.Literal.number(9), false=text)
    each = exp.Lambda(this=size_of, expressions=[exp.to_identifier("v")])
    used = exp.Coalesce(
        this=call("list_sum", call("list_transform", values, each)),
        expressions=[exp.Literal.number(0)],
    )
    message = (
        f"Unable to serialize the {function} aggregate: its size is larger than max [{size}] "
        f"bytes: give {function} a larger size"
    )
    refusal = call("error", exp.Literal.string(message))
    over = exp.GT(this=used, expression=exp.Literal.number(size))
    return exp.If(this=over, true=refusal, false=result)


def _array_agg(node: exp.ArrayAgg, ctx: Context) -> exp.Expr:
    """ARRAY_AGG([DISTINCT] value[, size]): times as millis; distinct values sorted; at most
    `size` bytes."""
    value, distinct = _unwrap(node.this)
    size = _size(node.meta.get("size") or _distinct_size(node.this), "ARRAY_AGG")
    value = millis(value, ctx)
    agg = _sorted_set(value) if distinct else exp.ArrayAgg(this=value)
    return mark_array(_capped(agg, agg.copy(), size, "ARRAY_AGG"))


def _distinct_size(node: exp.Expr) -> exp.Expr | None:
    """sqlglot puts ARRAY_AGG(DISTINCT value, size)'s size beside the value."""
    if isinstance(node, exp.Distinct) and len(node.expressions) > 1:
        size: exp.Expr = node.expressions[1]
        return size
    return None


def _string_agg(node: exp.GroupConcat, ctx: Context) -> exp.Expr:
    """STRING_AGG([DISTINCT] value, separator[, size]): nulls left out, numbers and times (as
    millis) as text; distinct values sorted by value; null when no value is; at most `size`
    bytes."""
    value, distinct = _unwrap(node.this)
    size = _size(node.args.get("on_overflow"), "STRING_AGG")
    value = millis(value, ctx)
    separator = node.args.get("separator") or exp.Literal.string(",")
    each = exp.Lambda(this=varchar(exp.column("v")), expressions=[exp.to_identifier("v")])
    # its size counts the values as the texts it joins
    if not distinct:
        values: exp.Expr = exp.ArrayAgg(this=varchar(value.copy()))
        text: exp.Expr = exp.GroupConcat(this=varchar(value), separator=separator)
    else:
        values = call("list_transform", _sorted_set(value.copy()), each)
        some = exp.GT(this=exp.Count(this=value), expression=exp.Literal.number(0))
        joined = call("array_to_string", values.copy(), separator)
        text = exp.If(this=some, true=joined, false=exp.Null())
    return _capped(text, values, size, "STRING_AGG")


def _avg(node: exp.Avg, _: Context) -> exp.Expr:
    """AVG is the sum divided by the count, as Druid computes it: of longs, a long (whole
    division, as the engine's `/` of whole numbers is); null when there is no value."""
    if isinstance(node.parent, exp.Window):
        return node
    value = node.this
    return exp.Paren(
        this=exp.Div(this=exp.Sum(this=value.copy()), expression=exp.Count(this=value))
    )


FUNCTIONS: dict[str, Rule] = {
    "ARRAY_OFFSET": _offset(0),
    "ARRAY_ORDINAL": _offset(1),
    "ARRAY_OFFSET_OF": _offset_of(0),
    "ARRAY_ORDINAL_OF": _offset_of(1),
    "ARRAY_OVERLAP": _overlap,
    "MV_OFFSET": _mv(_offset(0), 0),
    "MV_ORDINAL": _mv(_offset(1), 0),
    "MV_OFFSET_OF": _mv(_offset_of(0), 0),
    "MV_ORDINAL_OF": _mv(_offset_of(1), 0),
    "MV_OVERLAP": _mv(_overlap, 0, 1),
    "MV_CONTAINS": _mv(_contains_all, 0),
    "MV_PREPEND": _mv(_prepend, 1),
    "MV_APPEND": _mv(_append, 0),
    "MV_CONCAT": _mv(_concat, 0, 1),
    "MV_SLICE": _slice,
    "MV_LENGTH": _mv(_length, 0),
    "MV_TO_STRING": _mv(_to_string, 0),
    "MV_TO_ARRAY": _to_strings,
    "ARRAY_TO_MV": _to_strings,
    "STRING_TO_MV": _string_to_mv,
    "MV_FILTER_ONLY": _mv(_mv_filter(keep=True), 0),
    "MV_FILTER_NONE": _mv(_mv_filter(keep=False), 0),
}
TYPED: dict[type[exp.Expr], TypedRule] = {
    exp.ArrayContains: _array_contains,  # type: ignore[dict-item]
    exp.ArrayPrepend: _array_prepend,  # type: ignore[dict-item]
    exp.ArraySlice: _array_slice,  # type: ignore[dict-item]
    exp.ArrayToString: _array_to_string,  # type: ignore[dict-item]
    exp.Array: _array_literal,  # type: ignore[dict-item]
    exp.ArrayAgg: _array_agg,  # type: ignore[dict-item]
    exp.GroupConcat: _string_agg,  # type: ignore[dict-item]
    exp.Avg: _avg,  # type: ignore[dict-item]
}
