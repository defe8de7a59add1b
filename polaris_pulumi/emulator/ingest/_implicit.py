"""Druid's implicit casts, where DuckDB refuses to bind: arithmetic, SUM and the math
functions read a string as the number it spells (null when it spells none), and the string
functions read a number as its text. Text (a number) is what the engine knows to be one: a
literal, or a column or unnest alias of that type."""

from __future__ import annotations

from sqlglot import exp

from polaris_pulumi.emulator.ingest._fn_base import Context, TypedRule

_INTEGRAL = ("BIGINT", "INTEGER")


def _is_text(node: exp.Expr, ctx: Context) -> bool:
    if isinstance(node, exp.Literal):
        return bool(node.is_string)
    if isinstance(node, exp.Column):
        return ctx.types.get(node.name.lower()) == "VARCHAR"
    return False


def _integral(node: exp.Expr, ctx: Context) -> bool:
    if isinstance(node, exp.Literal):
        return not node.is_string and str(node.this).lstrip("-").isdigit()
    if isinstance(node, exp.Column):
        return ctx.types.get(node.name.lower(), "") in _INTEGRAL
    return False


def _number(node: exp.Expr, kind: str) -> exp.Expr:
    return exp.TryCast(this=node, to=exp.DataType.build(kind))


def _arithmetic(node: exp.Binary, ctx: Context) -> exp.Expr:
    """Text beside a long is read as a long (Druid's `'1' + 1` is 2), otherwise a double."""
    left, right = node.this, node.expression
    for side, other in (("this", right), ("expression", left)):
        value = node.args[side]
        if _is_text(value, ctx):
            kind = "BIGINT" if _integral(other, ctx) else "DOUBLE"
            node.set(side, _number(value, kind))
    return node


def _of_number(node: exp.Func, ctx: Context) -> exp.Expr:
    """SUM and the math functions of text: of the double it spells."""
    if _is_text(node.this, ctx):
        node.set("this", _number(node.this, "DOUBLE"))
    return node


_NUMBERS = ("BIGINT", "INTEGER", "DOUBLE", "FLOAT")


def _of_text(*keys: str) -> TypedRule:
    """A string function: its arguments under `keys` that are numbers, as their text."""

    def rule(node: exp.Expr, ctx: Context) -> exp.Expr:
        for key in keys:
            value = node.args.get(key)
            if isinstance(value, exp.Column) and ctx.types.get(value.name.lower()) in _NUMBERS:
                node.set(key, exp.cast(value, exp.DataType.build("VARCHAR")))
        return node

    return rule


_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)
_OF_NUMBER = (exp.Sum, exp.Abs, exp.Ceil, exp.Floor, exp.Exp, exp.Ln, exp.Sqrt)
_OF_TEXT = (exp.Lower, exp.Upper, exp.Reverse, exp.Trim, exp.Substring, exp.Left, exp.Right)
_OF_TEXT_TOO = (exp.Repeat, exp.Replace, exp.StringToArray, exp.Pad, exp.RegexpExtract)

TYPED: dict[type[exp.Expr], TypedRule] = {
    **{kind: _arithmetic for kind in _ARITHMETIC},  # type: ignore[misc]
    **{kind: _of_number for kind in _OF_NUMBER},  # type: ignore[misc]
    **{kind: _of_text("this") for kind in (*_OF_TEXT, *_OF_TEXT_TOO)},
    exp.StrPosition: _of_text("this", "substr"),
}
