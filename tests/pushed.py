"""An in-process emulator with a push streaming connection `c` and a job into table `t`,
its reader driven by hand (no lifespan, so no feed runs): what a batch does is seen batch by
batch. Used by the hardening and ingestion fuzz tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from polaris_pulumi.emulator import EmulatorConfig, create_app
from polaris_pulumi.emulator.api._auth import ALL_PERMISSIONS
from polaris_pulumi.emulator.api._gate import LOOPBACK_NAMES
from polaris_pulumi.emulator.ingest import _commit
from polaris_pulumi.emulator.ingest._push_reader import PushReader
from tests import samples

KEY = "pok_pushed"
BASE = "/v1/projects/p1"
AUTH = {"Authorization": f"Basic {KEY}"}


@contextmanager
def in_process(key: str = KEY) -> Iterator[TestClient]:
    """An emulator in this process (its lifespan run), as loopback serves it, and a client
    that sends `key`."""
    config = EmulatorConfig(
        api_keys={key: ALL_PERMISSIONS}, project_id="p1", allowed_hosts=LOOPBACK_NAMES
    )
    auth = {"Authorization": f"Basic {key}"}
    with TestClient(create_app(config), base_url="http://127.0.0.1:8765", headers=auth) as c:
        yield c


class Pushed:
    """A push streaming connection `c` and a job into table `t`, its reader driven by hand
    (no lifespan, so no feed runs): what a batch does is seen batch by batch."""

    def __init__(
        self,
        job_overrides: dict[str, Any] | None = None,
        tables: list[dict[str, Any]] | None = None,
    ) -> None:
        config = EmulatorConfig(api_keys={KEY: ALL_PERMISSIONS}, project_id="p1", job_start_delay=0)
        self.app = create_app(config)
        self.http = TestClient(self.app, base_url="http://127.0.0.1:8765", headers=AUTH)
        made = self.http.post(f"{BASE}/connections", json={"type": "push_streaming", "name": "c"})
        assert made.status_code == 201, made.text
        for table in tables or []:
            created = self.http.post(f"{BASE}/tables", json=table)
            assert created.status_code == 201, created.text
        job = samples.stream_job("c", "t", {"i": "long", "ms": "long"}, {"i": '"i"'})
        job["mappings"][0]["expression"] = 'MILLIS_TO_TIMESTAMP("ms")'
        job.update(job_overrides or {})
        answer = self.http.post(f"{BASE}/jobs", json=job)
        assert answer.status_code == 201, answer.text
        self.job_id = answer.json()["id"]

    def push(self, *events: dict[str, Any]) -> Any:
        body = b"\n".join(json.dumps(e).encode() for e in events)
        return self.push_raw(body)

    def push_raw(self, body: bytes) -> Any:
        return self.http.post(
            f"{BASE}/events/c", content=body, headers={"Content-Type": "application/json"}
        )

    def reader(self) -> PushReader:
        core = self.app.state.core
        job, conn = core.store.get_job(self.job_id), core.store.get_connection("c")
        reader = PushReader(core.store, core.rows, job, conn.connection, core.now)
        reader._rewind()
        return reader

    def read_all(self) -> _commit.Delta:
        reader = self.reader()
        plan = reader._plan()
        assert not isinstance(plan, str), plan
        delta = reader._read()
        assert reader._commit(plan, delta)
        return delta

    def rows(self, sql: str) -> Any:
        answer = self.http.post(f"{BASE}/query/sql", json={"query": sql})
        assert answer.status_code == 200, answer.text
        return answer.json()
