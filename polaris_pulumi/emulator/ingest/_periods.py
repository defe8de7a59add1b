"""ISO 8601 periods (isodate reads them) and Joda-Time patterns, as Druid's time functions
and rejection periods take them, for DuckDB."""

from __future__ import annotations

import re
from datetime import timedelta

import isodate
from sqlglot import exp

from polaris_pulumi.emulator.ingest._sql_errors import Unevaluated


def interval(period: str, function: str) -> exp.Expr:
    """An ISO 8601 period (isodate reads it) as a DuckDB INTERVAL literal."""
    try:
        parsed = isodate.parse_duration(period)
    except (isodate.ISO8601Error, ValueError):
        raise Unevaluated(function, f"{period!r} is not an ISO 8601 period") from None
    months = 0
    if isinstance(parsed, isodate.Duration):
        months = int(parsed.years * 12 + parsed.months)
        parsed = parsed.tdelta
    micros = parsed // timedelta(microseconds=1)
    parts = [f"{months} months"] if months else []
    if micros or not parts:
        parts.append(f"{micros} microseconds")
    return exp.Interval(this=exp.Literal.string(" ".join(parts)))


def period_seconds(period: str) -> float:
    """A rejection period's length (months as 30 days, years as 365: Druid's periods are
    calendar ones, close enough for a window of days)."""
    parsed = isodate.parse_duration(period)
    if isinstance(parsed, isodate.Duration):
        days = float(parsed.years) * 365 + float(parsed.months) * 30
        return days * 86400 + float(parsed.tdelta.total_seconds())
    return float(parsed.total_seconds())


_JODA = {
    "yyyy": "%Y",
    "YYYY": "%Y",
    "yy": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "dd": "%d",
    "HH": "%H",
    "hh": "%I",
    "mm": "%M",
    "ss": "%S",
    "SSS": "%g",
    "a": "%p",
    "EEE": "%a",
    "EEEE": "%A",
    "Z": "%z",
    "ZZ": "%z",
}
_JODA_TOKEN = re.compile(r"'([^']*)'|([A-Za-z])\2*|[^A-Za-z']+")


def joda_to_strftime(pattern: str, function: str) -> str:
    """A Joda-Time pattern (Druid's) as a DuckDB strftime format; a letter it cannot map is
    refused by name."""
    out = []
    for match in _JODA_TOKEN.finditer(pattern):
        token = match.group(0)
        if match.group(1) is not None:
            out.append(match.group(1).replace("%", "%%") or "'")
        elif match.group(2) is not None:
            if token not in _JODA:
                raise Unevaluated(function, f"pattern letter {token!r}")
            out.append(_JODA[token])
        else:
            out.append(token.replace("%", "%%"))
    return "".join(out)
