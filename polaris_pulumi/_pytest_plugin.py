"""The pytest plugin (entry point `pytest11`): the `polaris_local` fixture, for ingestion tests
of your own Pulumi program against a local Polaris that really ingests.

    def test_orders(polaris_local):
        polaris_local.deploy("infra", config={"env": "test"})
        polaris_local.produce("orders", [{"ts": "2026-12-01T10:00:00Z", "amount": 3}])
        polaris_local.wait_ingested()
        assert polaris_local.query('SELECT SUM("amount") AS s FROM "orders"') == [{"s": 3}]

The local stack (a Kafka broker and the emulator, `_local`) is started once per session, in
a directory of its own (only the Kafka jars are shared), and stopped when the session ends:
a stack that `polaris-pulumi local start` runs in `.polaris-local/` is never touched. Reusing
that one (whose Polaris each test then wipes) is an opt-in: `--polaris-local-reuse`, or
`polaris_local_reuse = true` in the pytest ini. Each test starts from an empty Polaris and
without the topics earlier tests made.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from polaris_pulumi import _local


class LocalPolaris:
    """What a test does with the local Polaris."""

    def __init__(self, directory: Path, local: _local.Local) -> None:
        self.directory, self.local = directory, local
        self.topics: set[str] = set()

    def client(self) -> Any:
        from polaris_pulumi.api import PolarisClient

        return PolarisClient(
            api_key=self.local.api_key, url=self.local.url, project_id=self.local.project_id
        )

    def _admin(self) -> dict[str, Any]:
        """librdkafka settings of the broker's admin."""
        from polaris_pulumi.emulator.kafka.broker import BrokerInfo

        return BrokerInfo.load(self.directory / "kafka").client_config()

    def deploy(
        self, program_dir: str | Path, config: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """`pulumi up` of the program in `program_dir` (its `Pulumi.yaml` and `__main__.py`)
        into the local Polaris, with no cloud account (`_mocked_up`); its stack outputs.
        Raises `AssertionError` with what `up` would have printed, when it fails."""
        run = subprocess.run(
            [sys.executable, "-m", "polaris_pulumi._mocked_up", str(program_dir)],
            input=json.dumps(dict(config or {})),
            capture_output=True,
            text=True,
            env=os.environ | {"POLARIS_LOCAL_DIR": str(self.directory)},
            timeout=600,
        )
        if run.returncode != 0:
            raise AssertionError(run.stderr.strip().splitlines()[-1] if run.stderr else run.stdout)
        done = json.loads(run.stdout.strip().splitlines()[-1])
        for topic in done["topics"]:
            self.create_topic(topic)
        return dict(done["outputs"])

    def create_topic(self, topic: str, partitions: int = 1) -> None:
        from polaris_pulumi.emulator.kafka._client import ensure_topic

        self.topics.add(topic)
        ensure_topic(self._admin(), topic, partitions)

    def produce(self, topic: str, events: Iterable[Mapping[str, Any] | bytes]) -> int:
        """Each event (a dict as JSON, or bytes) to `topic` (made if missing), acknowledged."""
        from confluent_kafka import Producer

        from polaris_pulumi.emulator.kafka._client import client_config, produce_all

        self.create_topic(topic)
        producer = Producer(
            client_config(self.local.bootstrap, self.local.kafka_user, self.local.kafka_password)
        )
        values = (e if isinstance(e, bytes) else json.dumps(e).encode() for e in events)
        return produce_all(producer, topic, values)

    def wait_ingested(self, timeout: float = 60) -> None:
        """Until every reading job's table holds everything its topics hold (the emulator's
        own count of what is left: `/_emulator/lag`)."""
        import httpx

        headers = self.local.admin_headers()
        _local.wait_ingested(
            lambda path: httpx.get(self.local.url + path, headers=headers, timeout=30), timeout
        )

    def job_logs(self, job: str) -> list[dict[str, Any]]:
        """What a job logged (events it rejected or warned about: where each came from, and
        why), newest first. `job` is the job's id, or the name of the table it writes to
        (its newest streaming job)."""
        from polaris_pulumi.api import NotFoundError

        with self.client() as client:
            try:
                job_id = client.get_job(job).id
            except NotFoundError:
                found = client.list_jobs(types=["streaming"], target_table_name=job)
                if not found:
                    raise AssertionError(
                        f"no job has id {job!r}, or writes to table {job!r}"
                    ) from None
                job_id = max(found, key=lambda j: j.created_timestamp or "").id
            return [entry.model_dump() for entry in client.get_job_logs(job_id)]

    def query(
        self, sql: str, parameters: Sequence[tuple[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """Druid SQL through the query API: its rows."""
        with self.client() as client:
            rows: list[dict[str, Any]] = client.query_sql(sql, parameters=parameters)
        return rows

    def reset(self) -> None:
        """An empty Polaris, and none of the topics earlier tests made."""
        import httpx
        from confluent_kafka import KafkaException
        from confluent_kafka.admin import AdminClient

        wipe = f"{self.local.url}/_emulator/wipe"
        httpx.post(wipe, headers=self.local.admin_headers(), timeout=30).raise_for_status()
        if self.topics:
            admin = AdminClient(self._admin())
            for future in admin.delete_topics(sorted(self.topics)).values():
                with contextlib.suppress(KafkaException):  # already gone
                    future.result(30)
            self.topics.clear()


def pytest_addoption(parser: pytest.Parser) -> None:
    help_ = (
        "let polaris_local use the stack `polaris-pulumi local start` runs in .polaris-local/ "
        "(each test wipes its Polaris) instead of one of the session's own"
    )
    parser.getgroup("polaris_local").addoption(
        "--polaris-local-reuse", action="store_true", default=False, help=help_
    )
    parser.addini("polaris_local_reuse", help_, type="bool", default=False)


@pytest.fixture(scope="session")
def _polaris_local_stack(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[LocalPolaris]:
    reuse = pytestconfig.getoption("polaris_local_reuse") or pytestconfig.getini(
        "polaris_local_reuse"
    )
    if reuse and (running := _local.load(_local.DEFAULT_DIR)) is not None:
        yield LocalPolaris(_local.DEFAULT_DIR, running)
        return
    directory = tmp_path_factory.mktemp("polaris-local")
    try:
        local = _local.start(directory, owner=os.getpid())
    except _local.LocalError as exc:
        pytest.fail(f"the local Polaris did not start: {exc}", pytrace=False)
    try:
        yield LocalPolaris(directory, local)
    finally:
        _local.stop(directory)


@pytest.fixture
def polaris_local(_polaris_local_stack: LocalPolaris) -> LocalPolaris:
    """The local Polaris, empty, for this test."""
    _polaris_local_stack.reset()
    return _polaris_local_stack
