"""Names that differ only in case, in process: Druid keeps them apart; the local engine keeps
tables apart too, and refuses columns it cannot (a 400 naming both, never a 500 later)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from polaris_pulumi.emulator import EmulatorConfig, create_app
from polaris_pulumi.emulator.api._auth import ALL_PERMISSIONS
from polaris_pulumi.emulator.ingest._rows import quote, storage

KEY = "pok_case"
BASE = "/v1/projects/p1"


@pytest.fixture
def http() -> Iterator[TestClient]:
    app = create_app(EmulatorConfig(api_keys={KEY: ALL_PERMISSIONS}, project_id="p1"))
    with TestClient(app, headers={"Authorization": f"Basic {KEY}"}) as client:
        client.app_state = app.state  # type: ignore[attr-defined]
        yield client


def table(name: str, *columns: str) -> dict[str, Any]:
    schema = [{"name": "__time", "dataType": "timestamp"}]
    return {
        "type": "detail",
        "name": name,
        "schema": schema + [{"name": c, "dataType": "long"} for c in columns],
    }


def fill(http: TestClient, name: str, values: list[int]) -> None:
    """Rows written into the table's storage directly (no broker here)."""
    core = http.app_state.core  # type: ignore[attr-defined]
    with core.rows.writing() as cur:
        core.rows.ensure(core.store.get_table(name).table.spec(), cur)
        for v in values:
            cur.execute(
                f"INSERT INTO {quote(storage(name))} VALUES (TIMESTAMP '2026-01-01', ?)", [v]
            )


def query(http: TestClient, sql: str) -> Any:
    return http.post(f"{BASE}/query/sql", json={"query": sql})


def test_tables_whose_names_differ_only_in_case_are_two_tables(http: TestClient) -> None:
    for name in ("Case", "cASE"):
        assert http.post(f"{BASE}/tables", json=table(name, "x")).status_code == 201
    fill(http, "Case", [1, 2])
    fill(http, "cASE", [10, 20, 30])
    got = {
        name: query(http, f'SELECT COUNT(*) AS n, SUM(x) AS s FROM "{name}"').json()
        for name in ("Case", "cASE")
    }
    assert got == {"Case": [{"n": 2, "s": 3}], "cASE": [{"n": 3, "s": 60}]}
    # A qualified column names its table as Druid does.
    assert query(http, 'SELECT "Case".x FROM "Case" ORDER BY 1').json() == [{"x": 1}, {"x": 2}]
    # Dropping one keeps the other's rows.
    dropped = http.post(
        f"{BASE}/jobs", json={"type": "drop_table", "target": {"tableName": "Case"}}
    )
    assert dropped.status_code == 201, dropped.text
    assert query(http, 'SELECT COUNT(*) AS n FROM "cASE"').json() == [{"n": 3}]
    gone = query(http, 'SELECT COUNT(*) AS n FROM "Case"')
    assert gone.status_code == 400 and "not found" in gone.json()["errorMessage"]
    assert http.get(f"{BASE}/tables/cASE").json()["totalRows"] == 3


def test_columns_that_differ_only_in_case_are_a_400_naming_both(http: TestClient) -> None:
    refused = http.post(f"{BASE}/tables", json=table("t", "Page", "page"))
    assert refused.status_code == 400, refused.text
    text = refused.text
    assert "'page' differs from column 'Page' only in case" in text and "rename" in text
    assert http.get(f"{BASE}/tables/t").status_code == 404  # nothing stored


def test_a_job_mapping_two_columns_that_differ_only_in_case_is_a_400(http: TestClient) -> None:
    http.post(
        f"{BASE}/connections",
        json={"type": "kafka", "name": "k", "bootstrapServers": "b:9092", "topicName": "t"},
    )
    job = {
        "type": "streaming",
        "source": {
            "type": "connection",
            "connectionName": "k",
            "formatSettings": {"format": "nd-json"},
            "inputSchema": [{"name": "v", "dataType": "long"}],
        },
        "target": {"type": "table", "tableName": "jobs-case"},
        "createTableIfNotExists": True,
        "mappings": [
            {"columnName": "__time", "expression": "CURRENT_TIMESTAMP"},
            {"columnName": "V", "expression": '"v"'},
            {"columnName": "v", "expression": '"v"'},
        ],
    }
    refused = http.post(f"{BASE}/jobs", json=job)
    assert refused.status_code == 400, refused.text
    assert "'v' differs from column 'V' only in case" in refused.text
