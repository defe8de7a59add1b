"""A job's logs (`GET /jobs/{id}/logs`, the SDK's `JobLogsResponse`): each event the job
rejected or warned about, where it came from, a short excerpt of it, and why. Entries are
written with the batch they describe, in its transaction (a killed emulator neither loses
nor repeats one), and bounded: at most `PER_BATCH` of a kind per batch (then one entry that
says how many more), at most `KEPT` per job (the oldest go)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from polaris_pulumi.emulator.ingest._rows import META

KEPT = 500  # entries a job keeps, newest first
PER_BATCH = 20  # entries of one kind a batch writes before it summarises the rest
EXCERPT = 160  # characters of an event shown in its entry


@dataclass(frozen=True)
class Entry:
    """One log entry: the SDK's JobLogEntry without its time (the batch's)."""

    health_status: str  # ok, warn or error
    code: str
    message: str


def excerpt(event: Any) -> str:
    """The start of an event, as JSON (or as it came, when it is not)."""
    if isinstance(event, bytes):
        text = event.decode("utf-8", errors="replace")
    elif isinstance(event, str):
        text = event
    else:
        text = json.dumps(event, default=str, ensure_ascii=False)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 3] + "..."


def bounded(entries: list[Entry], what: str) -> list[Entry]:
    """At most `PER_BATCH` of these entries, then one saying how many more there were."""
    if len(entries) <= PER_BATCH:
        return entries
    more = len(entries) - PER_BATCH
    last = entries[PER_BATCH - 1]
    summary = Entry(last.health_status, last.code, f"{more} more {what} in the same batch")
    return [*entries[:PER_BATCH], summary]


def write(cur: duckdb.DuckDBPyConnection, job_id: str, at: float, entries: list[Entry]) -> None:
    """The entries, in the caller's transaction; the job keeps its newest `KEPT`."""
    if not entries:
        return
    found = cur.execute(
        f"SELECT coalesce(max(n) + 1, 0) FROM {META}.job_logs WHERE job_id = ?", [job_id]
    ).fetchone()
    first = int(found[0]) if found else 0
    cur.execute(
        f"INSERT INTO {META}.job_logs SELECT ?, unnest(?::BIGINT[]), ?, unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
        [
            job_id,
            list(range(first, first + len(entries))),
            at,
            [e.health_status for e in entries],
            [e.code for e in entries],
            [e.message for e in entries],
        ],
    )
    cur.execute(
        f"DELETE FROM {META}.job_logs WHERE job_id = ? AND rowid NOT IN (SELECT rowid FROM "
        f"{META}.job_logs WHERE job_id = ? ORDER BY n DESC LIMIT {KEPT})",
        [job_id, job_id],
    )


def read(cur: duckdb.DuckDBPyConnection, job_id: str) -> list[tuple[float, Entry]]:
    """The job's entries, newest first, with their times (epoch seconds)."""
    found = cur.execute(
        f"SELECT logged_at, health_status, code, message FROM {META}.job_logs WHERE job_id = ? "
        "ORDER BY n DESC",
        [job_id],
    ).fetchall()
    return [(float(at), Entry(status, code, message)) for at, status, code, message in found]


def forget(cur: duckdb.DuckDBPyConnection, job_id: str) -> None:
    cur.execute(f"DELETE FROM {META}.job_logs WHERE job_id = ?", [job_id])
