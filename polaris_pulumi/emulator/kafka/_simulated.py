"""The simulated Kafka and Schema Registry: deterministic stand-ins decided by names.

A broker (or Kinesis endpoint) host ending in `.invalid` is unreachable, a topic starting with `missing` does not
exist, a username starting with `invalid` fails authentication; a topic starting with `idle`
has no data (the job is `idle`), one starting with `warn` has unparseable rows (health
`warn`). docs/emulator.md lists them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from polaris_pulumi._problems import Problem
from polaris_pulumi.connections._any import AnyConnection
from polaris_pulumi.connections._model import (
    Connection,
    KafkaConnection,
    SchemaRegistryConnection,
)
from polaris_pulumi.connections._streams import KinesisConnection


def _username(conn: AnyConnection) -> str:
    secrets = getattr(conn, "secrets", None)
    return (
        (getattr(secrets, "username", None) or getattr(secrets, "key", None) or "")
        if secrets
        else ""
    )


def reach_problems(conn: AnyConnection) -> list[Problem]:
    """What a connection test finds."""
    if isinstance(conn, KinesisConnection):
        return _stream_problems(conn)
    if not isinstance(conn, SchemaRegistryConnection | Connection | KafkaConnection):
        return []  # push streaming (nothing to reach), and the types not modelled further
    if isinstance(conn, SchemaRegistryConnection):
        found = [
            Problem(("urls",), f"Unable to reach Schema Registry {url}: connection timed out")
            for url in conn.urls
            if (urlsplit(url).hostname or "").endswith(".invalid")
        ]
        if _username(conn).startswith("invalid"):
            found.append(Problem(("secrets",), "Authentication failed: 401 from Schema Registry"))
        return found
    found = [
        Problem(("bootstrap_servers",), f"Unable to reach broker {server}: connection timed out")
        for server in (s.strip() for s in conn.bootstrap_servers.split(","))
        if server.rsplit(":", 1)[0].endswith(".invalid")
    ]
    if _username(conn).startswith("invalid"):
        found.append(Problem(("secrets",), "Authentication failed: invalid SASL/PLAIN credentials"))
    if conn.topic_name.startswith("missing"):
        found.append(
            Problem(("topic_name",), f"Unknown topic: no topic matches {conn.topic_name!r}")
        )
    return found


def _stream_problems(conn: KinesisConnection) -> list[Problem]:
    """Kinesis, simulated by the same names: an endpoint host ending in `.invalid` cannot be
    reached, a stream starting with `missing` does not exist."""
    found = []
    if (urlsplit("//" + conn.aws_endpoint.split("://")[-1]).hostname or "").endswith(".invalid"):
        found.append(
            Problem(("awsEndpoint",), f"Unable to reach {conn.aws_endpoint}: connection timed out")
        )
    if conn.stream.startswith("missing"):
        found.append(Problem(("stream",), f"Stream {conn.stream!r} not found"))
    return found


def _source(conn: AnyConnection | None) -> str:
    """What a simulated job reads, by name: a topic, or a Kinesis stream."""
    if isinstance(conn, Connection | KafkaConnection):
        return conn.topic_name
    return conn.stream if isinstance(conn, KinesisConnection) else ""


def idle(conn: AnyConnection | None) -> bool:
    """Whether the topic (or stream) has nothing to read."""
    return _source(conn).startswith("idle")


def warning(conn: AnyConnection | None) -> str | None:
    """Why rows fail to parse, if they do."""
    if _source(conn).startswith("warn"):
        return "rows could not be parsed (stand-in: its name starts with 'warn')"
    return None
