"""Push streaming: events POSTed to a `push_streaming` connection are kept in order (one
sequence per connection, in DuckDB beside the rows), and each streaming job on the connection
reads them into its table through the same pipeline as Kafka records, exactly once: the table's
position in the connection's events is stored with its rows (`_checkpoint`), as for a topic
partition. No broker is needed. The reader of a job is `_push_reader`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import duckdb

from polaris_pulumi.emulator.ingest._rows import META, Rows
from polaris_pulumi.emulator.state._lifecycle import reads
from polaris_pulumi.emulator.state._records import JobRecord
from polaris_pulumi.emulator.state._store import Store

MAX_PAYLOAD_BYTES = 1_000_000  # Imply's Events API: a request's payload is at most 1 MB


class BadEvents(ValueError):
    """A payload that is not newline-delimited JSON objects: refused whole (nothing kept)."""


def topic(connection: str) -> str:
    """The events' stand-in topic in the tables' positions (a connection name has no `:`)."""
    return f"push:{connection}"


def events(payload: bytes) -> list[bytes]:
    """The payload's events, one JSON object per non-empty line; `BadEvents` names the first
    line that is not one."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise BadEvents(f"the payload has {len(payload)} bytes; at most 1 MB per request")
    found = []
    for number, line in enumerate(payload.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            value: Any = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise BadEvents(f"line {number} is not JSON: {str(exc)[:120]}") from None
        if not isinstance(value, dict):
            raise BadEvents(f"line {number} is a JSON {type(value).__name__}, not an object")
        if _SURROGATE.search(line) and not _unicode(value):
            raise BadEvents(
                f"line {number} holds a string that is not Unicode text (an unpaired surrogate "
                "escape such as \\ud800): it could never be ingested; send UTF-8 text"
            )
        found.append(line.strip())
    if not found:
        raise BadEvents("the payload holds no event: send newline-delimited JSON objects")
    return found


_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")  # the escape of a surrogate: paired, or not


def _unicode(value: Any) -> bool:
    """Whether every string of the event is Unicode text (no lone surrogate)."""
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def append(rows: Rows, connection: str, lines: list[bytes], received_ms: int) -> int:
    """Keep the events, in order, in one transaction; how many the connection now holds."""
    with rows.writing() as cur:
        first = _count(cur, connection)
        # One statement for the payload (row-at-a-time inserts held the lock for a minute):
        # the two lists are unnested side by side, sequence and event.
        cur.execute(
            f"INSERT INTO {META}.pushed SELECT ?, unnest(?::BIGINT[]), unnest(?::BLOB[]), ?",
            [connection, list(range(first, first + len(lines))), lines, received_ms],
        )
    return first + len(lines)


def _count(cur: duckdb.DuckDBPyConnection, connection: str) -> int:
    found = cur.execute(
        f"SELECT count(*) FROM {META}.pushed WHERE connection = ?", [connection]
    ).fetchone()
    return int(found[0]) if found else 0


def held(rows: Rows, connection: str) -> int:
    """How many events the connection holds (the next one's sequence number)."""
    with rows.cursor() as cur:
        return _count(cur, connection)


def forget(rows: Rows, connection: str) -> None:
    """A deleted connection's events, and every table's position in them: a connection made
    again with the name starts empty."""
    with rows.writing() as cur:
        cur.execute(f"DELETE FROM {META}.pushed WHERE connection = ?", [connection])
        cur.execute(f"DELETE FROM {META}.offsets WHERE topic = ?", [topic(connection)])


def behind(rows: Rows, table: str, connection: str, earliest: bool) -> int:
    """Events the table has not ingested yet (none stored: all of them from `earliest`, else
    none, as the reader starts after what is held)."""
    with rows.cursor() as cur:
        found = cur.execute(
            f"SELECT next_offset FROM {META}.offsets WHERE table_name = ? AND topic = ?",
            [table, topic(connection)],
        ).fetchone()
        count = _count(cur, connection)
    if found is None:
        return count if earliest else 0
    return max(0, count - int(found[0]))


def lag(store: Store, rows: Callable[[], Rows], jobs: list[JobRecord]) -> dict[str, int]:
    """Per job reading a push streaming connection, the events its table has not ingested
    yet (`GET /_emulator/lag`, beside the Kafka jobs' `_lag`); the rows are opened only for
    such a job."""
    out: dict[str, int] = {}
    for job in jobs:
        if not reads(job) or job.spec is None or job.connection_name is None:
            continue
        record = store.get_connection(job.connection_name)
        if record is not None and record.kind == "push_streaming":
            earliest = job.spec.read_from_point == "earliest"
            out[job.id] = behind(rows(), job.table_name, job.connection_name, earliest)
    return out
