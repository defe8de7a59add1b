"""The local engine's Druid SQL and pipelines, without Kafka: each Druid function the engine
rewrites, evaluated by DuckDB on values whose answers are worked out here by hand; rollup
across batches; what is refused, by name."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from polaris_pulumi.emulator.ingest import _druid_sql as sql
from polaris_pulumi.emulator.ingest import _pipeline, _rollup
from polaris_pulumi.emulator.ingest._rows import Rows
from polaris_pulumi.jobs._model import StreamingJobSpec
from polaris_pulumi.tables._model import TableSpec


def evaluate(expression: str) -> Any:
    rows = Rows(":memory:")
    with rows.cursor() as cur:
        found = cur.execute(f"SELECT {sql.to_duckdb(sql.parse_expression(expression))}").fetchone()
    assert found is not None
    return found[0]


T = "TIME_PARSE('2026-11-29T13:47:05.250Z')"
AT = dt.datetime(2026, 11, 29, 13, 47, 5, 250000, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (T, dt.datetime(2026, 11, 29, 13, 47, 5, 250000)),
        ("TIME_PARSE('2026-11-29T14:47:05+01:00')", dt.datetime(2026, 11, 29, 13, 47, 5)),
        ("TIME_PARSE('not a time')", None),
        ("TIME_PARSE('29/11/2026 13', 'dd/MM/yyyy HH')", dt.datetime(2026, 11, 29, 13)),
        (f"TIME_FLOOR({T}, 'PT1H')", dt.datetime(2026, 11, 29, 13)),
        (f"TIME_FLOOR({T}, 'PT15M')", dt.datetime(2026, 11, 29, 13, 45)),
        (f"TIME_FLOOR({T}, 'P1D')", dt.datetime(2026, 11, 29)),
        (f"TIME_FLOOR({T}, 'P1W')", dt.datetime(2026, 11, 29 - AT.weekday())),  # its Monday
        (f"TIME_FLOOR({T}, 'P1M')", dt.datetime(2026, 11, 1)),
        (f"TIME_FLOOR({T}, 'P3M')", dt.datetime(2026, 10, 1)),
        (f"TIME_FORMAT({T})", "2026-11-29T13:47:05.250Z"),
        (f"TIME_FORMAT({T}, 'yyyy/MM/dd HH''h''')", "2026/11/29 13h"),
        (f"TIME_EXTRACT({T}, 'HOUR')", 13),
        (f"TIME_EXTRACT({T}, 'DOW')", AT.isoweekday()),  # ISO, as Druid: Monday is 1
        (f"TIME_EXTRACT({T}, 'EPOCH')", int(AT.timestamp())),
        (f"TIMESTAMP_TO_MILLIS({T})", int(AT.timestamp() * 1000)),
        (f"MILLIS_TO_TIMESTAMP({int(AT.timestamp() * 1000)})", AT.replace(tzinfo=None)),
        (f"TIME_SHIFT({T}, 'P1D', -2)", dt.datetime(2026, 11, 27, 13, 47, 5, 250000)),
        ("7 / 2", 3),  # longs divide as longs, as in Druid
        ("7.0 / 2", 3.5),
        ("STRLEN('polaris')", 7),
        ("CONCAT('a', 'b', 'c')", "abc"),
    ],
)
def test_druid_functions(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_aggregates_are_exact() -> None:
    rows = Rows(":memory:")
    values = "(TIMESTAMP '2026-01-01 10:00', 'a', 1), (TIMESTAMP '2026-01-01 12:00', 'b', 1), (TIMESTAMP '2026-01-01 11:00', 'a', 2)"
    cases = {
        'LATEST("s")': "b",
        'EARLIEST("s")': "a",
        'LATEST_BY("s", "__time" - INTERVAL \'1\' DAY * "n")': "b",
        'APPROX_COUNT_DISTINCT("s")': 2,
        'APPROX_COUNT_DISTINCT_DS_HLL("n")': 2,
    }
    with rows.cursor() as cur:
        for druid, want in cases.items():
            duck = sql.to_duckdb(sql.parse_expression(druid))
            got = cur.execute(f'SELECT {duck} FROM (VALUES {values}) v("__time", s, n)').fetchone()
            assert got == (want,), druid


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("BLOOM_FILTER_TEST(\"page\", 'f')", "function BLOOM_FILTER_TEST"),
        ('LOOKUP("page", "names")', "function LOOKUP (its lookup name must be a string literal)"),
        ("TIME_FLOOR(__time, 'PT1H', TIMESTAMP '2000-01-01')", "function TIME_FLOOR (an origin)"),
        ("TIME_FLOOR(__time, 'PT1H', NULL, 'America/New_York')", "time zone 'America/New_York'"),
        ("TIME_PARSE(\"t\", 'yyyy Q')", "pattern letter 'Q'"),
        ("TIME_FLOOR(__time, 'hourly')", "'hourly' is not an ISO 8601 period"),
    ],
)
def test_what_is_not_evaluated_is_named(expression: str, named: str) -> None:
    with pytest.raises(sql.Unevaluated, match=named.replace("(", r"\(").replace(")", r"\)")):
        sql.to_duckdb(sql.parse_expression(expression))


def test_lookup_is_druids_on_the_lookup_table() -> None:
    """LOOKUP(expr, name[, replacement]): the key's value, null for a key the lookup does not
    hold (or a null key), or the replacement; a name the project has no lookup of is Druid's
    error. Expected values are read off the table below by hand."""
    rows = Rows(":memory:")
    with rows.cursor() as cur:
        cur.execute("CREATE TABLE lk (code VARCHAR, name VARCHAR)")
        cur.execute("INSERT INTO lk VALUES ('fr', 'France'), ('de', 'Germany'), (NULL, 'x')")

    def resolve(name: str) -> tuple[str, str, str]:
        if name != "countries":
            raise sql.UnknownLookup(f"Lookup [{name}] not found")
        return "lk", "code", "name"

    cases = {
        "LOOKUP(c, 'countries')": ["France", None, None, "Germany"],
        "LOOKUP(c, 'countries', 'unknown')": ["France", "unknown", "unknown", "Germany"],
        "UPPER(LOOKUP(c, 'countries'))": ["FRANCE", None, None, "GERMANY"],
    }
    with rows.cursor() as cur:
        for druid, want in cases.items():
            duck = sql.to_duckdb(sql.parse_expression(druid), lookups=resolve)
            got = cur.execute(f"SELECT {duck} FROM (VALUES ('fr'), ('jp'), (NULL), ('de')) v(c)")
            assert [r[0] for r in got.fetchall()] == want, druid
    with pytest.raises(sql.SqlInvalid, match=r"Lookup \[nope\] not found"):
        sql.to_duckdb(sql.parse_expression("LOOKUP(c, 'nope')"), lookups=resolve)
    # In an ingestion aggregation too: the distinct looked-up names (null keys and missing
    # ones give null, which a distinct count leaves out).
    tree = sql.parse_expression("APPROX_COUNT_DISTINCT(LOOKUP(c, 'countries'))")
    measure = _rollup.measure("n", tree, resolve)
    with rows.cursor() as cur:
        got = cur.execute(
            f"SELECT len({measure.batch}) FROM (VALUES ('fr'), ('jp'), ('fr'), ('de')) v(c)"
        ).fetchone()
    assert got == (len({"France", "Germany"}),)


def test_queries_are_one_select() -> None:
    for text in ("DELETE FROM t", "SELECT 1; SELECT 2", "CREATE TABLE x (a INT)"):
        with pytest.raises(sql.SqlInvalid, match="exactly one SELECT"):
            sql.parse_query(text)


SOURCE = {
    "connectionName": "c",
    "formatSettings": {"format": "nd-json"},
    "inputSchema": [{"name": "ts", "dataType": "string"}, {"name": "n", "dataType": "long"}],
}


def plan(mappings: list[dict[str, Any]], table: TableSpec, **spec: Any) -> _pipeline.Plan:
    job = StreamingJobSpec.model_validate(
        {"source": SOURCE, "target": {"tableName": table.name}, "mappings": mappings, **spec}
    )
    return _pipeline.compile_plan(job, table, time.time())


def test_rollup_merges_batches_into_one_row_per_key() -> None:
    """Two batches with the same hour and page: one stored row, each measure combined."""
    table = TableSpec(name="hourly", type="aggregate", time_resolution="hour")
    measures = {"c": "COUNT(*)", "s": 'SUM("n")', "lo": 'MIN("n")', "hi": 'MAX("n")'}
    measures |= {"last": 'LATEST("n")', "users": 'APPROX_COUNT_DISTINCT("u")'}
    p = plan(
        [
            {"columnName": "__time", "expression": 'TIME_PARSE("ts")'},
            {"columnName": "page", "expression": '"page"'},
        ]
        + [{"columnName": k, "expression": v, "isAggregation": True} for k, v in measures.items()],
        table,
        lateMessageRejectionPeriod="P20000D",
    )
    rows = Rows(":memory:")
    types = {"ts": "string", "n": "long"}
    first = [
        {"ts": "2026-01-01T10:05:00Z", "page": "/a", "n": 5, "u": "x"},
        {"ts": "2026-01-01T10:50:00Z", "page": "/a", "n": 2, "u": "y"},
        {"ts": "2026-01-01T11:00:00Z", "page": "/a", "n": 9, "u": "x"},
    ]
    second = [
        {"ts": "2026-01-01T10:55:00Z", "page": "/a", "n": 1, "u": "z"},
        {"ts": "2026-01-01T10:30:00Z", "page": "/a", "n": 7, "u": "x"},
    ]
    counts = [_pipeline.write(rows, p, batch, types) for batch in (first, second)]
    assert [c.persisted for c in counts] == [2, 1]  # rows each batch rolled up to
    rows.settle("hourly")  # the batches were appended; a reader merges them first
    with rows.cursor() as cur:
        got = cur.execute(
            'SELECT __time, page, c, s, lo, hi, "last".v, len(users) FROM hourly ORDER BY 1'
        ).fetchall()
    ten = [5, 2, 1, 7]  # 10:xx, from both batches; the latest (10:55) has n = 1
    assert got == [
        (dt.datetime(2026, 1, 1, 10), "/a", 4, sum(ten), min(ten), max(ten), "1", 3),
        (dt.datetime(2026, 1, 1, 11), "/a", 1, 9, 9, 9, "9", 1),
    ]


def test_strict_table_keeps_only_declared_columns_and_null_time_is_counted() -> None:
    table = TableSpec.model_validate(
        {
            "name": "strict",
            "type": "detail",
            "schemaMode": "strict",
            "schema": [
                {"name": "__time", "dataType": "timestamp"},
                {"name": "n", "dataType": "long"},
            ],
        }
    )
    p = plan(
        [{"columnName": "__time", "expression": 'TIME_PARSE("ts")'}],
        table,
        useSchemaDiscovery=True,
        lateMessageRejectionPeriod="P20000D",
    )
    rows = Rows(":memory:")
    batch = [{"ts": "2026-01-01T10:00:00Z", "n": 1, "extra": "e"}, {"ts": "garbage", "n": 2}]
    counts = _pipeline.write(rows, p, batch, {"ts": "string", "n": "long"})
    assert (counts.persisted, counts.unparseable_time, counts.columns) == (1, 1, [])
    assert list(rows.columns("strict")) == ["__time", "n"]


def test_the_guide_lists_every_rewritten_function() -> None:
    from tests.pulumi_cli import REPO

    guide = (REPO / "docs" / "local-testing.md").read_text()
    assert [f for f in sql.REWRITTEN if f"`{f}" not in guide] == []


def test_a_discovered_field_an_expression_reads_keeps_its_type() -> None:
    """No input schema: `n` is a number as the records have it, so the filter compares
    numbers (as strings, "10" > "9" would be false)."""
    table = TableSpec(name="discovered", type="detail")
    p = plan(
        [{"columnName": "__time", "expression": 'TIME_PARSE("ts")'}],
        table,
        useSchemaDiscovery=True,
        filterExpression='"n" > 9',
        lateMessageRejectionPeriod="P20000D",
    )
    rows = Rows(":memory:")
    batch = [{"ts": "2026-01-01T10:00:00Z", "n": n} for n in (8, 9, 10, 11)]
    counts = _pipeline.write(rows, p, batch, {})
    assert (counts.persisted, counts.skipped_by_filter) == (2, 2)
    with rows.cursor() as cur:
        assert cur.execute("SELECT n FROM discovered ORDER BY n").fetchall() == [(10,), (11,)]
