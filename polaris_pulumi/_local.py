"""A local Polaris in the user's own project: a real Kafka broker (Apache Kafka's jars, fetched
and checked by the package) and an emulator that knows it, both started in the background,
described in `<dir>/local.json` and `<dir>/env` (0600), and stopped together.

Used by `polaris-pulumi local start|status|stop` and by the pytest plugin (`polaris_local`).
Readiness is a real request: the broker answers a metadata request, the emulator its health.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from polaris_pulumi.emulator.state._owned import is_ours, started, write_private

PROJECT = "local-project"
USER = "local"  # the Kafka user the user's producers (and connections) log in as
DEFAULT_DIR = Path(".polaris-local")
_EMULATOR = "polaris_pulumi.emulator"  # the emulator's module: in its command line


class LocalError(RuntimeError):
    """What stops the local stack from starting: one paragraph that says what to do."""


@dataclass
class Local:
    """A running local stack: where it listens and how to log in."""

    url: str
    project_id: str
    api_key: str
    bootstrap: str
    kafka_user: str
    kafka_password: str
    emulator_pid: int
    # The emulator's admin token (its wipe, faults, clock and lag want it, on loopback too),
    # and its process's start time: with the PID, which process is ours to stop.
    admin_token: str = ""
    emulator_started: str = ""

    def env(self) -> dict[str, str]:
        return {
            "POLARIS_URL": self.url,
            "POLARIS_PROJECT_ID": self.project_id,
            "POLARIS_API_KEY": self.api_key,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "KAFKA_USERNAME": self.kafka_user,
            "KAFKA_PASSWORD": self.kafka_password,
            "POLARIS_EMULATOR_ADMIN_TOKEN": self.admin_token,
        }

    def admin_headers(self) -> dict[str, str]:
        """What the emulator's admin endpoints want."""
        return {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}

    def config_lines(self) -> list[str]:
        return [
            f"pulumi config set polaris:url {self.url}",
            f"pulumi config set polaris:projectId {self.project_id}",
            f"pulumi config set --secret polaris:apiKey {self.api_key}",
        ]


def _java() -> None:
    if shutil.which("java") is None:
        raise LocalError(
            "Java is not on PATH. The local Kafka broker runs on Java 17 or newer: install a "
            "JDK or JRE (for example `apt install openjdk-17-jre-headless` or `brew install "
            "openjdk@17`), make sure `java -version` works, then run this again."
        )


def _described(directory: Path) -> Local | None:
    """The stack `directory/local.json` describes, running or not."""
    try:
        return Local(**json.loads((directory / "local.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def load(directory: Path) -> Local | None:
    """The stack described in `directory`, if its emulator answers."""
    if (local := _described(directory)) is None:
        return None
    try:
        httpx.get(f"{local.url}/_emulator/health", timeout=2).raise_for_status()
    except httpx.HTTPError:
        return None
    return local


def start(directory: Path = DEFAULT_DIR, port: int = 0, owner: int | None = None) -> Local:
    """Start the broker and the emulator (or find them running); what they are. With an
    `owner` (a process id: a pytest session), both stop when it is gone, even killed."""
    from polaris_pulumi.emulator.kafka import broker
    from polaris_pulumi.emulator.kafka._fetch import FetchError, kafka_lib

    if (running := load(directory)) is not None:
        return running
    from polaris_pulumi.emulator.state._owned import NotOwned, own_directory

    _java()
    try:
        own_directory(directory)
    except NotOwned as exc:
        raise LocalError(str(exc)) from None
    try:
        lib = kafka_lib(say=lambda line: print(f"polaris-pulumi local: {line}", file=sys.stderr))
    except FetchError as exc:
        raise LocalError(
            f"Apache Kafka's jars could not be fetched: {exc}. Check the network (or set "
            "POLARIS_MAVEN_URL to a Maven Central mirror), then run this again."
        ) from None
    password = secrets.token_urlsafe(18)
    kafka_dir = directory / "kafka"
    try:
        info = broker.start(lib, kafka_dir, users={USER: password}, owner=owner)
    except broker.BrokerError as exc:
        raise LocalError(f"The local Kafka broker did not start: {exc}") from None
    try:
        local = _start_emulator(directory, port, (info.bootstrap, USER, password), owner)
    except BaseException:
        broker.stop(kafka_dir)
        raise
    write_private(directory / "local.json", json.dumps(asdict(local)))
    write_private(directory / "env", "".join(f"{k}={v}\n" for k, v in local.env().items()))
    return local


def _start_emulator(
    directory: Path, port: int, kafka: tuple[str, str, str], owner: int | None
) -> Local:
    bootstrap, user, pw = kafka
    key = "pok_local_" + secrets.token_hex(16)
    token = secrets.token_urlsafe(24)
    ready = directory / "emulator.ready"
    ready.unlink(missing_ok=True)
    log = directory / "emulator.log"
    command = [sys.executable, "-m", _EMULATOR, "--port", str(port)]
    command += ["--db", str(directory / "polaris.db"), "--project-id", PROJECT]
    command += ["--kafka-broker", bootstrap, "--ready-file", str(ready)]
    # Not flags: `ps` shows those.
    env = os.environ | {"POLARIS_API_KEY": key, "POLARIS_EMULATOR_ADMIN_TOKEN": token}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            command,
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            preexec_fn=die_with_parent if owner == os.getpid() else None,
        )
    deadline = time.monotonic() + 60
    while not ready.exists():
        if proc.poll() is not None:
            tail = log.read_text().strip().splitlines()[-1:] or ["(no output)"]
            raise LocalError(f"The emulator did not start: {tail[0]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise LocalError(f"The emulator did not start within 60 s: see {log}")
        time.sleep(0.05)  # the ready file is written once it serves
    url = ready.read_text().strip()
    return Local(url, PROJECT, key, bootstrap, user, pw, proc.pid, token, started(proc.pid))


def wait_ingested(get: Callable[[str], Any], timeout: float = 60) -> None:
    """Until every reading job of an emulator has ingested everything its source holds (the
    emulator's own count of what is left, `GET /_emulator/lag`, read through `get(path)`);
    an AssertionError naming what is left past `timeout` seconds: for tests."""
    deadline = time.monotonic() + timeout
    while True:
        lag = get("/_emulator/lag").json()["jobs"]
        if lag and all(v == 0 for v in lag.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not ingested within {timeout:g} s: records left {lag}")
        time.sleep(0.1)  # polling the emulator's state, with a deadline


def die_with_parent() -> None:
    """In a child, before it runs (`preexec_fn`): Linux sends it SIGTERM when the process
    that started it (its owner) is gone, even killed."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stop(directory: Path = DEFAULT_DIR) -> bool:
    """Stop both; whether anything ran."""
    from polaris_pulumi.emulator.kafka import broker

    stopped = False
    local = _described(directory)
    # Only the process we started: its PID, start time and command line (a state file may
    # name a PID that another process has since taken, or that another account planted).
    if local is not None and is_ours(local.emulator_pid, local.emulator_started, _EMULATOR):
        try:
            os.kill(local.emulator_pid, signal.SIGTERM)
            stopped = True
            _wait_gone(local.emulator_pid)
        except ProcessLookupError:
            pass
    if local is not None:
        (directory / "local.json").unlink(missing_ok=True)
    return broker.stop(directory / "kafka") or stopped


def _wait_gone(pid: int, timeout: float = 30) -> None:
    """Until the process has exited (a zombie of ours is reaped, and counts as gone)."""
    from polaris_pulumi.emulator.state._owned import alive

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return
        time.sleep(0.1)  # an exit we asked for
    os.kill(pid, signal.SIGKILL)
