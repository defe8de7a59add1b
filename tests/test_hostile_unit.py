"""Bad, hostile and cross-site input against the emulator, in process: each is a clear 4xx,
never a 500, and nothing is half-stored (issue 35's findings, one test each)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from polaris_pulumi.emulator.api._gate import MAX_BODY
from tests.pushed import in_process

KEY = "pok_hostile"
BASE = "/v1/projects/p1"
AUTH = {"Authorization": f"Basic {KEY}"}
SECRETS = {"type": "sasl_plain", "username": "u", "password": "pw-0k"}
CONNECTION = {
    "type": "kafka",
    "name": "c1",
    "bootstrapServers": "b:9092",
    "topicName": "t",
    "secrets": SECRETS,
}


@pytest.fixture
def http() -> Iterator[TestClient]:
    with in_process(KEY) as c:
        yield c


def raw(http: TestClient, path: str, text: str, **headers: str) -> Any:
    """A body sent as it is written (a lone surrogate escape stays one)."""
    return http.post(
        path, content=text.encode(), headers={"Content-Type": "application/json", **headers}
    )


def nested(depth: int, open_: str, close: str) -> str:
    return open_ * depth + close * depth


CASES: dict[str, tuple[str, str]] = {
    "type-list": ("/connections", json.dumps(CONNECTION | {"type": ["kafka"]})),
    "type-object": ("/connections", json.dumps(CONNECTION | {"type": {"a": 1}})),
    "deep-arrays": ("/connections", nested(100_000, "[", "]")),
    "deep-objects": ("/connections", '{"a":' * 5000 + "1" + "}" * 5000),
    "drop-target-string": ("/jobs", json.dumps({"type": "drop_table", "target": "t"})),
    "drop-name-list": (
        "/jobs",
        json.dumps({"type": "drop_table", "target": {"tableName": ["t"]}}),
    ),
    "query-context-string": ("/query/sql", json.dumps({"query": "SELECT 1", "context": "x"})),
    "timestamp-not-a-time": (
        "/query/sql",
        json.dumps({"query": "SELECT ?", "parameters": [{"type": "TIMESTAMP", "value": "soon"}]}),
    ),
    "deep-parentheses": ("/query/sql", json.dumps({"query": "SELECT " + nested(2000, "(", ")")})),
    "surrogate-password": (
        "/connections",
        json.dumps(CONNECTION).replace('"pw-0k"', '"\\ud800"'),
    ),
    "surrogate-description": (
        "/connections",
        json.dumps(CONNECTION | {"description": "x"}).replace('"x"', '"\\ud800"'),
    ),
    "surrogate-name": ("/tables", '{"type": "detail", "name": "t\\ud800"}'),
    "query-id-not-latin-1": (
        "/query/sql",
        json.dumps({"query": "SELECT 1", "context": {"sqlQueryId": "名前"}}),
    ),
    "query-id-crlf": (
        "/query/sql",
        json.dumps({"query": "SELECT 1", "context": {"sqlQueryId": "a\r\nSet-Cookie: x"}}),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_a_4xx_and_stores_nothing(http: TestClient, case: str) -> None:
    path, body = CASES[case]
    answer = raw(http, BASE + path, body)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert http.get(f"{BASE}/connections").json()["values"] == []
    assert http.get(f"{BASE}/tables").json()["values"] == []


def test_a_name_beyond_latin_1_is_created_once_with_its_location_encoded(
    http: TestClient,
) -> None:
    made = http.post(f"{BASE}/tables", json={"type": "detail", "name": "名2"})
    assert made.status_code == 201, made.text
    assert made.headers["Location"] == f"{BASE}/tables/{quote('名2', safe='')}"
    assert http.get(made.headers["Location"]).json()["name"] == "名2"


def test_credentials_are_checked_before_the_body_is_read(http: TestClient) -> None:
    anonymous = raw(http, f"{BASE}/connections", "not json at all", Authorization="")
    assert anonymous.status_code == 401, anonymous.text
    too_big = raw(http, f"{BASE}/connections", " " * (MAX_BODY + 1))
    assert too_big.status_code == 413, too_big.text


def test_no_web_page_can_wipe_it_or_reach_it_by_another_name(http: TestClient) -> None:
    assert http.post(f"{BASE}/connections", json=CONNECTION).status_code == 201
    cross_site = http.post("/_emulator/wipe", headers={"Origin": "http://evil.example"})
    assert cross_site.status_code == 403, cross_site.text
    rebound = http.get(f"{BASE}/connections", headers={"Host": "evil.example:8765"})
    assert rebound.status_code == 403, rebound.text
    rebound_admin = http.post("/_emulator/wipe", headers={"Host": "evil.example"})
    assert rebound_admin.status_code == 403
    assert [c["name"] for c in http.get(f"{BASE}/connections").json()["values"]] == ["c1"]
    # The emulator's own pages and tools still can.
    assert (
        http.post("/_emulator/wipe", headers={"Origin": "http://127.0.0.1:8765"}).status_code == 200
    )


@pytest.mark.parametrize(
    "faults",
    [{"latency_ms": 1e308}, {"latency_ms": -1}, {"rate_429": 2}, {"retry_after_seconds": 1e9}],
    ids=["endless-latency", "negative-latency", "rate-over-1", "endless-retry-after"],
)
def test_fault_settings_are_bounded(http: TestClient, faults: dict[str, float]) -> None:
    answer = http.put("/_emulator/faults", json=faults)
    assert answer.status_code == 422, answer.text
    assert http.get("/_emulator/faults").json()["latency_ms"] == 0


def test_a_password_of_the_wrong_type_is_never_echoed(http: TestClient) -> None:
    body = CONNECTION | {"secrets": SECRETS | {"password": ["MyPw_list"]}}
    answer = http.post(f"{BASE}/connections", json=body)
    assert answer.status_code == 400
    assert "MyPw_list" not in answer.text and "password" in answer.text
