"""Druid's time functions as DuckDB's: TIME_PARSE, TIME_FORMAT (Joda patterns), TIME_FLOOR
(as DuckDB's time_bucket, whose default origins floor as Druid does), TIME_SHIFT,
TIME_EXTRACT and the epoch millisecond conversions. The local engine works in UTC: another
time zone is refused by name."""

from __future__ import annotations

from sqlglot import exp

from polaris_pulumi.emulator.ingest._fn_base import Context, Rule, arity, call, literal
from polaris_pulumi.emulator.ingest._periods import interval, joda_to_strftime
from polaris_pulumi.emulator.ingest._sql_errors import Unevaluated


def _utc(args: list[exp.Expr], i: int, function: str) -> None:
    zone = literal(args, i, function, "time zone")
    if zone not in (None, "UTC", "Etc/UTC"):
        raise Unevaluated(function, f"time zone {zone!r}: the local engine works in UTC")


def _time_parse(args: list[exp.Expr], _: Context) -> exp.Expr:
    """TIME_PARSE(expr[, pattern[, zone]]): ISO 8601 by default; null when it does not parse."""
    arity("TIME_PARSE", args, 1, 3)
    _utc(args, 2, "TIME_PARSE")
    pattern = literal(args, 1, "TIME_PARSE", "pattern")
    text = exp.cast(args[0], exp.DataType.build("VARCHAR"))
    if pattern is None:
        zoned = exp.TryCast(this=text, to=exp.DataType.build("TIMESTAMPTZ"))
        return exp.cast(zoned, exp.DataType.build("TIMESTAMP"))
    return call("try_strptime", text, exp.Literal.string(joda_to_strftime(pattern, "TIME_PARSE")))


def _time_format(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("TIME_FORMAT", args, 1, 3)
    _utc(args, 2, "TIME_FORMAT")
    pattern = literal(args, 1, "TIME_FORMAT", "pattern")
    fmt = "%Y-%m-%dT%H:%M:%S.%gZ" if pattern is None else joda_to_strftime(pattern, "TIME_FORMAT")
    return call("strftime", args[0], exp.Literal.string(fmt))


def _time_floor(args: list[exp.Expr], _: Context) -> exp.Expr:
    """TIME_FLOOR(expr, period[, origin[, zone]]) as DuckDB's time_bucket, whose default
    origins (a Monday, the first of a month) floor as Druid does."""
    arity("TIME_FLOOR", args, 2, 4)
    _utc(args, 3, "TIME_FLOOR")
    if len(args) > 2 and not isinstance(args[2], exp.Null):
        raise Unevaluated("TIME_FLOOR", "an origin")
    period = literal(args, 1, "TIME_FLOOR", "period")
    if period is None:
        raise Unevaluated("TIME_FLOOR", "without a period")
    return call("time_bucket", interval(period, "TIME_FLOOR"), args[0])


def _time_shift(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("TIME_SHIFT", args, 3, 4)
    _utc(args, 3, "TIME_SHIFT")
    period = literal(args, 1, "TIME_SHIFT", "period") or ""
    step = exp.Mul(this=interval(period, "TIME_SHIFT"), expression=args[2])
    return exp.Paren(this=exp.Add(this=args[0], expression=step))


_UNITS = {"EPOCH": "epoch", "DOW": "isodow", "ISODOW": "isodow", "DOY": "doy"}
_PLAIN_UNITS = frozenset(
    {"MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH"}
    | {"QUARTER", "YEAR", "ISOYEAR", "DECADE", "CENTURY", "MILLENNIUM"}
)


def _time_extract(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("TIME_EXTRACT", args, 1, 3)
    _utc(args, 2, "TIME_EXTRACT")
    unit = (literal(args, 1, "TIME_EXTRACT", "unit") or "MILLISECOND").upper()
    if unit == "EPOCH":
        return exp.cast(call("epoch", args[0]), exp.DataType.build("BIGINT"))
    if unit not in _UNITS and unit not in _PLAIN_UNITS:
        raise Unevaluated("TIME_EXTRACT", f"unit {unit!r}")
    return call("date_part", exp.Literal.string(_UNITS.get(unit, unit.lower())), args[0])


def _millis_to_timestamp(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("MILLIS_TO_TIMESTAMP", args, 1, 1)
    return call("epoch_ms", exp.cast(args[0], exp.DataType.build("BIGINT")))


def _timestamp_to_millis(args: list[exp.Expr], _: Context) -> exp.Expr:
    arity("TIMESTAMP_TO_MILLIS", args, 1, 1)
    return call("epoch_ms", exp.cast(args[0], exp.DataType.build("TIMESTAMP")))


FUNCTIONS: dict[str, Rule] = {
    "TIME_PARSE": _time_parse,
    "TIME_FORMAT": _time_format,
    "TIME_FLOOR": _time_floor,
    "TIME_SHIFT": _time_shift,
    "TIME_EXTRACT": _time_extract,
    "MILLIS_TO_TIMESTAMP": _millis_to_timestamp,
    "TIMESTAMP_TO_MILLIS": _timestamp_to_millis,
}
