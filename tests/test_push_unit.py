"""Push streaming's local engine: a payload is newline-delimited JSON objects, taken whole or
refused whole; a reader whose batch another reader committed first (a replaced job, a restart)
writes nothing and reads on from the table's stored position, so each event is in the table
once."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from polaris_pulumi.emulator.api._app import ALL_PERMISSIONS, EmulatorConfig, create_app
from polaris_pulumi.emulator.ingest import _push
from polaris_pulumi.emulator.ingest._push_reader import PushReader
from tests import samples

KEY = "pok_push_unit_key"
H = {"Authorization": f"Basic {KEY}"}


@pytest.mark.parametrize(
    ("payload", "said"),
    [
        (b"", "holds no event"),
        (b"\n \n", "holds no event"),
        (b'{"a": 1}\n{"a": ', "line 2 is not JSON"),
        (b'{"a": 1}\n[1, 2]', "line 2 is a JSON list"),
        (b'"text"', "line 1 is a JSON str"),
        (b"\xff\xfe", "line 1 is not JSON"),
        (b'{"a": "' + b"x" * 1_000_000 + b'"}', "at most 1 MB"),
    ],
)
def test_a_payload_that_is_not_json_lines_is_refused_whole(payload: bytes, said: str) -> None:
    with pytest.raises(_push.BadEvents, match=said):
        _push.events(payload)


def test_json_lines_are_taken_in_order() -> None:
    lines = [json.dumps({"i": i}).encode() for i in range(3)]
    assert _push.events(b"\n".join(lines) + b"\n\n") == lines


def test_a_reader_beaten_to_a_batch_writes_nothing_and_reads_on() -> None:
    app = create_app(
        EmulatorConfig(api_keys={KEY: ALL_PERMISSIONS}, project_id="p", job_start_delay=0)
    )
    http = TestClient(app)  # no lifespan: no feed; the readers here are driven by hand
    assert (
        http.post(
            "/v1/projects/p/connections", json={"type": "push_streaming", "name": "c"}, headers=H
        ).status_code
        == 201
    )
    job = samples.stream_job("c", "t", {"i": "long"}, {"i": '"i"'})
    job_id = http.post("/v1/projects/p/jobs", json=job, headers=H).json()["id"]
    events = b"\n".join(
        json.dumps({"ts": "2026-12-01T00:00:00Z", "i": i}).encode() for i in range(10)
    )
    pushed = http.post(
        "/v1/projects/p/events/c", content=events, headers=H | {"Content-Type": "application/json"}
    )
    assert pushed.status_code == 200 and pushed.content == b""
    core = app.state.core
    record, conn = core.store.get_job(job_id), core.store.get_connection("c")
    first, second = (
        PushReader(core.store, core.rows, record, conn.connection, core.now) for _ in "ab"
    )
    for reader in (first, second):
        reader._rewind()
    plan = first._plan()
    assert not isinstance(plan, str)
    late, early = first._read(), second._read()
    assert second._commit(plan, early)  # the other reader commits the batch first
    assert not first._commit(plan, late)  # this one's start is stale: nothing written
    first._rewind()
    assert first.next == 10 and first._read().ends == {}  # it reads on after the batch
    rows = http.post(
        "/v1/projects/p/query/sql",
        json={"query": 'SELECT COUNT(*) AS n, SUM("i") AS s FROM "t"'},
        headers=H,
    ).json()
    assert rows == [{"n": 10, "s": sum(range(10))}]
