"""The real Kafka side of the emulator: a connection's test as a metadata request made with
the connection's own servers, username and password (confluent-kafka), and the settings a
job's consumer reads with. Failures carry Kafka's own reason."""

from __future__ import annotations

import re
import time
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer

from polaris_pulumi._problems import Problem
from polaris_pulumi.connections._model import KafkaConnection, SourceConnection
from polaris_pulumi.emulator.kafka._client import client_config

# How long a test waits for the broker before it says it is unreachable.
TEST_TIMEOUT = 5.0


def settings(conn: SourceConnection, password: str) -> dict[str, Any]:
    """librdkafka settings for the connection: SASL over plaintext, as the local broker
    listens (Polaris itself reaches Confluent Cloud over TLS), with the SCRAM mechanism of a
    `kafka` connection's secrets."""
    user = (conn.secrets.username or "") if conn.secrets else ""
    mechanism = (conn.secrets.mechanism if conn.secrets else None) or "PLAIN"
    return client_config(conn.bootstrap_servers, user, password, mechanism)


def unsupported(conn: SourceConnection) -> str | None:
    """Why the local broker cannot take this connection's login, if it cannot: it listens
    with SASL_PLAINTEXT (PLAIN and SCRAM users) only."""
    if not isinstance(conn, KafkaConnection):
        return None
    if conn.ssl is not None and conn.ssl.keystore is not None:
        return "mutual TLS (ssl.keystore): the local broker listens with SASL_PLAINTEXT only"
    if conn.secrets is not None and conn.secrets.type == "aws_iam":
        return "AWS IAM (aws_iam): the local broker has no IAM; Amazon MSK does"
    return None


def topics_of(conn: SourceConnection, names: list[str]) -> list[str]:
    """The topics the connection reads, of those that exist."""
    if conn.topic_name_is_pattern:
        pattern = re.compile(conn.topic_name)
        return sorted(n for n in names if pattern.fullmatch(n))
    return [conn.topic_name] if conn.topic_name in names else []


def check(conn: SourceConnection, password: str) -> list[Problem]:
    """What a connection test finds: authentication, reachability, the topic."""
    if (why := unsupported(conn)) is not None:
        return [Problem(("secrets",), f"The local broker cannot test {why}")]
    errors: list[KafkaError] = []
    client = Producer(settings(conn, password) | {"error_cb": errors.append})
    deadline = time.monotonic() + TEST_TIMEOUT
    while True:
        try:
            names = list(client.list_topics(timeout=0.25).topics)
            break
        except KafkaException as exc:
            client.poll(0)  # serves error_cb: authentication fails there first
            if fatal := [e for e in errors if is_auth(e)]:
                return [Problem(("secrets",), reason(fatal[0]))]
            if time.monotonic() > deadline:
                last = errors[-1] if errors else exc.args[0]
                why = f"Unable to reach broker {conn.bootstrap_servers}: {reason(last)}"
                return [Problem(("bootstrap_servers",), why)]
    if topics_of(conn, [n for n in names if not n.startswith("__")]):
        return []
    what = "matches" if conn.topic_name_is_pattern else "is named"
    return [Problem(("topic_name",), f"Unknown topic: no topic {what} {conn.topic_name!r}")]


def is_auth(error: KafkaError) -> bool:
    return error.code() in (
        KafkaError._AUTHENTICATION,
        KafkaError.SASL_AUTHENTICATION_FAILED,
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.GROUP_AUTHORIZATION_FAILED,
    )


def reason(error: KafkaError | Any) -> str:
    """Kafka's reason, without librdkafka's address prefix and timing suffix."""
    text = error.str() if isinstance(error, KafkaError) else str(error)
    text = re.sub(r"^\S+://\S+/(bootstrap|\d+): ", "", text)
    return re.sub(r" \(after \d+ms in state \w+\)$", "", text)
