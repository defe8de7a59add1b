from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from polaris_pulumi import _access
from polaris_pulumi._registry import REGISTRY
from polaris_pulumi.emulator.kafka import broker
from tests.emulator_proc import EmulatorProcess
from tests.kafka_broker import LocalKafka, attach_local_kafka, start_local_kafka
from tests.user_project import UserVenv, build

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


def _emulator(workdir: Path, *extra: str) -> EmulatorProcess:
    flags = [*FAST, "--api-key", f"{LIMITED_KEY}=ManageConnections", "--bearer-token", BEARER]
    proc = EmulatorProcess(workdir, flags=[*flags, *extra])  # a later flag wins
    proc.flags.extend(["--api-key", proc.api_key])
    return proc.start()


@pytest.fixture(scope="session")
def _shared_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with _emulator(tmp_path_factory.mktemp("emulator")) as proc:
        yield proc


@pytest.fixture
def emulator(_shared_emulator: EmulatorProcess) -> EmulatorProcess:
    """An emulator with fast job transitions, as fresh as a new one: one process per test
    session (per xdist worker), wiped, its faults and counters reset before each test."""
    _shared_emulator.reset()
    return _shared_emulator


@pytest.fixture
def own_emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """An emulator process of the test's own, for tests that stop, kill or restart it."""
    with _emulator(tmp_path / "emulator") as proc:
        yield proc


HELD = 3600.0  # seconds: a start delay no test waits out in real time


@pytest.fixture
def held_emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """An emulator whose jobs start only when the test moves its clock on (a start delay of
    an hour): a job's `pending` can be seen whatever the machine's load."""
    with _emulator(tmp_path / "held-emulator", "--job-start-delay", str(HELD)) as proc:
        yield proc


def _shared_root(config: pytest.Config) -> Path:
    """The directory every xdist worker of this run shares (the controller's base temp)."""
    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]  # noqa: SLF001
    return Path(base).parent if hasattr(config, "workerinput") else Path(base)


OWNER = "POLARIS_TEST_RUN_PID"


def pytest_configure(config: pytest.Config) -> None:
    """The run's process (the controller, under xdist; its workers inherit the variable):
    a broker the run starts stops when it is gone, even killed."""
    if not hasattr(config, "workerinput"):
        os.environ[OWNER] = str(os.getpid())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow end-to-end tests first: the workers then finish on short tests together,
    instead of one worker running a long test while the others wait."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


@pytest.fixture(scope="session")
def kafka(request: pytest.FixtureRequest) -> LocalKafka:
    """The real local broker, one for the whole run: the first worker that needs it starts it
    (ready when a metadata request answered), the others use it; the run's end stops it.
    Tests never share topics (each makes its own) or consumer groups (each emulator's are its
    own), so they cannot see each other's records."""
    root = _shared_root(request.config)
    with (root / "kafka.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return attach_local_kafka(root / "kafka", owner=int(os.environ[OWNER]))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's end (the controller's, under xdist): the shared broker stops."""
    if not hasattr(session.config, "workerinput"):
        broker.stop(_shared_root(session.config) / "kafka")


def _live(workdir: Path, kafka: LocalKafka) -> EmulatorProcess:
    return EmulatorProcess(workdir, flags=[*FAST, "--kafka-broker", kafka.bootstrap]).start()


@pytest.fixture
def live_emulator(tmp_path: Path, kafka: LocalKafka) -> Iterator[EmulatorProcess]:
    """An emulator that knows the broker: real connection tests, jobs that consume."""
    with _live(tmp_path / "emulator", kafka) as proc:
        yield proc


@pytest.fixture
def own_kafka(tmp_path: Path) -> Iterator[LocalKafka]:
    """A broker of the test's own, for a test that restarts it (a rotated PLAIN password)."""
    local = start_local_kafka(tmp_path / "kafka", owner=os.getpid())
    yield local
    local.stop()


@pytest.fixture
def own_live_emulator(tmp_path: Path, own_kafka: LocalKafka) -> Iterator[EmulatorProcess]:
    """An emulator that knows the test's own broker."""
    with _live(tmp_path / "own-emulator", own_kafka) as proc:
        yield proc


@pytest.fixture(scope="session")
def user_venv(tmp_path_factory: pytest.TempPathFactory) -> UserVenv:
    """A user's own project's venv, holding only the wheel and what a user installs; the
    tests using it share one xdist group, so it is built once."""
    return build(tmp_path_factory.mktemp("user-project"))
