"""What a batch's rows met on their way into the table, row by row, for the job's logs: a
`__time` its mapping left null, a time outside the rejection periods (late or early, by how
much), a value its column's type cannot hold (stored as null, as Druid casts). Each finding
names the row by its place in the batch (the `row` column `_pipeline` adds), so the reader
can say which record it came from; at most `_logs.PER_BATCH + 1` of a kind are read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from polaris_pulumi.emulator.ingest._logs import PER_BATCH
from polaris_pulumi.emulator.ingest._rows import quote


@dataclass(frozen=True)
class Finding:
    """One row's: its place in the batch, the log code, and why."""

    row: int
    code: str
    why: str


def timeless(cur: duckdb.DuckDBPyConnection, keep: str, row: str) -> list[Finding]:
    found = cur.execute(
        f'SELECT {quote(row)} FROM "$stage" WHERE {quote(keep)} AND "__time" IS NULL '
        f"ORDER BY 1 LIMIT {PER_BATCH + 1}"
    ).fetchall()
    why = "__time is null: its mapping gave no time for this event (unparseable)"
    return [Finding(int(r), "unparseable_time", why) for (r,) in found]


def outside(
    cur: duckdb.DuckDBPyConnection,
    keep: str,
    row: str,
    bounds: tuple[dt.datetime, dt.datetime],
    periods: tuple[str, str],
) -> list[Finding]:
    """Rows whose time falls before the late bound or after the early one."""
    low, high = bounds
    found = cur.execute(
        f'SELECT {quote(row)}, "__time" FROM "$stage" WHERE {quote(keep)} AND '
        f'("__time" < ? OR "__time" > ?) ORDER BY 1 LIMIT {PER_BATCH + 1}',
        [low, high],
    ).fetchall()
    out = []
    for r, when in found:
        if when < low:
            why = f"late: __time {_iso(when)} is {_span(low - when)} before {_iso(low)}, the "
            why += f"earliest the job takes (lateMessageRejectionPeriod {periods[0]})"
            out.append(Finding(int(r), "late_event", why))
        else:
            why = f"early: __time {_iso(when)} is {_span(when - high)} after {_iso(high)}, the "
            why += f"latest the job takes (earlyMessageRejectionPeriod {periods[1]})"
            out.append(Finding(int(r), "early_event", why))
    return out


def failed_casts(
    cur: duckdb.DuckDBPyConnection, casts: dict[str, str], row: str
) -> tuple[int, list[Finding]]:
    """Values of `"$out"` that their column's type (`casts`: column, DuckDB type) cannot
    hold: how many rows have one, and the first ones, naming the column and the value."""
    if not casts:
        return 0, []
    failing = " OR ".join(_fails(c, t) for c, t in casts.items())
    (rows,) = cur.execute(f'SELECT count(*) FROM "$out" WHERE {failing}').fetchone() or (0,)
    if not rows:
        return 0, []
    findings: list[Finding] = []
    for column, kind in casts.items():
        found = cur.execute(
            f'SELECT {quote(row)}, CAST({quote(column)} AS VARCHAR) FROM "$out" '
            f"WHERE {_fails(column, kind)} ORDER BY 1 LIMIT {PER_BATCH + 1}"
        ).fetchall()
        findings += [
            Finding(
                int(r),
                "cast_failed",
                f"column {column!r} ({kind}) cannot hold {value[:80]!r}: stored as null",
            )
            for r, value in found
        ]
    return int(rows), findings


def _fails(column: str, kind: str) -> str:
    c = quote(column)
    return f"({c} IS NOT NULL AND TRY_CAST({c} AS {kind}) IS NULL)"


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _span(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s")]
    return " ".join(f"{n}{unit}" for n, unit in parts if n) or "under a second"
