"""Druid's HUMAN_READABLE_*_FORMAT functions (its `HumanReadableBytes`), as DuckDB SQL: a
number as text with a unit, `precision` decimals (2 unless given, 0 to 3), rounded half up as
Java's formatter does. The number is first a long (a double's fraction is cut, as Druid's
`asLong`)."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from polaris_pulumi.emulator.ingest._fn_base import Context, Rule, arity
from polaris_pulumi.emulator.ingest._sql_errors import Unevaluated

# Below the first unit the number is printed as it is; above, scaled to its unit.
_BINARY = """CASE WHEN :v IS NULL THEN NULL
 WHEN :v > -1024 AND :v < 1024 THEN CAST(:v AS VARCHAR) || ' B'
 ELSE printf(:fmt, round(:v / pow(2, 10 * (:bits // 10)), :p),
   ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][:bits // 10 + 1] || 'B') END"""
# The number's highest bit, exactly (a double's log2 rounds 2^50 - 4 up to 50).
_BITS = """(CAST(floor(log2(abs(:v))) AS BIGINT)
 - CASE WHEN (1::HUGEINT << CAST(floor(log2(abs(:v))) AS BIGINT)) > abs(:v::HUGEINT)
   THEN 1 ELSE 0 END)"""
# Druid divides by 1000 (cutting the fraction) while the number has 7 digits or more, then
# prints thousandths: rounded half up here in whole numbers, as a double would not.
_DECIMAL = """CASE WHEN :v IS NULL THEN NULL
 WHEN :v > -1000 AND :v < 1000 THEN trim(CAST(:v AS VARCHAR) || ' ' || :unit)
 ELSE printf(:fmt,
   sign(:v) * ((abs(:v) // CAST(pow(10, 3 * :i) AS BIGINT) + :half) // :step) / :scale,
   ['K', 'M', 'G', 'T', 'P', 'E'][:i + 1] || :unit) END"""
_EXPONENT = "(length(CAST(abs(:v) AS VARCHAR)) - 1) // 3 - 1"


def _format(name: str, template: str, unit: str) -> Rule:
    def rule(args: list[exp.Expr], _: Context) -> exp.Expr:
        arity(name, args, 1, 2)
        precision = args[1] if len(args) > 1 else exp.Literal.number(2)
        if not (isinstance(precision, exp.Literal) and precision.this in ("0", "1", "2", "3")):
            raise Unevaluated(name, "its precision must be 0, 1, 2 or 3")
        p = int(precision.this)
        value = exp.TryCast(
            this=exp.Anonymous(this="trunc", expressions=[args[0]]),
            to=exp.DataType.build("BIGINT"),
        )
        fmt = f"%.{p}f %s"
        exponent = _fill(_EXPONENT, v=value)
        bits = _fill(_BITS, v=value)
        return exp.Paren(
            this=_fill(
                template,
                v=value,
                p=exp.Literal.number(p),
                half=exp.Literal.number(10 ** (3 - p) // 2),
                step=exp.Literal.number(10 ** (3 - p)),
                scale=exp.Literal.number(f"{10**p}.0"),
                fmt=exp.Literal.string(fmt),
                unit=exp.Literal.string(unit),
                i=exp.Paren(this=exponent),
                bits=exp.Paren(this=bits),
            )
        )

    return rule


def _fill(template: str, **values: exp.Expr) -> exp.Expr:
    """The template's tree with a copy of its value at each `:name`."""

    def put(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder) and node.name in values:
            return values[node.name].copy()
        return node

    return sqlglot.parse_one(template, read="duckdb").transform(put)


FUNCTIONS: dict[str, Rule] = {
    "HUMAN_READABLE_BINARY_BYTE_FORMAT": _format("HUMAN_READABLE_BINARY_BYTE_FORMAT", _BINARY, "B"),
    "HUMAN_READABLE_DECIMAL_BYTE_FORMAT": _format(
        "HUMAN_READABLE_DECIMAL_BYTE_FORMAT", _DECIMAL, "B"
    ),
    "HUMAN_READABLE_DECIMAL_FORMAT": _format("HUMAN_READABLE_DECIMAL_FORMAT", _DECIMAL, ""),
}
