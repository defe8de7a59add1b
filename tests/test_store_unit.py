"""The emulator's store under another process's write lock: the wait is bounded, the caller
gets `StoreBusy` (the API answers 503 with Retry-After), and transactions stay whole after it
(the depth counter once stayed raised, and every later call ran without BEGIN)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from polaris_pulumi.emulator import EmulatorConfig, create_app
from polaris_pulumi.emulator.api._auth import ALL_PERMISSIONS
from polaris_pulumi.emulator.state import _store
from polaris_pulumi.emulator.state._store import Store, StoreBusy


@pytest.fixture(autouse=True)
def _short_busy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_store, "BUSY_SECONDS", 0.05)


def hold_lock(path: Path) -> sqlite3.Connection:
    """Another process's writer: it holds the database's write lock until closed."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_held_lock_is_store_busy_and_transactions_stay_whole(tmp_path: Path) -> None:
    path = tmp_path / "polaris.db"
    store = Store(str(path))
    other = hold_lock(path)
    with pytest.raises(StoreBusy), store.tx():
        store.put_password("c", "never")
    other.rollback()
    other.close()
    # Afterwards a transaction that fails keeps nothing of what it wrote.
    with pytest.raises(RuntimeError), store.tx():
        store.put_password("c", "half")
        raise RuntimeError("the rest of the create failed")
    assert store.get_password("c") is None
    with store.tx():
        store.put_password("c", "whole")
    assert store.get_password("c") == "whole"


def test_the_api_answers_503_with_retry_after_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "polaris.db"
    app = create_app(
        EmulatorConfig(db_path=str(path), api_keys={"k": ALL_PERMISSIONS}, project_id="p")
    )
    secrets = {"type": "sasl_plain", "username": "u", "password": "p"}
    body = {
        "type": "kafka",
        "name": "c1",
        "bootstrapServers": "b:9092",
        "topicName": "t",
        "secrets": secrets,
    }
    with TestClient(app, headers={"Authorization": "Basic k"}) as http:
        other = hold_lock(path)
        busy = http.post("/v1/projects/p/connections", json=body)
        other.rollback()
        other.close()
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "1"
        assert http.get("/v1/projects/p/connections/c1").status_code == 404
        made = http.post("/v1/projects/p/connections", json=body)
        assert made.status_code == 201, made.text
