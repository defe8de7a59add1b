"""The query API's limits, in process (no broker: the rows are written into DuckDB directly):
Druid's `context.timeout` interrupts a query that runs too long and frees the engine, and a
malformed context is a 400, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from polaris_pulumi.emulator import EmulatorConfig, create_app
from polaris_pulumi.emulator.api._auth import ALL_PERMISSIONS

KEY = "pok_query_limits"
PROJECT = "p1"
ROWS = 3000
QUERY = f"/v1/projects/{PROJECT}/query/sql"


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(EmulatorConfig(api_keys={KEY: ALL_PERMISSIONS}, project_id=PROJECT))
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
    ["a string", ["a", "list"], {"timeout": "soon"}, {"timeout": 0}, {"timeout": True}],
    ids=["string", "list", "text-timeout", "zero", "bool"],
)
def test_a_malformed_context_is_a_400(client: TestClient, context: Any) -> None:
    answer = client.post(
        QUERY, json={"query": 'SELECT 1 AS one FROM "numbers"', "context": context}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["category"] == "INVALID_INPUT"
    assert "context" in answer.json()["errorMessage"]
