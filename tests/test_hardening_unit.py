"""Issue 44's probes against the emulator, in process: each example of the issue is a test
that failed on the code before it, and passes now."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from polaris_pulumi.emulator import EmulatorConfig, create_app
from polaris_pulumi.emulator.api import _query, _query_results
from polaris_pulumi.emulator.api._auth import ALL_PERMISSIONS
from polaris_pulumi.emulator.ingest import _commit
from polaris_pulumi.emulator.ingest import _druid_sql as sql_module
from polaris_pulumi.jobs._model import StreamingJobSpec
from polaris_pulumi.jobs._rules import job_problems
from tests import samples
from tests.pushed import Pushed, in_process

KEY = "pok_hardening"
BASE = "/v1/projects/p1"
AUTH = {"Authorization": f"Basic {KEY}"}


@pytest.fixture
def http() -> Iterator[TestClient]:
    with in_process(KEY) as c:
        yield c


def query(http: TestClient, sql: str, fmt: str = "array", **extra: Any) -> Any:
    body = {"query": sql, "resultFormat": fmt, **extra}
    return http.post(f"{BASE}/query/sql", json=body)


# Values JSON cannot encode, each with what Druid's writer (Jackson) gives for it.
UNENCODABLE = [
    ("ln(0)", "-Infinity"),
    ("-ln(0)", "Infinity"),
    ("CAST('NaN' AS DOUBLE)", "NaN"),
    ("CAST('NaN' AS FLOAT)", "NaN"),
    ("CAST(1e308 AS DOUBLE) * 10", "Infinity"),
]


@pytest.mark.parametrize("fmt", ["array", "object", "arrayLines", "objectLines", "csv"])
@pytest.mark.parametrize(("expression", "written"), UNENCODABLE)
def test_a_double_json_cannot_hold_is_written_as_druid_writes_it(
    http: TestClient, fmt: str, expression: str, written: str
) -> None:
    answer = query(http, f"SELECT {expression} AS x", fmt)
    assert answer.status_code == 200, answer.text
    text = answer.text.strip()
    if fmt == "csv":
        assert text == written
        return
    strict = json.loads(
        text if fmt in ("array", "object") else text.splitlines()[0],
        parse_constant=lambda c: pytest.fail(f"a bare {c}"),
    )
    row = strict[0] if fmt in ("array", "object") else strict
    cell = row["x"] if fmt.startswith("object") else row[0]
    assert cell == written
    assert math.isnan(float(cell)) == (written == "NaN")


@pytest.mark.parametrize(
    ("expression", "shape"),
    [
        (
            "CAST('5b6a2d6e-1c5a-4c43-9f0e-6d8f3c0c0b1a' AS UUID)",
            r"5b6a2d6e-1c5a-4c43-9f0e-6d8f3c0c0b1a",
        ),
        ("INTERVAL 90 MINUTE", r"P0DT5400S"),
        ("CAST('12:30:00' AS TIME)", r"12:30:00"),
    ],
)
def test_values_of_types_druid_lacks_are_their_text_not_a_500(
    http: TestClient, expression: str, shape: str
) -> None:
    answer = query(http, f"SELECT {expression} AS x", "objectLines")
    assert answer.status_code == 200, answer.text
    (line,) = [x for x in answer.text.splitlines() if x]
    assert re.fullmatch(shape, json.loads(line)["x"])


def test_a_map_keyed_by_times_is_refused_or_written_with_text_keys(http: TestClient) -> None:
    """The issue's probe (a MAP with timestamp keys) is not Druid SQL: a 400 now, never a 500;
    a map the engine gives anyway is written with its keys' text."""
    for sql in (
        "SELECT map_from_entries([(TIMESTAMP '2026-01-01 00:00:00', 1)]) AS x",
        "SELECT MAP {TIMESTAMP '2026-01-01 00:00:00': 1} AS x",
    ):
        answer = query(http, sql, "object")
        assert answer.status_code in (200, 400), answer.text
    when = dt.datetime(2026, 1, 1)
    assert _query_results._value({when: 1}) == {"2026-01-01T00:00:00.000Z": 1}


def test_an_engine_refusal_is_in_druids_words_not_duckdbs(http: TestClient) -> None:
    missing = query(http, "SELECT nope FROM (SELECT 1 AS one)")
    assert missing.status_code == 400
    assert missing.json()["errorMessage"] == "Column 'nope' not found in any table"
    mistyped = query(http, "SELECT ln(ARRAY[1, 2])")
    assert mistyped.status_code == 400
    message = mistyped.json()["errorMessage"]
    assert message.startswith("The local engine cannot run this query: ")
    assert "Binder Error" not in message


# --- no event is lost to another's -----------------------------------------------------------


NOW_MS = 1_796_000_000_000  # 2026-11-29, inside the sample job's ten years of late records


def test_one_bad_event_costs_only_itself_not_its_batch() -> None:
    stack = Pushed()
    good = [{"ms": NOW_MS + i, "i": i} for i in range(38)]
    odd = [
        {"ms": 2**63 - 1, "i": 1000},  # a __time no timestamp holds: unparseable
        {"ms": NOW_MS, "i": 2000, "": "an empty key"},  # ingested, without that field
    ]
    for event in [*good[:20], *odd, *good[20:]]:  # 40 requests, each its own
        assert stack.push(event).status_code == 200
    delta = stack.read_all()
    expected = [{"n": len(good) + 1, "s": sum(e["i"] for e in good) + 2000}]
    assert stack.rows('SELECT COUNT(*) AS n, SUM("i") AS s FROM "t"') == expected
    assert delta.counts.num_rows_skipped_by_error == 1
    assert delta.counts.num_rows_processed == len(good) + 1
    assert delta.health is not None and delta.health.status == "warn"


def test_an_event_that_could_never_be_ingested_is_refused_naming_its_line() -> None:
    stack = Pushed()
    body = b'{"ms": 1, "i": 1}\n{"ms": 2, "i": "\\ud800"}'
    answer = stack.push_raw(body)
    assert answer.status_code == 400
    assert "line 2" in answer.text and "surrogate" in answer.text
    assert stack.reader()._read().ends == {}  # nothing of the payload was kept


def test_an_input_field_named_like_the_pipelines_own_overrides_nothing() -> None:
    stack = Pushed({"filterExpression": '"i" > 5'})
    events = [{"ms": NOW_MS + i, "i": i, "$keep": True, "$keep1": True} for i in range(10)]
    assert stack.push(*events).status_code == 200
    delta = stack.read_all()
    kept = [e["i"] for e in events if e["i"] > 5]
    assert stack.rows('SELECT COUNT(*) AS n, SUM("i") AS s FROM "t"') == [
        {"n": len(kept), "s": sum(kept)}
    ]
    assert delta.counts.num_rows_skipped_by_filter == len(events) - len(kept)


def test_a_plan_the_engine_cannot_run_stalls_and_keeps_the_events() -> None:
    stack = Pushed()
    job = stack.app.state.core.store.get_job(stack.job_id)
    assert job is not None and job.spec is not None
    job.spec.mappings[1].expression = '"i" + ARRAY[1]'  # DuckDB refuses it only when it runs
    stack.app.state.core.store.put_job(job)
    assert stack.push({"ms": NOW_MS, "i": 1}, {"ms": NOW_MS, "i": 2}).status_code == 200
    reader = stack.reader()
    reader.stopping.set()  # no wait between tries
    plan = reader._plan()
    assert not isinstance(plan, str)
    assert not reader._commit(plan, reader._read())
    health = stack.app.state.core.store.get_job(stack.job_id).health
    assert health is not None and health.status == "error" and "could not ingest" in health.message
    reader._rewind()
    assert reader.next == 0  # the position stayed: both events are read again after a fix


# --- mappings and filters are Druid expressions ----------------------------------------------

HOSTILE_EXPRESSIONS = {
    "copy-pushed": "(SELECT string_agg(CAST(payload AS VARCHAR), '|') FROM polaris_meta.pushed)",
    "cross-join": "(SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 1000) b)",
    "duckdb-function": "len(generate_series(1, 20000000))",
    "settings": "current_setting('memory_limit')",
    "qualified": "polaris_meta.pushed.payload",
    "window": 'SUM("i") OVER (PARTITION BY "ms")',
}


@pytest.mark.parametrize("where", ["mapping", "filter"])
@pytest.mark.parametrize("name", sorted(HOSTILE_EXPRESSIONS))
def test_an_expression_druid_cannot_hold_is_refused_at_create(where: str, name: str) -> None:
    config = EmulatorConfig(api_keys={KEY: ALL_PERMISSIONS}, project_id="p1")
    http = TestClient(create_app(config), base_url="http://127.0.0.1:8765", headers=AUTH)
    assert http.post(f"{BASE}/connections", json={"type": "push_streaming", "name": "c"}).is_success
    job = samples.stream_job("c", "t", {"i": "long", "ms": "long"}, {"i": '"i"'})
    text = HOSTILE_EXPRESSIONS[name]
    if where == "mapping":
        job["mappings"][1]["expression"] = text
    else:
        job["filterExpression"] = text
    answer = http.post(f"{BASE}/jobs", json=job)
    assert answer.status_code == 400, answer.text
    said = answer.text
    assert ("mappings" in said) if where == "mapping" else ("filter" in said.lower())
    assert any(w in said for w in ("subquery", "not a Druid SQL function", "qualified", "window"))
    assert http.get(f"{BASE}/jobs").json()["values"] == []  # nothing was created


@pytest.mark.parametrize("name", sorted(HOSTILE_EXPRESSIONS))
def test_the_same_expressions_fail_preview_naming_the_property(name: str) -> None:
    spec = StreamingJobSpec.model_validate(
        samples.stream_job("c", "t", {"i": "long"}, {"i": HOSTILE_EXPRESSIONS[name]})
        | {"filterExpression": HOSTILE_EXPRESSIONS[name]}
    )
    paths = {p.path for p in job_problems(spec)}
    assert {("mappings", 1, "expression"), ("filter_expression",)} <= paths


def test_a_filter_reading_a_field_the_schema_lacks_is_refused_naming_the_schema() -> None:
    config = EmulatorConfig(api_keys={KEY: ALL_PERMISSIONS}, project_id="p1")
    http = TestClient(create_app(config), base_url="http://127.0.0.1:8765", headers=AUTH)
    assert http.post(f"{BASE}/connections", json={"type": "push_streaming", "name": "c"}).is_success
    job = samples.stream_job("c", "t", {"i": "long"}, {"i": '"i"'})
    job["filterExpression"] = "\"countryy\" = 'FR'"
    answer = http.post(f"{BASE}/jobs", json=job)
    assert answer.status_code == 400
    assert "countryy" in answer.text and "'i'" in answer.text and "'ts'" in answer.text


# --- one sandbox, by construction -------------------------------------------------------------


@pytest.fixture
def with_pushed(http: TestClient) -> TestClient:
    """A project holding a table named like the engine's internal store of pushed events,
    which holds an event of another connection."""
    table = {
        "type": "detail",
        "name": "pushed",
        "schema": [{"name": "__time", "dataType": "timestamp"}],
    }
    assert http.post(f"{BASE}/tables", json=table).status_code == 201
    assert http.post(
        f"{BASE}/connections", json={"type": "push_streaming", "name": "other"}
    ).is_success
    pushed = http.post(
        f"{BASE}/events/other",
        content=b'{"secret": "s3cr3t"}',
        headers={"Content-Type": "application/json"},
    )
    assert pushed.status_code == 200
    return http


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM polaris_meta.druid.pushed",
        "SELECT * FROM polaris_meta.main.pushed",
        "SELECT * FROM polaris.polaris_meta.pushed",
        "SELECT * FROM information_schema.tables",
        "SELECT * FROM pg_catalog.pg_settings",
        "SELECT * FROM main.pg_settings",
        "SELECT * FROM duckdb_tables, (WITH duckdb_tables AS (SELECT 1 AS x) SELECT * FROM duckdb_tables)",
        "WITH pg_settings AS (SELECT * FROM pg_settings) SELECT * FROM pg_settings",
        "SELECT * FROM (WITH q AS (SELECT 1 AS x) SELECT * FROM q), pg_settings",
    ],
)
def test_no_name_reaches_beyond_the_projects_tables(with_pushed: TestClient, sql: str) -> None:
    answer = query(with_pushed, sql)
    assert answer.status_code == 400, answer.text
    assert "s3cr3t" not in answer.text and ".duckdb" not in answer.text
    assert "not found" in answer.json()["errorMessage"]


def test_a_cte_and_the_projects_table_still_answer(with_pushed: TestClient) -> None:
    cte = query(with_pushed, "WITH q AS (SELECT 2 AS x) SELECT x FROM q")
    assert cte.status_code == 200 and cte.json() == [[2]]
    table = query(with_pushed, 'SELECT COUNT(*) FROM druid."pushed"')
    assert table.status_code == 200 and table.json() == [[0]]


# --- every error is a 4xx; limits hold from the request's start -------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        """SELECT JSON_VALUE('{"a": [1, 2]}', '$.a[0,1]')""",
        """SELECT JSON_VALUE('{"a": [1, 2]}', '$.a[?(@>1)]')""",
        "SELECT " + "NOT " * 5000 + "TRUE",
        "SELECT " + "-" * 5000 + "1",
        "SELECT " + "CASE WHEN TRUE THEN " * 2000 + "1" + " END" * 2000,
        "SELECT -- '\n" + "(" * 2000 + "1" + ")" * 2000,  # a quote in a comment hides nothing
        "SELECT /* ' */ " + "(" * 2000 + "1" + ")" * 2000,
    ],
)
def test_sql_the_engine_cannot_read_is_a_400(http: TestClient, sql: str) -> None:
    answer = query(http, sql)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "druidException"


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:30:00+00:31"]
)
def test_a_timestamp_parameter_beyond_the_calendar_is_a_400(http: TestClient, value: str) -> None:
    answer = query(http, "SELECT ?", parameters=[{"type": "TIMESTAMP", "value": value}])
    assert answer.status_code == 400, answer.text
    assert "outside years 1 to 9999" in answer.json()["errorMessage"]


def test_a_list_too_long_to_read_is_refused_before_reading(http: TestClient) -> None:
    items = sql_module.MAX_TERMS + 2  # one comma more than the most
    started = time.monotonic()
    answer = query(http, f"SELECT 1 IN ({', '.join(['1'] * items)})")
    assert answer.status_code == 400 and "list items" in answer.json()["errorMessage"]
    assert time.monotonic() - started < 5  # refused without reading it (about 3 s to read)


def test_the_timeout_counts_the_reading_of_the_query(http: TestClient) -> None:
    """A 50,000-item IN list takes longer to read than its 1 ms timeout: a timeout error,
    not an answer (before, the clock started only once the query ran)."""
    listed = ", ".join(str(i) for i in range(50_000))
    answer = query(http, f"SELECT 1 IN ({listed})", context={"timeout": 1})
    assert answer.status_code == 400, answer.text
    assert answer.json()["errorCode"] == "timeout"


def test_an_answer_past_the_byte_cap_is_refused_in_druids_shape(http: TestClient) -> None:
    size = _query.MAX_ANSWER_BYTES + 1
    answer = query(http, f"SELECT REPEAT('x', {size}) AS big")
    assert answer.status_code == 400, answer.text[:200]
    assert answer.json()["errorCode"] == "resourceLimitExceeded"


@pytest.mark.parametrize(
    "expression",
    [
        "NOT " * 5000 + '"i" > 1',
        "-" * 5000 + '"i"',
        "CASE WHEN TRUE THEN " * 2000 + '"i"' + " END" * 2000,
        """JSON_VALUE('{"a": [1, 2]}', '$.a[0,1]')""",
    ],
)
def test_the_same_inputs_in_a_mapping_are_a_400_at_create(expression: str) -> None:
    config = EmulatorConfig(api_keys={KEY: ALL_PERMISSIONS}, project_id="p1")
    http = TestClient(create_app(config), base_url="http://127.0.0.1:8765", headers=AUTH)
    assert http.post(f"{BASE}/connections", json={"type": "push_streaming", "name": "c"}).is_success
    job = samples.stream_job("c", "t", {"i": "long"}, {"i": expression})
    answer = http.post(f"{BASE}/jobs", json=job)
    assert answer.status_code == 400, answer.text[:300]


def test_a_batch_past_the_evaluation_limit_is_interrupted_and_stalls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A mapping that makes each row costly (a string of millions of characters, measured):
    past the limit the batch is interrupted, the write lock is freed, nothing is written, and
    the job says why."""
    monkeypatch.setattr(_commit, "EVALUATION_LIMIT", 0.05)
    stack = Pushed()
    job = stack.app.state.core.store.get_job(stack.job_id)
    assert job is not None and job.spec is not None
    job.spec.mappings[1].expression = 'LENGTH(REPEAT(CAST("i" AS VARCHAR), 20000000))'
    stack.app.state.core.store.put_job(job)
    assert stack.push(*({"ms": NOW_MS, "i": i} for i in range(20))).status_code == 200
    reader = stack.reader()
    reader.stopping.set()
    plan = reader._plan()
    assert not isinstance(plan, str)
    assert not reader._commit(plan, reader._read())
    health = stack.app.state.core.store.get_job(stack.job_id).health
    assert health is not None and "to evaluate" in str(health.message)
    assert lock_is_free(stack.app.state.core.rows.lock)
    reader._rewind()
    assert reader.next == 0


def lock_is_free(lock: Any) -> bool:
    """Whether another thread can take the lock at once (the write lock was let go)."""
    got: list[bool] = []

    def take() -> None:
        if lock.acquire(timeout=1):
            got.append(True)
            lock.release()

    other = threading.Thread(target=take)
    other.start()
    other.join()
    return got == [True]
