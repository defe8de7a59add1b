"""The local stack is its owner's (issue 44): another local account, acting as one (`setpriv`
to `nobody`), cannot read its secrets, use its admin endpoints or change its broker; a
planted symlink is not followed; `stop` signals only the processes the stack started."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from polaris_pulumi import _local
from polaris_pulumi.emulator.state._owned import alive
from tests.kafka_broker import kafka_lib
from tests.pulumi_cli import REPO

pytestmark = [pytest.mark.e2e]
NOBODY = 65534
PROBE = REPO / "tests" / "probes" / "ControllerProbe.java"


def as_another_account(*argv: str) -> subprocess.CompletedProcess[str]:
    """`argv`, run as `nobody`: another local account, as a second user of the machine is."""
    if os.getuid() != 0:
        pytest.fail("acting as a second local account needs root (setpriv), as CI runs")
    who = [f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    return subprocess.run(
        ["setpriv", *who, *argv], capture_output=True, text=True, timeout=60, cwd="/"
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, _local.Local, Path]]:
    """A stack started where another account planted a symlink named like the old temporary
    file (`env.tmp`), pointing at a file it can read."""
    base = tmp_path_factory.mktemp("owner")
    base.chmod(0o755)
    directory = base / ".polaris-local"
    directory.mkdir(mode=0o700)
    planted = base / "loot"
    planted.write_text("")
    planted.chmod(0o666)
    (directory / "env.tmp").symlink_to(planted)
    local = _local.start(directory, owner=os.getpid())
    try:
        yield directory, local, planted
    finally:
        _local.stop(directory)


def test_another_account_reads_none_of_its_secrets(stack: tuple[Path, _local.Local, Path]) -> None:
    directory, local, planted = stack
    assert planted.read_text() == ""  # the planted symlink was not written through
    for name in ("env", "local.json", "kafka/broker.json", "kafka/server.properties"):
        read = as_another_account("cat", str(directory / name))
        assert read.returncode != 0 and local.api_key not in read.stdout
    assert (directory / "env").stat().st_mode & 0o077 == 0


def test_its_admin_endpoints_want_the_token_on_loopback_too(
    stack: tuple[Path, _local.Local, Path],
) -> None:
    _, local, _ = stack
    for method, path in (("POST", "wipe"), ("PUT", "faults"), ("GET", "lag")):
        code = as_another_account(
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method,
            "-H", "Content-Type: application/json", "-d", "{}", f"{local.url}/_emulator/{path}",
        )  # fmt: skip
        assert code.stdout == "401", (path, code.stdout, code.stderr)
    health = as_another_account("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                f"{local.url}/_emulator/health")  # fmt: skip
    assert health.stdout == "200"  # readiness stays open
    owned = httpx.get(f"{local.url}/_emulator/lag", headers=local.admin_headers(), timeout=10)
    assert owned.status_code == 200


def test_its_broker_takes_no_configuration_from_a_client_without_credentials(
    stack: tuple[Path, _local.Local, Path],
) -> None:
    directory = stack[0]
    props = (directory / "kafka" / "server.properties").read_text()
    found = re.search(r"CONTROLLER://([^,\n]+)", props)
    assert found is not None
    probe = subprocess.run(
        ["java", "-cp", f"{kafka_lib()}/*", str(PROBE), found.group(1)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.stdout.startswith("REFUSED"), probe.stdout + probe.stderr[-500:]


def test_stop_signals_only_what_the_stack_started(tmp_path: Path) -> None:
    """State files naming a process the stack did not start (a reused PID, or a planted
    file): `stop` forgets them and signals nothing."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        directory = tmp_path / ".polaris-local"
        (directory / "kafka").mkdir(parents=True)
        described = _local.Local("http://127.0.0.1:1", "p", "k", "b", "u", "pw", other.pid)
        (directory / "local.json").write_text(json.dumps(described.__dict__))
        broker = {"bootstrap": "127.0.0.1:1", "admin_password": "x", "pid": other.pid}
        (directory / "kafka" / "broker.json").write_text(json.dumps(broker))
        assert _local.stop(directory) is False
        assert alive(other.pid)
        assert not (directory / "local.json").exists()
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait()


def test_a_directory_that_is_not_the_owners_alone_is_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, NOBODY, NOBODY)
    with pytest.raises(_local.LocalError, match="belongs to another account"):
        _local.start(theirs)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    with pytest.raises(_local.LocalError, match="symlink"):
        _local.start(tmp_path / "link")
