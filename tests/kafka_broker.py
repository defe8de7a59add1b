"""The real local Kafka broker for tests: started once per session, on loopback, with the
PLAIN and SCRAM users the tests log in as; helpers to make topics and produce records."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from polaris_pulumi.emulator.kafka import broker
from polaris_pulumi.emulator.kafka._client import ensure_topic
from tests.pulumi_cli import REPO

KAFKA_USER = "ingest"
KAFKA_USER_PASSWORD = "ingest-Pw-3kQ8zX"
# A user of its own for the test that rotates its password (the broker restarts with it).
ROTATING_USER = "rotating"
ROTATING_PASSWORD = "rotating-Pw-2hG7sD"
SCRAM_USER = "scram-ingest"
SCRAM_PASSWORD = "scram-Pw-9vB2nM"
# A SCRAM user with a SHA-512 credential only: a SHA-256 login is the wrong mechanism.
SCRAM512_USER = "scram512-ingest"
SCRAM512_PASSWORD = "scram512-Pw-4cX7rT"


def kafka_lib() -> Path:
    """The jars, fetched (or found in the cache) by the project's own script."""
    out = subprocess.run(
        ["bash", str(REPO / "tools" / "kafka" / "fetch.sh")],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip().splitlines()[-1])


@dataclass
class LocalKafka:
    lib: Path
    directory: Path
    info: broker.BrokerInfo
    owner: int | None = None  # the process whose end stops the broker (`kafka._watch`)

    @property
    def bootstrap(self) -> str:
        return self.info.bootstrap

    def topic(self, prefix: str = "t", partitions: int = 1) -> str:
        """A new topic (one partition unless told)."""
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        ensure_topic(self.info.client_config(), name, partitions)
        return name

    def delete_topic(self, name: str) -> None:
        admin = AdminClient(self.info.client_config())
        for future in admin.delete_topics([name]).values():
            future.result(30)

    def produce(self, topic: str, values: Iterable[bytes], **kwargs: object) -> int:
        """Produce each value (acknowledged by the broker); how many."""
        producer = Producer(self.info.client_config())
        n = 0
        for value in values:
            producer.produce(topic, value, **kwargs)  # type: ignore[arg-type]
            n += 1
        assert producer.flush(30) == 0
        return n

    def rotate(self, user: str, password: str) -> None:
        """A PLAIN user's new password, in Kafka (the broker restarts with it)."""
        users = {**self.info.users, user: password}
        self.info = broker.restart(self.lib, self.directory, users, self.owner)

    def restart(self) -> None:
        """The broker stopped and started again, on the same port, with the same users."""
        self.info = broker.restart(self.lib, self.directory, dict(self.info.users), self.owner)

    def stop(self) -> None:
        broker.stop(self.directory)


def attach_local_kafka(directory: Path, owner: int | None = None) -> LocalKafka:
    """The broker started in `directory` if it runs and answers, else a new one there (which
    stops when `owner`, a process id, is gone)."""
    info = broker.running(directory)
    if info:
        return LocalKafka(kafka_lib(), directory, info, owner)
    return start_local_kafka(directory, owner)


def start_local_kafka(directory: Path, owner: int | None = None) -> LocalKafka:
    lib = kafka_lib()
    info = broker.start(
        lib,
        directory,
        users={KAFKA_USER: KAFKA_USER_PASSWORD, ROTATING_USER: ROTATING_PASSWORD},
        scram_users={SCRAM_USER: SCRAM_PASSWORD},
        owner=owner,
    )
    broker.add_scram_users(info, {SCRAM512_USER: SCRAM512_PASSWORD}, ("SCRAM-SHA-512",))
    return LocalKafka(lib, directory, info, owner)
