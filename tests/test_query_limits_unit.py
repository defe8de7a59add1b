"""The query API's limits, in process (no broker: the rows are written into DuckDB directly):
Druid's `context.timeout` interrupts a query that runs too long and frees the engine, and a
malformed context is a 400, never a 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from polaris_pulumi.emulator import EmulatorConfig, create_app
from polaris_pulumi.emulator.api._auth import ALL_PERMISSIONS
from polaris_pulumi.emulator.api._query import MAX_ROWS

KEY = "pok_query_limits"
PROJECT = "p1"
ROWS = 3000
QUERY = f"/v1/projects/{PROJECT}/query/sql"


@pytest.fixture
def app() -> FastAPI:
    return create_app(EmulatorConfig(api_keys={KEY: ALL_PERMISSIONS}, project_id=PROJECT))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, headers={"Authorization": f"Basic {KEY}"}) as http:
        made = http.post(
            f"/v1/projects/{PROJECT}/tables",
            json={
                "type": "detail",
                "name": "numbers",
                "schema": [
                    {"name": "__time", "dataType": "timestamp"},
                    {"name": "x", "dataType": "long"},
                ],
            },
        )
        assert made.status_code == 201, made.text
        core = app.state.core
        with core.rows.writing() as cur:
            core.rows.ensure(core.store.get_table("numbers").table.spec(), cur)
            cur.execute(
                "INSERT INTO numbers SELECT TIMESTAMP '2026-01-01' + to_seconds(i), i "
                f"FROM range({ROWS}) r(i)"
            )
        yield http


def query(http: TestClient, sql: str, **context: Any) -> Any:
    body: dict[str, Any] = {"query": sql}
    if context:
        body["context"] = context
    return http.post(QUERY, json=body)


def test_a_query_past_its_timeout_is_interrupted_in_druids_shape(client: TestClient) -> None:
    counted = query(client, 'SELECT COUNT(*) AS n FROM "numbers"')
    assert counted.status_code == 200 and counted.json() == [{"n": ROWS}]
    # 27 billion combinations, each made into a string: minutes of work, unless stopped (no
    # statistic can tell that the condition never holds).
    endless = (
        'SELECT COUNT(*) AS n FROM "numbers" a, "numbers" b, "numbers" c '
        "WHERE CONCAT(a.x, '-', b.x, '-', c.x) = 'never'"
    )
    answer = query(client, endless, timeout=300)
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert (error["error"], error["category"], error["errorCode"]) == (
        "druidException",
        "TIMEOUT",
        "timeout",
    )
    assert "300 ms" in error["errorMessage"] and "context.timeout" in error["errorMessage"]
    # The engine was freed: the next query answers.
    assert query(client, 'SELECT MAX(x) AS m FROM "numbers"').json() == [{"m": ROWS - 1}]


@pytest.mark.parametrize(
    "context",
    [
        "a string",
        ["a", "list"],
        {"timeout": "soon"},
        {"timeout": 0},
        {"timeout": True},
        {"sqlOuterLimit": -1},
        {"sqlOuterLimit": "ten"},
    ],
    ids=["string", "list", "text-timeout", "zero", "bool", "negative-limit", "text-limit"],
)
def test_a_malformed_context_is_a_400(client: TestClient, context: Any) -> None:
    answer = client.post(
        QUERY, json={"query": 'SELECT 1 AS one FROM "numbers"', "context": context}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["category"] == "INVALID_INPUT"
    assert "context" in answer.json()["errorMessage"]


def test_an_answer_past_the_row_cap_is_a_400_that_says_how_to_ask_for_fewer(
    client: TestClient,
) -> None:
    pairs = 'SELECT a.x AS a, b.x AS b FROM "numbers" a, "numbers" b'  # ROWS ** 2 rows
    assert ROWS**2 > MAX_ROWS
    answer = query(client, pairs)
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert (error["category"], error["errorCode"]) == ("CAPACITY_EXCEEDED", "resourceLimitExceeded")
    assert "LIMIT" in error["errorMessage"] and "sqlOuterLimit" in error["errorMessage"]
    # Druid's sqlOuterLimit cuts the answer; so does a LIMIT.
    assert len(query(client, pairs, sqlOuterLimit=7).json()) == 7
    assert len(query(client, pairs + " LIMIT 5").json()) == 5
    at_cap = query(client, pairs + f" LIMIT {MAX_ROWS}")
    assert at_cap.status_code == 200 and len(at_cap.json()) == MAX_ROWS


def _cpu_seconds() -> float:
    """This process's CPU time (all its threads: the server's and DuckDB's)."""
    return time.process_time()


def test_a_query_whose_client_went_away_is_canceled(app: FastAPI, client: TestClient) -> None:
    """Over a real socket (uvicorn in a thread): the client gives up after 1 s; the query,
    with minutes of work and a timeout of 300 s, is interrupted and the CPU is freed."""
    import httpx
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    endless = (
        'SELECT COUNT(*) AS n FROM "numbers" a, "numbers" b, "numbers" c '
        "WHERE CONCAT(a.x, '-', b.x, '-', c.x) = 'never'"
    )
    try:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                f"http://127.0.0.1:{port}{QUERY}",
                json={"query": endless},
                headers={"Authorization": f"Basic {KEY}"},
                timeout=1,
            )
        # The CPU is freed: within 10 s, a half-second in which the process uses under a
        # tenth of a core (the query kept both busy).
        deadline = time.monotonic() + 10
        while True:
            before, began = _cpu_seconds(), time.monotonic()
            time.sleep(0.5)  # a measuring window, not a wait for a state
            used = (_cpu_seconds() - before) / (time.monotonic() - began)
            if used < 0.1:
                break
            assert time.monotonic() < deadline, f"still {used:.1f} cores busy"
    finally:
        server.should_exit = True
        thread.join(10)
