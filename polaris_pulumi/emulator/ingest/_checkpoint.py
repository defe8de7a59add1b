"""A table's read position and its jobs' totals, kept with the rows.

Druid's Kafka ingestion is exactly-once because a task's segments and the offsets they end at
commit in one metadata transaction, after checking that the offsets they start from are the
stored ones (`commitSegmentsAndMetadata`); a task starts from the stored offsets. Here, a
batch's rows, the offsets it ends at (per topic and partition) and its job's totals commit in
one DuckDB transaction, `advance` checks the start, and a consumer seeks to `positions` when it
is given partitions: whatever is killed when, no record is lost or counted twice. The position
is the table's, per topic and partition (Polaris keeps it per table and topic), so it outlives
`replaceRunning` and every job that reads into the table; Kafka's group commits are made for
tools that read them, and nothing here reads them.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from polaris_pulumi.emulator.ingest._rows import META
from polaris_pulumi.jobs._model import JobTotals

Partition = tuple[str, int]  # (topic, partition)


def positions(cur: duckdb.DuckDBPyConnection, table: str) -> dict[Partition, int]:
    """The next offset to read, per topic and partition, of what the table has ingested."""
    found = cur.execute(
        f"SELECT topic, part, next_offset FROM {META}.offsets WHERE table_name = ?", [table]
    ).fetchall()
    return {(topic, part): offset for topic, part, offset in found}


def advance(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    start: dict[Partition, int | None],
    end: dict[Partition, int],
) -> bool:
    """Move the table's position from `start` (what the consumer read from; None: nothing
    stored) to `end`, in the caller's transaction; False, and nothing moved, if the stored
    position is not `start` (another consumer moved it, or a reset did)."""
    stored = positions(cur, table)
    if any(stored.get(p) != start.get(p) for p in end):
        return False
    for (topic, part), offset in end.items():
        cur.execute(
            f"DELETE FROM {META}.offsets WHERE table_name = ? AND topic = ? AND part = ?",
            [table, topic, part],
        )
        cur.execute(f"INSERT INTO {META}.offsets VALUES (?, ?, ?, ?)", [table, topic, part, offset])
    return True


def totals(cur: duckdb.DuckDBPyConnection, job_id: str) -> JobTotals | None:
    """The job's totals as committed with its rows (None: it never committed a batch)."""
    found = cur.execute(f"SELECT totals FROM {META}.totals WHERE job_id = ?", [job_id]).fetchone()
    return None if found is None else JobTotals.model_validate_json(found[0])


def add(cur: duckdb.DuckDBPyConnection, job_id: str, delta: JobTotals) -> JobTotals:
    """Add a batch's counts to the job's totals, in the caller's transaction; the new totals."""
    now = totals(cur, job_id) or JobTotals()
    new = JobTotals(**{k: getattr(now, k) + getattr(delta, k) for k in JobTotals.model_fields})
    cur.execute(f"DELETE FROM {META}.totals WHERE job_id = ?", [job_id])
    cur.execute(f"INSERT INTO {META}.totals VALUES (?, ?)", [job_id, new.model_dump_json()])
    return new


def applied_reset(cur: duckdb.DuckDBPyConnection, job_id: str) -> str | None:
    found = cur.execute(f"SELECT reset_at FROM {META}.resets WHERE job_id = ?", [job_id]).fetchone()
    return None if found is None else str(found[0])


def reset(
    cur: duckdb.DuckDBPyConnection, job_id: str, reset_at: str, table: str, topics: Iterable[str]
) -> None:
    """Apply a job's reset once: the table forgets its position in the job's topics (the
    next consumer starts from `readFromPoint`), and the reset is marked applied, together."""
    for topic in topics:
        cur.execute(
            f"DELETE FROM {META}.offsets WHERE table_name = ? AND topic = ?", [table, topic]
        )
    cur.execute(f"DELETE FROM {META}.resets WHERE job_id = ?", [job_id])
    cur.execute(f"INSERT INTO {META}.resets VALUES (?, ?)", [job_id, reset_at])
