"""A local Apache Kafka broker for the emulator: one KRaft node (broker and controller) on
loopback with SASL_PLAINTEXT, PLAIN and SCRAM users, run from Maven Central's jars.

`python -m polaris_pulumi.emulator.kafka.broker start --lib DIR --dir DIR` formats the storage on
first use, starts the JVM and returns once a metadata request answers (never after a sleep);
`stop --dir DIR` stops it. `tools/kafka/fetch.sh` fetches the jars. The broker description
(`broker.json` in its directory, mode 0600) holds its address and its admin's password.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from polaris_pulumi.emulator.kafka._client import client_config
from polaris_pulumi.emulator.state._owned import (
    alive,
    is_ours,
    own_directory,
    started,
    write_private,
)

ADMIN = "admin"
HEAP = "512m"
START_TIMEOUT = 60.0


class BrokerError(RuntimeError):
    """The broker could not be started or reached; the message says why."""


@dataclass
class BrokerInfo:
    """What a client needs: the SASL listener, the admin's credentials, the process."""

    bootstrap: str
    admin_password: str
    pid: int
    users: dict[str, str] = field(default_factory=dict)
    scram_users: dict[str, str] = field(default_factory=dict)
    start_seconds: float = 0.0
    started: str = ""  # the process's start time: with `pid`, which process is ours

    def client_config(
        self, user: str = ADMIN, password: str | None = None, mechanism: str = "PLAIN"
    ) -> dict[str, Any]:
        """librdkafka settings for this broker, as `user` (the admin by default)."""
        return client_config(
            self.bootstrap,
            user,
            self.admin_password if password is None else password,
            mechanism,
        )

    def save(self, directory: Path) -> None:
        write_private(directory / "broker.json", json.dumps(asdict(self)))

    @classmethod
    def load(cls, directory: Path) -> BrokerInfo:
        return cls(**json.loads((directory / "broker.json").read_text()))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_loopback(host: str) -> None:
    """The broker is for this machine only: it never listens beyond loopback."""
    if not is_loopback(host):
        raise BrokerError(
            f"the local broker listens on loopback only, not {host!r}: use 127.0.0.1 or ::1"
        )


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _jaas(users: dict[str, str], admin_password: str) -> str:
    entries = " ".join(
        f'user_{name}="{pw}"' for name, pw in {ADMIN: admin_password, **users}.items()
    )
    return (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{ADMIN}" password="{admin_password}" {entries};'
    )


def _properties(
    directory: Path, host: str, port: int, controller: int, users: dict[str, str], admin: str
) -> str:
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    lines = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{host}:{controller}",
        "listeners": f"SASL_PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller}",
        "advertised.listeners": f"SASL_PLAINTEXT://{host}:{port}",
        # The controller listener takes the admin only (PLAIN): another local account that
        # reaches the port cannot change the broker's configuration (its log retention).
        "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": _jaas({}, admin),
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
        "sasl.mechanism.inter.broker.protocol": "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": _jaas(users, admin),
        "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config": scram,
        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": scram,
        # Dynamic password configs (the PLAIN users' JAAS, rotated at runtime) need it.
        "password.encoder.secret": secrets.token_hex(16),
        "log.dirs": str(directory / "data"),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
    }
    return "".join(f"{k}={v}\n" for k, v in lines.items())


def _java(lib: Path, main: str, *args: str, heap: str = HEAP) -> list[str]:
    java = os.environ.get("JAVA_HOME")
    exe = str(Path(java) / "bin" / "java") if java else "java"
    return [
        exe,
        f"-Xmx{heap}",
        "-XX:+UseSerialGC",
        # C1 only: a local broker's start-up costs about half the CPU (5.5 -> 3.2 s measured).
        "-XX:TieredStopAtLevel=1",
        "-cp",
        f"{lib}/*",
        main,
        *args,
    ]


def wait_ready(info: BrokerInfo, proc: subprocess.Popen[bytes] | None, log: Path) -> None:
    """Until a metadata request as the admin answers, or the broker exits or times out."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(info.client_config())
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc is not None and proc.poll() is not None:
            raise BrokerError(f"the broker exited ({proc.returncode}): {_tail(log)}")
        try:
            admin.list_topics(timeout=1)
            return
        except Exception as exc:  # KafkaException: not up yet
            if time.monotonic() > deadline:
                raise BrokerError(
                    f"the broker did not answer in {START_TIMEOUT:g}s: {exc}"
                ) from None


def _tail(log: Path) -> str:
    return " | ".join(log.read_text(errors="replace").splitlines()[-5:]) if log.exists() else ""


def add_scram_users(
    info: BrokerInfo,
    users: dict[str, str],
    mechanisms: tuple[str, ...] = ("SCRAM-SHA-256", "SCRAM-SHA-512"),
) -> None:
    """SCRAM credentials (SHA-256 and SHA-512 by default) for each user, by the admin API."""
    from confluent_kafka.admin import AdminClient
    from confluent_kafka.admin._scram import (
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialAlteration,
        UserScramCredentialUpsertion,
    )

    admin = AdminClient(info.client_config())
    # One credential per user and request (the broker refuses two in one).
    chosen = [ScramMechanism[m.replace("-", "_")] for m in mechanisms]
    for mech in chosen:
        changes: list[UserScramCredentialAlteration] = [
            UserScramCredentialUpsertion(name, ScramCredentialInfo(mech, 4096), pw.encode())
            for name, pw in users.items()
        ]
        if changes:
            for future in admin.alter_user_scram_credentials(changes).values():
                future.result(30)
    info.scram_users.update(users)


def start(
    lib: Path,
    directory: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    users: dict[str, str] | None = None,
    scram_users: dict[str, str] | None = None,
    admin_password: str | None = None,
    owner: int | None = None,
) -> BrokerInfo:
    """Format (first time), start and wait for the broker; its description is saved. With an
    `owner` (a process id), the broker is stopped when that process is gone (`_watch`)."""
    require_loopback(host)
    began = time.monotonic()
    if not (lib / f"kafka_2.13-{_version(lib)}.jar").exists():
        raise BrokerError(f"no Apache Kafka jars in {lib}: run tools/kafka/fetch.sh")
    own_directory(directory)
    stop(directory)
    users = dict(users or {})
    admin_password = admin_password or secrets.token_urlsafe(18)
    port = port or _free_port(host)
    props = directory / "server.properties"
    write_private(
        props, _properties(directory, host, port, _free_port(host), users, admin_password)
    )
    log = directory / "broker.log"
    if not (directory / "data" / "meta.properties").exists():
        fmt = ["kafka.tools.StorageTool", "format", "--standalone", "-t", str(uuid.uuid4())]
        done = subprocess.run(
            _java(lib, *fmt, "-c", str(props), heap="256m"), capture_output=True, text=True
        )
        if done.returncode:
            raise BrokerError(f"formatting the broker's storage failed: {done.stdout}{done.stderr}")
    with log.open("ab") as out:
        proc = subprocess.Popen(
            _java(lib, "kafka.Kafka", str(props)),
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    info = BrokerInfo(f"{host}:{port}", admin_password, proc.pid, users, started=started(proc.pid))
    try:
        wait_ready(info, proc, log)
        add_scram_users(info, dict(scram_users or {}))
    except BaseException:
        proc.kill()
        raise
    info.start_seconds = round(time.monotonic() - began, 2)
    info.save(directory)
    if owner is not None:
        _watch(directory, owner, proc.pid)
    return info


def _watch(directory: Path, owner: int, broker: int) -> None:
    """A watcher, detached (it must outlive the owner to act): the broker stops when its
    owner is gone."""
    watcher = ["-m", "polaris_pulumi.emulator.kafka._watch", "--dir", str(directory)]
    subprocess.Popen(
        [sys.executable, *watcher, "--owner", str(owner), "--broker", str(broker)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def restart(
    lib: Path, directory: Path, users: dict[str, str], owner: int | None = None
) -> BrokerInfo:
    """The same broker (port, data, SCRAM users) with these PLAIN users: how a PLAIN
    password is rotated, since the broker reads its JAAS users only at start."""
    old = BrokerInfo.load(directory)
    host, _, port = old.bootstrap.rpartition(":")
    return start(
        lib,
        directory,
        host=host,
        port=int(port),
        users=users,
        scram_users=old.scram_users,
        admin_password=old.admin_password,  # the same broker: its clients keep working
        owner=owner,
    )


def running(directory: Path) -> BrokerInfo | None:
    """The broker started in `directory`, if it runs and answers a metadata request."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    try:
        info = BrokerInfo.load(directory)
    except (OSError, ValueError, TypeError):
        return None
    if not alive(info.pid):
        return None
    try:
        AdminClient(info.client_config()).list_topics(timeout=5)
    except KafkaException:
        return None
    return info


def _version(lib: Path) -> str:
    for jar in lib.glob("kafka_2.13-*.jar"):
        return jar.name.removeprefix("kafka_2.13-").removesuffix(".jar")
    return "?"


def stop(directory: Path, timeout: float = 30) -> bool:
    """Stop the broker started in `directory`, if it runs; whether one did."""
    try:
        info = BrokerInfo.load(directory)
    except (OSError, ValueError, TypeError):
        return False
    pid = info.pid
    if not is_ours(pid, info.started, "kafka.Kafka"):  # gone, or a PID that is not ours
        (directory / "broker.json").unlink(missing_ok=True)
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        (directory / "broker.json").unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.1)  # waiting for an exit we asked for, not for readiness
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
    (directory / "broker.json").unlink(missing_ok=True)
    return True


def _users(path: Path | None) -> tuple[dict[str, str], dict[str, str]]:
    """PLAIN and SCRAM users from a JSON file, `{"plain": {NAME: PASSWORD}, "scram": {...}}`
    (a file, not arguments: `ps` shows a command line)."""
    if path is None:
        return {}, {}
    doc = json.loads(path.read_text())
    unknown = set(doc) - {"plain", "scram"}
    if unknown:
        raise BrokerError(f"{path}: unknown keys {sorted(unknown)}; it takes plain and scram")
    return dict(doc.get("plain") or {}), dict(doc.get("scram") or {})


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m polaris_pulumi.emulator.kafka.broker", description=__doc__
    )
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--dir", type=Path, required=True, help="the broker's config, data and log")
    p.add_argument("--lib", type=Path, help="Apache Kafka's jars (tools/kafka/fetch.sh)")
    p.add_argument("--host", default="127.0.0.1", help="a loopback address")
    p.add_argument("--port", type=int, default=0, help="the SASL listener's port (0: free)")
    p.add_argument("--users", type=Path, help='JSON: {"plain": {NAME: PW}, "scram": {NAME: PW}}')
    args = p.parse_args(argv)
    if args.action == "stop":
        print("stopped" if stop(args.dir) else "not running", file=sys.stderr)
        return
    if args.action == "status":
        info = running(args.dir)
        print(f"running at {info.bootstrap} (pid {info.pid})" if info else "not running")
        sys.exit(0 if info else 1)
    if args.lib is None:
        p.error("start needs --lib")
    try:
        plain, scram = _users(args.users)
        info = start(
            args.lib, args.dir, host=args.host, port=args.port, users=plain, scram_users=scram
        )
    except BrokerError as exc:
        sys.exit(f"broker: {exc}")
    print(info.bootstrap)


if __name__ == "__main__":
    main()
