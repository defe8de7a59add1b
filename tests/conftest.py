from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from polaris_pulumi import _access
from polaris_pulumi._registry import REGISTRY
from tests.emulator_proc import EmulatorProcess
from tests.kafka_broker import LocalKafka, start_local_kafka

LIMITED_KEY = "pok_limited_connections_only"
BEARER = "oauth-test-token"


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    """Each test starts with a provider process and a program that know nothing yet."""
    REGISTRY.reset()
    yield
    REGISTRY.reset()


@pytest.fixture(autouse=True)
def _fresh_access_checks() -> Iterator[None]:
    """Preview's access check remembers what it found per endpoint: not across tests."""
    _access._seen.clear()  # noqa: SLF001
    yield
    _access._seen.clear()  # noqa: SLF001


# Fast job transitions, a clock tests move instead of sleeping, and injected 429s that ask for
# no wait.
FAST = [
    "--job-start-delay",
    "0.2",
    "--job-cancel-delay",
    "0.1",
    "--retry-after",
    "0",
    "--settable-clock",
]


def _emulator(workdir: Path) -> EmulatorProcess:
    proc = EmulatorProcess(
        workdir,
        flags=[*FAST, "--api-key", f"{LIMITED_KEY}=ManageConnections", "--bearer-token", BEARER],
    )
    proc.flags.extend(["--api-key", proc.api_key])
    return proc.start()


@pytest.fixture(scope="session")
def _shared_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    proc = _emulator(tmp_path_factory.mktemp("emulator"))
    yield proc
    proc.stop()


@pytest.fixture
def emulator(_shared_emulator: EmulatorProcess) -> EmulatorProcess:
    """An emulator with fast job transitions, as fresh as a new one: one process per test
    session (per xdist worker), wiped, its faults and counters reset before each test."""
    _shared_emulator.reset()
    return _shared_emulator


@pytest.fixture
def own_emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """An emulator process of the test's own, for tests that stop, kill or restart it."""
    proc = _emulator(tmp_path / "emulator")
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """The real local broker, once per session; ready when a metadata request answered."""
    local = start_local_kafka(tmp_path_factory.mktemp("kafka"))
    yield local
    local.stop()


@pytest.fixture
def live_emulator(tmp_path: Path, kafka: LocalKafka) -> Iterator[EmulatorProcess]:
    """An emulator that knows the broker: real connection tests, jobs that consume."""
    proc = EmulatorProcess(
        tmp_path / "emulator",
        flags=[*FAST, "--kafka-broker", kafka.bootstrap],
    )
    proc.start()
    yield proc
    proc.stop()
