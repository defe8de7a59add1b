"""librdkafka settings for the local broker's SASL_PLAINTEXT listener, shared by the broker's
launcher and the emulator's live Kafka side (which must not import the launcher: it runs as
`python -m polaris_pulumi.emulator.kafka.broker`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any


def quiet_logger() -> logging.Logger:
    """librdkafka's own log lines (it repeats each failure on every retry) go here, not to
    stderr: errors reach us through the client's calls and error callbacks instead."""
    logger = logging.getLogger("polaris_pulumi.emulator.librdkafka")
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


def client_config(
    bootstrap: str, user: str, password: str, mechanism: str = "PLAIN"
) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": mechanism,
        "sasl.username": user,
        "sasl.password": password,
        "logger": quiet_logger(),
    }


def produce_all(producer: Any, topic: str, values: Iterable[bytes]) -> int:
    """Each value to `topic`, acknowledged (0 left after `flush`, else an error); a full
    local queue (librdkafka holds 100,000 messages) is drained by polling, then the value is
    produced again. How many."""
    n = 0
    for value in values:
        while True:
            try:
                producer.produce(topic, value)
                break
            except BufferError:
                producer.poll(0.05)
        n += 1
    if producer.flush(120):
        raise RuntimeError(f"the broker did not take every record for {topic!r}")
    return n


def ensure_topic(config: dict[str, Any], topic: str, partitions: int = 1) -> None:
    """The topic on the broker `config` reaches (made with `partitions` if missing)."""
    from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

    admin = AdminClient(config)
    if topic in admin.list_topics(timeout=10).topics:
        return
    for future in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        future.result(30)
