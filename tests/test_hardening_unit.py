"""Issue 44's probes against the emulator, in process: each example of the issue is a test
that failed on the code before it, and passes now."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from polaris_pulumi.emulator import EmulatorConfig, create_app
from polaris_pulumi.emulator.api._auth import ALL_PERMISSIONS
from polaris_pulumi.emulator.api._gate import LOOPBACK_NAMES

KEY = "pok_hardening"
BASE = "/v1/projects/p1"
AUTH = {"Authorization": f"Basic {KEY}"}


@pytest.fixture
def http() -> Iterator[TestClient]:
    config = EmulatorConfig(
        api_keys={KEY: ALL_PERMISSIONS}, project_id="p1", allowed_hosts=LOOPBACK_NAMES
    )
    with TestClient(create_app(config), base_url="http://127.0.0.1:8765", headers=AUTH) as c:
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
        ("gen_random_uuid()", r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
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


def test_a_map_keyed_by_times_is_an_object_keyed_by_their_text(http: TestClient) -> None:
    entries = "[(TIMESTAMP '2026-01-01 00:00:00', 1)]"
    answer = query(http, f"SELECT map_from_entries({entries}) AS x", "object")
    assert answer.status_code == 200, answer.text
    assert answer.json() == [{"x": {"2026-01-01T00:00:00.000Z": 1}}]


def test_an_engine_refusal_is_in_druids_words_not_duckdbs(http: TestClient) -> None:
    missing = query(http, "SELECT nope FROM (SELECT 1 AS one)")
    assert missing.status_code == 400
    assert missing.json()["errorMessage"] == "Column 'nope' not found in any table"
    mistyped = query(http, "SELECT ln(ARRAY[1, 2])")
    assert mistyped.status_code == 400
    message = mistyped.json()["errorMessage"]
    assert message.startswith("The local engine cannot run this query: ")
    assert "Binder Error" not in message
