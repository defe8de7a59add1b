"""The local engine's exactly-once bookkeeping and its tables' own storage, in process: a
batch's rows, its end offsets and its job's totals commit together or not at all."""

from __future__ import annotations

import time
from typing import Any

import pytest

from polaris_pulumi.emulator.ingest import _checkpoint, _commit, _pipeline, _rollup
from polaris_pulumi.emulator.ingest._rows import Rows, storage
from polaris_pulumi.jobs._model import JobTotals, StreamingJobSpec
from polaris_pulumi.tables._model import TableSpec

SOURCE = {
    "connectionName": "c",
    "formatSettings": {"format": "nd-json"},
    "inputSchema": [{"name": "n", "dataType": "long"}],
}
DETAIL = TableSpec(name="events", type="detail")


def plan(table: TableSpec = DETAIL, **spec: Any) -> _pipeline.Plan:
    job = StreamingJobSpec.model_validate(
        {
            "source": SOURCE,
            "target": {"tableName": table.name},
            "mappings": [{"columnName": "__time", "expression": 'MILLIS_TO_TIMESTAMP("n")'}],
            "lateMessageRejectionPeriod": "P20000D",
            **spec,
        }
    )
    return _pipeline.compile_plan(job, table, time.time())


def batch(first: int, n: int, partition: int = 0) -> _commit.Delta:
    rows = [{"n": 1_780_000_000_000 + i, "i": i} for i in range(first, first + n)]
    return _commit.Delta(
        counts=JobTotals(num_bytes_processed=10 * n), rows=rows, ends={("t", partition): first + n}
    )


def count(rows: Rows, table: str = "events") -> int:
    with rows.cursor() as cur:
        (n,) = cur.execute(f'SELECT count(*) FROM "{storage(table)}"').fetchone() or (0,)
    return int(n)


def test_a_batch_commits_rows_offsets_and_totals_together() -> None:
    rows, p = Rows(":memory:"), plan(useSchemaDiscovery=True)
    assert _commit.commit(rows, "job", p, batch(0, 5), {("t", 0): None}, {"n": "long"}, time.time())
    assert _commit.commit(rows, "job", p, batch(5, 3), {("t", 0): 5}, {"n": "long"}, time.time())
    with rows.cursor() as cur:
        assert _checkpoint.positions(cur, "events") == {("t", 0): 8}
        totals = _checkpoint.totals(cur, "job")
    assert totals is not None
    assert (totals.num_rows_processed, totals.num_rows_persisted) == (8, 8)
    assert totals.num_bytes_processed == 10 * 5 + 10 * 3
    assert count(rows) == 8


def test_a_batch_from_a_stale_position_writes_nothing() -> None:
    """Druid's check: the stored start must be where the batch began, else nothing commits
    (another consumer, or a reset, moved the position)."""
    rows, p = Rows(":memory:"), plan()
    assert _commit.commit(rows, "job", p, batch(0, 5), {("t", 0): None}, {"n": "long"}, time.time())
    stale = batch(0, 5)  # the same records again, read from where nothing was stored
    assert not _commit.commit(rows, "job", p, stale, {("t", 0): None}, {"n": "long"}, time.time())
    with rows.cursor() as cur:
        totals = _checkpoint.totals(cur, "job")
    assert count(rows) == 5 and totals is not None and totals.num_rows_persisted == 5


def test_records_before_the_read_position_are_skipped() -> None:
    class Msg:
        def __init__(self, offset: int) -> None:
            self._offset = offset

        def error(self) -> None:
            return None

        def topic(self) -> str:
            return "t"

        def partition(self) -> int:
            return 0

        def offset(self) -> int:
            return self._offset

        def value(self) -> bytes:
            return b'{"n": 1}'

        def key(self) -> None:
            return None

        def headers(self) -> None:
            return None

        def timestamp(self) -> tuple[int, int]:
            return (0, 0)

    spec = StreamingJobSpec.model_validate({"source": SOURCE, "target": {"tableName": "events"}})
    delta = _commit.read([Msg(o) for o in range(3, 9)], spec, {("t", 0): 6}, time.time())  # type: ignore[misc]
    assert len(delta.rows) == 3 and delta.ends == {("t", 0): 9}


def test_a_reset_is_applied_once_with_the_position_it_clears() -> None:
    rows, p = Rows(":memory:"), plan()
    _commit.commit(rows, "job", p, batch(0, 4), {("t", 0): None}, {"n": "long"}, time.time())
    with rows.writing() as cur:
        _checkpoint.reset(cur, "job", "2026-12-07T00:00:00Z", "events", ["t"])
    with rows.cursor() as cur:
        assert _checkpoint.positions(cur, "events") == {}
        assert _checkpoint.applied_reset(cur, "job") == "2026-12-07T00:00:00Z"


def test_rows_the_pipeline_fails_on_are_refused_each_and_the_position_moves() -> None:
    """A mapping DuckDB fails on for these values (a long multiplication that overflows):
    each row, tried alone, is refused and counted unparseable, with the position, in one
    transaction; none is stored, and the job warns."""
    mappings = [
        {"columnName": "__time", "expression": 'MILLIS_TO_TIMESTAMP("n")'},
        {"columnName": "x", "expression": '"n" * 9223372036854775807'},
    ]
    rows, p = Rows(":memory:"), plan(mappings=mappings)
    delta = batch(0, 3)
    done = _commit.commit(rows, "job", p, delta, {("t", 0): None}, {"n": "long"}, time.time())
    with rows.cursor() as cur:
        totals = _checkpoint.totals(cur, "job")
        assert _checkpoint.positions(cur, "events") == {("t", 0): 3}
    assert done and totals is not None and delta.health is not None
    assert (totals.num_rows_persisted, totals.num_rows_skipped_by_error) == (0, 3)
    assert (delta.health.status, delta.health.code) == ("warn", "invalid_rows_found")
    assert "3 row(s) could not be ingested" in str(delta.health.message)
    assert rows.columns("events") == {} or count(rows) == 0


def test_tables_whose_names_differ_only_in_case_are_two_tables() -> None:
    rows = Rows(":memory:")
    upper, lower = TableSpec(name="Case", type="detail"), TableSpec(name="cASE", type="detail")
    assert storage("Case") != storage("cASE") and storage("case") == "case"
    assert storage("Case").lower() != storage("cASE").lower()
    _pipeline.write(rows, plan(upper), [{"n": 1_780_000_000_000}], {"n": "long"})
    _pipeline.write(
        rows, plan(lower), [{"n": 1_780_000_000_000}, {"n": 1_780_000_000_001}], {"n": "long"}
    )
    assert (count(rows, "Case"), count(rows, "cASE")) == (1, 2)
    rows.drop("Case")
    assert (count(rows, "cASE"), rows.columns("Case")) == (2, {})


def test_a_field_that_differs_from_another_only_in_case_is_left_out() -> None:
    rows, p = Rows(":memory:"), plan(useSchemaDiscovery=True)
    counts = _pipeline.write(
        rows, p, [{"n": 1_780_000_000_000, "Page": "/a", "page": "/b"}], {"n": "long"}
    )
    assert counts.folded == ["page"] and counts.persisted == 1
    assert "Page" in rows.columns("events") and "page" not in rows.columns("events")


@pytest.mark.parametrize("batches", [3, 7])
def test_an_aggregate_table_merges_its_pending_rows_once_they_are_many(
    batches: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch appends; the table merges when its pending rows outnumber the merged ones
    (here at least 4), and a reader always sees one row per key."""
    monkeypatch.setattr(_rollup, "MERGE_AT", 4)
    table = TableSpec(name="hourly", type="aggregate", time_resolution="hour")
    p = plan(
        table,
        mappings=[
            {"columnName": "__time", "expression": 'MILLIS_TO_TIMESTAMP("n")'},
            {"columnName": "k", "expression": '"k"'},
            {"columnName": "c", "expression": "COUNT(*)", "isAggregation": True},
        ],
    )
    rows = Rows(":memory:")
    for b in range(batches):
        records = [{"n": 1_780_000_000_000, "k": k} for k in ("a", "b")] * (b + 1)
        _pipeline.write(rows, p, records, {"n": "long"})
    stored = count(rows, "hourly")
    assert 2 <= stored < 2 * batches  # some merges happened, never one per batch
    rows.settle("hourly")
    with rows.cursor() as cur:
        got = cur.execute("SELECT k, c FROM hourly ORDER BY k").fetchall()
    each = sum(b + 1 for b in range(batches))
    assert got == [("a", each), ("b", each)]
