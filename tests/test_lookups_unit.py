"""Lookups on the local engine, with no broker: pushed events fill a lookup table and a job
whose mapping uses LOOKUP; each row gets the name its key had in the lookup table when the job
read it. The expected rows are computed here from what was pushed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from polaris_pulumi._local import wait_ingested
from polaris_pulumi.emulator.api._app import ALL_PERMISSIONS, EmulatorConfig, create_app
from tests import samples

KEY = "pok_lookups_unit_key"
H = {"Authorization": f"Basic {KEY}"}
BASE = "/v1/projects/p"


@pytest.fixture
def polaris() -> Iterator[TestClient]:
    app = create_app(
        EmulatorConfig(api_keys={KEY: ALL_PERMISSIONS}, project_id="p", job_start_delay=0)
    )
    with TestClient(app) as http:  # its lifespan runs the jobs' readers
        yield http


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def job(
    connection: str, table: str, mappings: list[dict[str, Any]], fields: list[str]
) -> dict[str, Any]:
    """String `fields` ("ts" first) read into `table` by `mappings`."""
    columns = {m["columnName"]: m["expression"] for m in mappings}
    return samples.stream_job(connection, table, dict.fromkeys(fields[1:], "string"), columns)


def push(http: TestClient, connection: str, events: list[dict[str, Any]]) -> None:
    body = "\n".join(json.dumps(e) for e in events).encode()
    ok(
        http.post(
            f"{BASE}/events/{connection}",
            content=body,
            headers=H | {"Content-Type": "application/json"},
        )
    )


def query(http: TestClient, text: str) -> list[dict[str, Any]]:
    return ok(http.post(f"{BASE}/query/sql", json={"query": text}, headers=H))  # type: ignore[no-any-return]


def test_a_mapping_looks_up_names_as_the_lookup_table_is_when_it_reads(polaris: TestClient) -> None:
    http = polaris
    ok(http.post(f"{BASE}/tables", json=samples.LOOKUP_TABLE | {"version": 0}, headers=H), 201)
    for name in ("codes", "orders"):
        ok(
            http.post(
                f"{BASE}/connections", json={"type": "push_streaming", "name": name}, headers=H
            ),
            201,
        )
    fill = [
        {"columnName": "code", "expression": '"code"'},
        {"columnName": "name", "expression": '"name"'},
    ]
    ok(
        http.post(
            f"{BASE}/jobs",
            json=job("codes", "country-codes", fill, ["ts", "code", "name"]),
            headers=H,
        ),
        201,
    )
    create = {k: v for k, v in samples.LOOKUP.items() if k != "aliases"}
    ok(http.post(f"{BASE}/lookups", json=create, headers=H), 201)
    alias = {"values": samples.LOOKUP["aliases"]}  # `countries`: code to name
    ok(http.put(f"{BASE}/lookups/country-lookup/aliases", json=alias, headers=H))
    names = {"fr": "France", "de": "Germany"}
    push(
        http,
        "codes",
        [{"ts": "2026-12-01T00:00:00Z", "code": c, "name": n} for c, n in names.items()],
    )
    wait_ingested(http.get, timeout=30)
    looked_up = [
        {"columnName": "code", "expression": '"country_code"'},
        {"columnName": "country", "expression": "LOOKUP(\"country_code\", 'countries', 'unknown')"},
        {
            "columnName": "bare",
            "expression": "LOOKUP(\"country_code\", 'country-lookup[code][name]')",
        },
    ]
    ok(
        http.post(
            f"{BASE}/jobs",
            json=job("orders", "orders", looked_up, ["ts", "country_code"]),
            headers=H,
        ),
        201,
    )
    first = [
        {"ts": f"2026-12-01T10:00:0{i}Z", "country_code": c}
        for i, c in enumerate(["fr", "jp", "de"])
    ]
    push(http, "orders", first)
    wait_ingested(http.get, timeout=30)
    # Japan joins the lookup table; the orders read after see it, the ones before keep theirs.
    names["jp"] = "Japan"
    push(http, "codes", [{"ts": "2026-12-01T00:00:00Z", "code": "jp", "name": "Japan"}])
    wait_ingested(http.get, timeout=30)
    later = [{"ts": "2026-12-01T11:00:00Z", "country_code": "jp"}]
    push(http, "orders", later)
    wait_ingested(http.get, timeout=30)
    known_then = {"fr": "France", "de": "Germany"}
    expected = [
        {
            "code": o["country_code"],
            "country": known_then.get(o["country_code"], "unknown"),
            "bare": known_then.get(o["country_code"]),
        }
        for o in first
    ] + [{"code": "jp", "country": names["jp"], "bare": names["jp"]}]
    rows = query(http, 'SELECT code, country, bare FROM "orders" ORDER BY __time')
    assert rows == expected
    # At query time the table is read as it is now.
    now = query(http, "SELECT code, LOOKUP(code, 'countries') AS n FROM \"orders\" ORDER BY __time")
    assert now == [{"code": o["code"], "n": names[o["code"]]} for o in expected]


def test_lookup_refusals(polaris: TestClient) -> None:
    http = polaris
    daily = samples.LOOKUP_TABLE | {"name": "daily", "partitioningGranularity": "day", "version": 0}
    ok(http.post(f"{BASE}/tables", json=daily, headers=H), 201)
    refused = ok(
        http.post(
            f"{BASE}/lookups",
            json={"name": "l", "source": {"type": "table", "tableName": "daily"}},
            headers=H,
        ),
        400,
    )
    assert "partitioned by ALL" in refused["details"][0]["message"]
    ok(http.post(f"{BASE}/tables", json=samples.LOOKUP_TABLE | {"version": 0}, headers=H), 201)
    for name in ("a", "b"):
        body = {"name": name, "source": {"type": "table", "tableName": "country-codes"}}
        ok(http.post(f"{BASE}/lookups", json=body, headers=H), 201)
    alias = {"values": [{"name": "countries", "key": "code", "value": "name"}]}
    ok(http.put(f"{BASE}/lookups/a/aliases", json=alias, headers=H))
    taken = ok(http.put(f"{BASE}/lookups/b/aliases", json=alias, headers=H), 400)
    assert "taken (by lookup 'a')" in taken["details"][0]["message"]
    bad = ok(
        http.post(
            f"{BASE}/lookups",
            json={"name": "x[y]", "source": {"tableName": "country-codes"}},
            headers=H,
        ),
        400,
    )
    assert bad["details"][0]["target"] == "name"
    unknown = ok(
        http.post(
            f"{BASE}/query/sql", json={"query": "SELECT LOOKUP('fr', 'nope') AS n"}, headers=H
        ),
        400,
    )
    assert "Lookup [nope] not found" in unknown["errorMessage"]
