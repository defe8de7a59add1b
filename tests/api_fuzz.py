"""Generated requests against the emulator (hypothesis), and the invariant every answer must
keep: never a 5xx; a refusal changes nothing (every object reads back as before); a success
leaves every object readable. Used by tests/test_fuzz_unit.py (a seeded run in the suite) and
benchmarks/fuzz_api.py (a long one).

Bodies are the contract's samples with one part replaced by any JSON (strings with lone
surrogates, huge numbers, deep nesting, wrong types, unknown keys), or deleted; or any JSON."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import strategies as st

from polaris_pulumi.emulator import EmulatorConfig, create_app
from polaris_pulumi.emulator.api._auth import ALL_PERMISSIONS
from tests import samples

KEY = "pok_fuzz"
BASE = "/v1/projects/fuzz"
TABLE = samples.AGGREGATE_TABLE["name"]
FIELDS = sorted(
    {
        k
        for doc in (samples.CONNECTION, samples.JOB, samples.AGGREGATE_TABLE, samples.REGISTRY)
        for k in json.dumps(doc).split('"')[1::2]
        if k.isidentifier()
    }
)

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(exclude_categories=()), max_size=20),  # surrogates included
    st.sampled_from(["", "__time", "my_connection", TABLE, "SELECT 1", "P1D", "(((("]),
)
keys = st.one_of(st.sampled_from(FIELDS), st.text(max_size=8))
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)

# (method, path, samples): what each endpoint is sent.
ENDPOINTS: list[tuple[str, str, list[Any]]] = [
    ("POST", "/connections", [samples.CONNECTION, samples.REGISTRY, samples.KAFKA_SCRAM]),
    ("PATCH", "/connections/my_connection", [{"type": "confluent", "topicName": "t2"}]),
    ("POST", "/tables", [samples.AGGREGATE_TABLE, samples.DETAIL_TABLE]),
    ("PUT", f"/tables/{TABLE}", [samples.AGGREGATE_TABLE]),
    ("POST", "/jobs", [samples.job(TABLE), {"type": "drop_table", "target": {"tableName": TABLE}}]),
    ("POST", "/jobs/{job}/status", [{"desiredExecutionStatus": "suspended"}]),
    ("POST", "/query/sql", [{"query": f'SELECT COUNT(*) FROM "{TABLE}"', "context": {}}]),
]


def _paths(doc: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at]
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += _paths(v, (*at, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += _paths(v, (*at, i))
    return found


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, Any]:
    """One request: an endpoint, and a sample with one part replaced or deleted, or any JSON."""
    method, path, bodies = draw(st.sampled_from(ENDPOINTS))
    if draw(st.integers(0, 9)) == 0:
        return method, path, draw(json_values)
    body = copy.deepcopy(draw(st.sampled_from(bodies)))
    where = draw(st.sampled_from(_paths(body)))
    if not where:
        return method, path, draw(json_values)
    parent = body
    for step in where[:-1]:
        parent = parent[step]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = draw(json_values)
    return method, path, body


class Fuzzed:
    """An in-process emulator seeded with a connection, a table and a job, and the check."""

    def __init__(self) -> None:
        config = EmulatorConfig(
            api_keys={KEY: ALL_PERMISSIONS}, project_id="fuzz", job_start_delay=10**6
        )
        self.http = TestClient(create_app(config), headers={"Authorization": f"Basic {KEY}"})
        self.http.__enter__()
        self.statuses: Counter[int] = Counter()
        self.job = ""
        self.base: dict[str, Any] | None = None  # the seeded objects, while nothing changed

    def close(self) -> None:
        self.http.__exit__(None, None, None)

    def seed(self) -> None:
        assert self.http.post("/_emulator/wipe").status_code == 200
        for path, body in (
            ("/connections", samples.CONNECTION),
            ("/tables", samples.AGGREGATE_TABLE),
        ):
            assert self.http.post(BASE + path, json=body).status_code == 201, path
        job = samples.job(TABLE) | {"mappings": [], "createTableIfNotExists": False}
        made = self.http.post(f"{BASE}/jobs", json=job | {"useSchemaDiscovery": True})
        assert made.status_code == 201, made.text
        self.job = made.json()["id"]

    def snapshot(self) -> dict[str, Any]:
        """Every object, as read one by one (each must read: none is half-stored)."""
        out: dict[str, Any] = {}
        for kind, key in (("connections", "name"), ("tables", "name"), ("jobs", "id")):
            listed = self.http.get(f"{BASE}/{kind}")
            assert listed.status_code == 200, listed.text
            for item in listed.json()["values"]:
                one = self.http.get(f"{BASE}/{kind}/{item[key]}")
                assert one.status_code == 200, (kind, item[key], one.text)
                out[f"{kind}/{item[key]}"] = one.json()
        return out

    def check(self, method: str, path: str, body: Any) -> None:
        """The invariant, for one request (the seed is made again after a request changed
        something)."""
        if self.base is None:
            self.seed()
            self.base = self.snapshot()
        before = self.base
        answer = self.http.request(
            method,
            BASE + path.format(job=self.job),
            content=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        self.statuses[answer.status_code] += 1
        assert answer.status_code < 500, (method, path, body, answer.text[:500])
        after = self.snapshot()
        if answer.status_code >= 400:
            assert after == before, (method, path, body, answer.text[:300])
        else:
            self.base = None
