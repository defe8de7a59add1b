"""One batch of a job's consumer: its records decoded, then its rows, the offsets it ends at
and the job's totals committed together (`_checkpoint`), or not at all."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import duckdb
from confluent_kafka import KafkaError, Message

from polaris_pulumi.emulator.ingest import _checkpoint, _logs, _pipeline
from polaris_pulumi.emulator.ingest._checkpoint import Partition
from polaris_pulumi.emulator.ingest._decode import Record, Row, Unparseable, Unsupported, decode
from polaris_pulumi.emulator.ingest._logs import Entry, bounded, excerpt
from polaris_pulumi.emulator.ingest._rows import Rows
from polaris_pulumi.emulator.ingest._sql_errors import engine_reason
from polaris_pulumi.emulator.kafka import _live
from polaris_pulumi.emulator.state._lifecycle import unevaluated, warned
from polaris_pulumi.jobs._model import Health, JobTotals, StreamingJobSpec


@dataclass
class Delta:
    """What one batch read and changed: its own counts, then the job's totals once committed."""

    counts: JobTotals = field(default_factory=JobTotals)
    totals: JobTotals | None = None
    consumed: bool = False
    health: Health | None = None
    rows: list[Row] = field(default_factory=list)
    ends: dict[Partition, int] = field(default_factory=dict)
    # Counted per record as plain numbers (a model's field costs a validation per record),
    # and added to `counts` once per batch (`_counted`).
    bytes_read: int = 0
    warned: int = 0
    origins: list[str] = field(default_factory=list)  # each row's record (`Record.origin`)
    logs: list[Entry] = field(default_factory=list)  # what the job's logs get of the batch


def read(
    messages: list[Message],
    spec: StreamingJobSpec,
    start: dict[Partition, int | None],
    now: float,
    types: dict[str, str] | None = None,
) -> Delta:
    """The batch's records decoded; a record before the position its partition was read from
    (fetched before a rebalance moved it) is skipped, as already ingested."""
    delta = Delta()
    for msg in messages:
        if (error := msg.error()) is not None:
            delta.health = _kafka_health(error) or delta.health
            continue
        topic, part, offset = msg.topic(), msg.partition(), msg.offset()
        if topic is None or part is None or offset is None:
            continue  # only errors lack them
        where = (topic, part)
        if (begin := start.get(where)) is not None and offset < begin:
            continue
        delta.consumed = True
        delta.ends[where] = max(delta.ends.get(where, 0), offset + 1)
        _decode(msg, spec, delta, now, types)
    return delta


def _decode(
    msg: Message, spec: StreamingJobSpec, delta: Delta, now: float, types: dict[str, str] | None
) -> None:
    record = Record(
        value=msg.value(),
        key=msg.key(),
        headers=_headers(msg),
        timestamp_ms=msg.timestamp()[1] if msg.timestamp()[0] else None,
        origin=f"topic '{msg.topic()}' partition {msg.partition()} offset {msg.offset()}",
    )
    decode_into(record, spec, delta, now, types)


def decode_into(
    record: Record,
    spec: StreamingJobSpec,
    delta: Delta,
    now: float,
    types: dict[str, str] | None = None,
) -> None:
    """One record, whatever its source, as rows of the batch (or counted as unparseable);
    `types` are the input schema's, when the reader holds them."""
    delta.bytes_read += len(record.value or b"")
    try:
        decoded = decode(spec.source, record, types)
    except Unparseable as exc:
        delta.counts.num_rows_skipped_by_error += 1
        delta.health = warned(f"a record could not be parsed: {exc}", now)
        why = f"{record.origin}: not parseable ({exc}): {excerpt(record.value or b'')}"
        delta.logs.append(Entry("warn", "unparseable_event", why))
        return
    except Unsupported as exc:
        delta.health = unevaluated(f"The local engine does not evaluate {exc}")
        return
    delta.rows.extend(decoded.rows)
    delta.origins.extend([record.origin] * len(decoded.rows))
    delta.warned += decoded.warnings


class Stalled(Exception):
    """The pipeline fails for a reason of its own (a column or function it names), whatever
    the rows hold: nothing is written and the position stays, so the events are read again
    once the job is fixed."""


def commit(
    rows: Rows,
    job_id: str,
    plan: _pipeline.Plan,
    delta: Delta,
    start: dict[Partition, int | None],
    types: dict[str, str],
    now: float,
) -> bool:
    """The batch's rows, its end offsets and the job's totals, in one transaction; False, and
    nothing written, if the table's stored position is not where the batch started. Rows the
    pipeline fails on are found and left out, each counted as unparseable (one bad event
    costs only itself); `Stalled` when the failure is the plan's."""
    try:
        return _write(rows, job_id, plan, delta, start, types, now)
    except duckdb.Error as exc:
        failure = exc
    if isinstance(failure, _PLAN_FAILURES) and isinstance(
        _trial(rows, plan, delta.rows[:1], types, now), _PLAN_FAILURES
    ):
        raise Stalled(f"The local engine could not ingest the rows: {engine_reason(failure)}")
    good = _passing(rows, plan, delta.rows, types, now)
    kept = {i for chunk in good for i in chunk}
    bad = [i for i in range(len(delta.rows)) if i not in kept]
    why = engine_reason(failure)
    lost = [
        Entry("warn", "unparseable_event", f"{_origin(delta, i)}: could not be ingested ({why}): "
              f"{excerpt(delta.rows[i])}")
        for i in bad
    ]  # fmt: skip
    delta.logs += bounded(lost, "events that could not be ingested")
    chunks = [[delta.rows[i] for i in chunk] for chunk in good]
    delta.origins = [_origin(delta, i) for chunk in good for i in chunk]
    delta.rows = [row for chunk in chunks for row in chunk]
    delta.counts.num_rows_skipped_by_error += len(bad)
    done = _write(rows, job_id, plan, delta, start, types, now, chunks)
    if bad:
        delta.health = warned(f"{len(bad)} row(s) could not be ingested: {why}", now)
    return done


def _origin(delta: Delta, i: int) -> str:
    """Where the batch's row i came from."""
    return delta.origins[i] if i < len(delta.origins) else f"row {i} of a batch"


def _write(
    rows: Rows,
    job_id: str,
    plan: _pipeline.Plan,
    delta: Delta,
    start: dict[Partition, int | None],
    types: dict[str, str],
    now: float,
    chunks: list[list[Row]] | None = None,
) -> bool:
    """The rows (in `chunks` that each pass the pipeline alone) with the batch's position.
    A batch whose evaluation runs past `EVALUATION_LIMIT` is interrupted (the write lock is
    freed) and the job stalls, saying so."""
    with rows.writing() as cur:
        timer = threading.Timer(EVALUATION_LIMIT, cur.interrupt)
        timer.start()
        try:
            if not _checkpoint.advance(cur, plan.table.name, start, delta.ends):
                return False
            counts, offset = _pipeline.Counts(), 0
            for chunk in [delta.rows] if chunks is None else chunks:
                wrote = _pipeline.write_in(cur, rows, plan, chunk, types, now)
                counts, offset = counts.plus(wrote, offset), offset + len(chunk)
            batch, health = _counted(delta, counts, now)
            totals = _checkpoint.add(cur, job_id, batch)
            _logs.write(cur, job_id, now, delta.logs + _logged(delta, counts))
        except duckdb.InterruptException:
            raise Stalled(
                f"A batch of {len(delta.rows)} rows took over {EVALUATION_LIMIT:g} s to "
                "evaluate: make the job's mappings cheaper"
            ) from None
        finally:
            timer.cancel()
    delta.counts, delta.totals, delta.health = batch, totals, health or delta.health
    return True


EVALUATION_LIMIT = 60.0  # seconds a batch's mappings may run (a query's default timeout is 300 s)


# Failures that do not depend on the values: the plan's own (a column or function it names).
_PLAN_FAILURES = (
    duckdb.BinderException,
    duckdb.CatalogException,
    duckdb.ParserException,
    duckdb.NotImplementedException,
)


class _Rollback(Exception):
    """Ends a trial write: its transaction is rolled back."""


def _trial(
    rows: Rows, plan: _pipeline.Plan, batch: list[Row], types: dict[str, str], now: float
) -> duckdb.Error | None:
    """How the pipeline fails on these rows, if it does: tried in a transaction rolled back."""
    try:
        with rows.writing() as cur:
            _pipeline.write_in(cur, rows, plan, batch, types, now)
            raise _Rollback
    except _Rollback:
        return None
    except duckdb.Error as exc:
        return exc


def _passing(
    rows: Rows, plan: _pipeline.Plan, batch: list[Row], types: dict[str, str], now: float
) -> list[list[int]]:
    """The batch's places in chunks the pipeline passes, leaving out each row it fails on
    alone: halves tried in turn, so a few bad rows among many cost a few trials each."""
    good: list[list[int]] = []
    pending = [list(range(len(batch)))]
    while pending:
        part = pending.pop()
        if _trial(rows, plan, [batch[i] for i in part], types, now) is None:
            good.append(part)
        elif len(part) > 1:
            half = len(part) // 2
            pending += [part[half:], part[:half]]
    return good


def _logged(delta: Delta, counts: _pipeline.Counts) -> list[Entry]:
    """The pipeline's findings as log entries naming each row's record, a kind at a time."""
    by_code: dict[str, list[Entry]] = {}
    for f in counts.findings:
        row = delta.rows[f.row] if f.row < len(delta.rows) else {}
        entry = Entry("warn", f.code, f"{_origin(delta, f.row)}: {f.why}: {excerpt(row)}")
        by_code.setdefault(f.code, []).append(entry)
    return [e for code, found in by_code.items() for e in bounded(found, f"rows ({code})")]


def _counted(delta: Delta, counts: _pipeline.Counts, now: float) -> tuple[JobTotals, Health | None]:
    """The batch's counts with the pipeline's, in the metrics' terms; the health they call for."""
    t = delta.counts.model_copy()
    t.num_bytes_processed += delta.bytes_read
    t.num_rows_processed_with_warning += delta.warned + counts.cast_warnings
    health = None
    t.num_rows_processed += len(delta.rows) - counts.skipped_by_filter - counts.unparseable_time
    t.num_rows_skipped_by_filter += counts.skipped_by_filter
    t.num_rows_skipped_by_error += counts.unparseable_time
    t.num_rows_persisted += counts.persisted
    if counts.unparseable_time:
        n = counts.unparseable_time
        health = warned(f"{n} row(s) had no __time: its mapping gave null", now)
    if counts.cast_warnings:
        n = counts.cast_warnings
        health = warned(
            f"{n} row(s) had a value their column's type cannot hold, stored as null: the "
            "job's logs name the column and the value",
            now,
        )
    if counts.folded:
        names = ", ".join(repr(n) for n in counts.folded)
        health = warned(
            f"input field(s) {names} differ from another field or column only in case, which "
            "the local engine cannot hold apart: not ingested; rename them in a mapping",
            now,
        )
    return t, health


def _headers(msg: Message) -> list[tuple[str, bytes | None]]:
    raw = msg.headers() or []
    pairs = list(raw.items()) if isinstance(raw, dict) else raw
    return [(k, v.encode() if isinstance(v, str) else v) for k, v in pairs]


def _kafka_health(error: KafkaError) -> Health | None:
    if error.code() == KafkaError._PARTITION_EOF:
        return None
    code = (
        "topic_not_found"
        if error.code() in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC)
        else "could_not_connect_to_source"
    )
    return Health(status="error", code=code, message=_live.reason(error))
