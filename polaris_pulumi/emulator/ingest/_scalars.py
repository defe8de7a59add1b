"""Druid's scalar functions of strings, bits and JSON that sqlglot passes through unknown
or writes for DuckDB with another meaning, each declared once as a rewrite into DuckDB's tree.
Druid casts numbers to text where a function takes text; null elements and values follow its
SQL-compatible null handling."""

from __future__ import annotations

from collections.abc import Callable

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
    mark_array,
    varchar,
)
from polaris_pulumi.emulator.ingest._sql_errors import Unevaluated


def _fixed(name: str, low: int, high: int, build: Callable[[list[exp.Expr]], exp.Expr]) -> Rule:
    def rule(args: list[exp.Expr], _: Context) -> exp.Expr:
        arity(name, args, low, high)
        return build(args)

    return rule


def _contains(args: list[exp.Expr], fold: bool) -> exp.Expr:
    text, part = varchar(args[0]), varchar(args[1])
    if fold:
        text, part = exp.Lower(this=text), exp.Lower(this=part)
    return call("contains", text, part)


def _parse_long(args: list[exp.Expr]) -> exp.Expr:
    radix = args[1] if len(args) > 1 else exp.Literal.number(10)
    if not (isinstance(radix, exp.Literal) and radix.this in ("2", "8", "10", "16")):
        raise Unevaluated("PARSE_LONG", "a radix other than 2, 8, 10 or 16")
    prefix = {"2": "0b", "8": "0o", "10": "", "16": "0x"}[radix.this]
    text = varchar(args[0])
    if prefix:
        text = exp.DPipe(this=exp.Literal.string(prefix), expression=text)
    return exp.TryCast(this=text, to=exp.DataType.build("BIGINT"))


def _string_format(args: list[exp.Expr]) -> exp.Expr:
    """STRING_FORMAT(pattern, args...): Java's String.format; `%s` of null prints `null`."""
    values = [
        exp.Coalesce(this=varchar(a), expressions=[exp.Literal.string("null")]) for a in args[1:]
    ]
    return call("printf", args[0], *values)


def _btrim(args: list[exp.Expr]) -> exp.Expr:
    chars = args[1] if len(args) > 1 else exp.Literal.string(" ")
    return exp.Trim(this=varchar(args[0]), expression=chars)


def _binary(name: str, node: type[exp.Binary]) -> Rule:
    def rule(args: list[exp.Expr], _: Context) -> exp.Expr:
        arity(name, args, 2, 2)
        return exp.Paren(this=node(this=bigint(args[0]), expression=bigint(args[1])))

    return rule


def _xor(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("BITWISE_XOR", args, 2, 2)
    return call("xor", bigint(args[0]), bigint(args[1]))


def _complement(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("BITWISE_COMPLEMENT", args, 1, 1)
    return exp.BitwiseNot(this=bigint(args[0]))


def _aggregate(name: str) -> Rule:
    """An aggregate DuckDB has under the same name (BIT_AND, BIT_OR, BIT_XOR)."""

    def rule(args: list[exp.Expr], ctx: Context) -> exp.Expr:
        arity(name, args, 1, 1)
        value = args[0]
        if isinstance(value, exp.Column) and ctx.types.get(value.name.lower()) == "VARCHAR":
            value = exp.TryCast(this=value, to=exp.DataType.build("BIGINT"))  # Druid reads it
        return call(name.lower(), value)

    return rule


def _to_json_string(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("TO_JSON_STRING", args, 1, 1)
    return varchar(call("to_json", args[0]))


def _json_query(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("JSON_QUERY", args, 2, 2)
    return call("json_extract", exp.cast(args[0], exp.DataType.build("JSON")), args[1])


def _json_value(node: exp.JSONValue, _: Context) -> exp.Expr:
    """JSON_VALUE(expr, path [RETURNING type]): a scalar (or, RETURNING an array type, an
    array of scalars) at the path, cast to the type; null when it is not one."""
    path = node.args.get("path")
    if isinstance(path, exp.JSONPath):
        path_text: exp.Expr = exp.Literal.string(path.sql("duckdb").strip("'"))
    elif isinstance(path, exp.Literal) and path.is_string:
        path_text = path
    else:
        raise Unevaluated("JSON_VALUE", "its path must be a JSONPath string literal")
    doc = exp.cast(node.this, exp.DataType.build("JSON"))
    returning = node.args.get("returning") or None  # sqlglot sets False when there is none
    if not isinstance(returning, exp.DataType | None):
        raise Unevaluated("JSON_VALUE", "a RETURNING clause it cannot read")
    if returning is not None and returning.expressions:
        to = exp.DataType.build(f"{returning.expressions[0].sql('duckdb')}[]")
        return mark_array(exp.TryCast(this=call("json_extract", doc, path_text), to=to))
    scalar = case(
        exp.Not(
            this=exp.In(
                this=call("json_type", doc.copy(), path_text.copy()),
                expressions=[exp.Literal.string("ARRAY"), exp.Literal.string("OBJECT")],
            )
        ),
        call("json_extract_string", doc, path_text),
    )
    if returning is None:
        return scalar
    return exp.TryCast(this=scalar, to=returning)


def _length_of_text(node: exp.Length, _: Context) -> exp.Expr:
    """LENGTH of a number is the length of its text (Druid casts implicitly)."""
    return exp.Length(this=varchar(node.this))


FUNCTIONS: dict[str, Rule] = {
    "CONTAINS_STRING": _fixed("CONTAINS_STRING", 2, 2, lambda a: _contains(a, fold=False)),
    "ICONTAINS_STRING": _fixed("ICONTAINS_STRING", 2, 2, lambda a: _contains(a, fold=True)),
    "TEXTCAT": _fixed(
        "TEXTCAT", 2, 2, lambda a: exp.DPipe(this=varchar(a[0]), expression=varchar(a[1]))
    ),
    "BTRIM": _fixed("BTRIM", 1, 2, _btrim),
    "STRING_FORMAT": _fixed("STRING_FORMAT", 1, 64, _string_format),
    "PARSE_LONG": _fixed("PARSE_LONG", 1, 2, _parse_long),
    "BITWISE_AND": _binary("BITWISE_AND", exp.BitwiseAnd),
    "BITWISE_OR": _binary("BITWISE_OR", exp.BitwiseOr),
    "BITWISE_SHIFT_LEFT": _binary("BITWISE_SHIFT_LEFT", exp.BitwiseLeftShift),
    "BITWISE_SHIFT_RIGHT": _binary("BITWISE_SHIFT_RIGHT", exp.BitwiseRightShift),
    "BITWISE_XOR": _xor,
    "BITWISE_COMPLEMENT": _complement,
    "BIT_AND": _aggregate("BIT_AND"),
    "BIT_OR": _aggregate("BIT_OR"),
    "BIT_XOR": _aggregate("BIT_XOR"),
    "TO_JSON_STRING": _to_json_string,
    "JSON_QUERY": _json_query,
}
TYPED: dict[type[exp.Expr], TypedRule] = {
    exp.JSONValue: _json_value,  # type: ignore[dict-item]
    exp.Length: _length_of_text,  # type: ignore[dict-item]
}


# Comparisons and casts: where DuckDB's implicit cast of text to a number fails the query,
# Druid compares with the number's text (equality), reads the text as a number (order), and a
# CAST of text that is not a number is null.

_NUMERIC_TYPES = ("BIGINT", "INTEGER", "DOUBLE", "FLOAT", "DECIMAL", "HUGEINT", "SMALLINT")
_NUMERIC_NODES = (
    exp.Count,
    exp.Sum,
    exp.Avg,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.Length,
    exp.ArraySize,
)


def _number_literal(node: exp.Expr) -> bool:
    if isinstance(node, exp.Neg):
        node = node.this
    return isinstance(node, exp.Literal) and not node.is_string


def _numeric(node: exp.Expr, ctx: Context) -> bool:
    """Whether the value is known to be a number (or a time, which compares as itself)."""
    if _number_literal(node) or isinstance(node, _NUMERIC_NODES):
        return True
    if isinstance(node, exp.Paren):
        return _numeric(node.this, ctx)
    if isinstance(node, exp.Column):
        duck = ctx.types.get(node.name.lower(), "")
        return duck.startswith(_NUMERIC_TYPES) or duck == "TIMESTAMP"
    if isinstance(node, exp.Cast | exp.TryCast):
        return not node.to.is_type(*exp.DataType.TEXT_TYPES)
    return False


def _nulls_first(array: exp.Expr) -> exp.Expr:
    """An array whose elements compare as Druid's do: a null before any value (DuckDB puts
    it after)."""
    v = exp.column("v")
    pair = exp.Struct(
        expressions=[
            exp.PropertyEQ(
                this=exp.to_identifier("n"),
                expression=exp.Not(this=exp.Is(this=v, expression=exp.Null())),
            ),
            exp.PropertyEQ(this=exp.to_identifier("v"), expression=v.copy()),
        ]
    )
    return call(
        "list_transform", array, exp.Lambda(this=pair, expressions=[exp.to_identifier("v")])
    )


def _compare(node: exp.Binary, ctx: Context) -> exp.Expr:
    left, right = node.this, node.expression
    if is_array(left, ctx) and is_array(right, ctx):
        node.set("this", _nulls_first(left))
        node.set("expression", _nulls_first(right))
    elif _number_literal(right) and not _number_literal(left):
        _coerce(node, "this", ctx)
    elif _number_literal(left) and not _number_literal(right):
        _coerce(node, "expression", ctx)
    return node


def _coerce(node: exp.Binary, side: str, ctx: Context) -> None:
    """A value that is not known to be a number, compared with a number: for (in)equality the
    number is its text (a string equals it only as text; a number still equals it), for an
    order the value is read as a number (null when it is not one)."""
    other = "expression" if side == "this" else "this"
    value, number = node.args[side], node.args[other]
    if _numeric(value, ctx) or is_array(value, ctx) or isinstance(value, exp.Null):
        return
    if isinstance(node, exp.EQ | exp.NEQ):
        node.set(other, _text(number))
    elif not isinstance(value, exp.Literal):
        node.set(side, exp.TryCast(this=value, to=exp.DataType.build("DOUBLE")))


def _text(number: exp.Expr) -> exp.Expr:
    return exp.Literal.string(number.sql())


def _in(node: exp.In, ctx: Context) -> exp.Expr:
    """IN (...): numbers among strings, or compared with a value not known to be a number,
    are their text (as for `=`)."""
    values = node.expressions
    if not values:
        return node
    this = node.this
    strings = any(isinstance(v, exp.Literal) and v.is_string for v in values)
    if strings or not (_numeric(this, ctx) or is_array(this, ctx)):
        for v in values:
            if _number_literal(v):
                v.replace(_text(v))
    return node


def _cast(node: exp.Cast, _: Context) -> exp.Expr:
    """CAST to a number of text that is not one is null in Druid, not an error."""
    if node.to.is_type(*exp.DataType.NUMERIC_TYPES):
        return exp.TryCast(this=node.this, to=node.to)
    return node


TYPED.update(
    {
        **{kind: _compare for kind in (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)},  # type: ignore[misc]
        exp.In: _in,  # type: ignore[dict-item]
        exp.Cast: _cast,  # type: ignore[dict-item]
    }
)
