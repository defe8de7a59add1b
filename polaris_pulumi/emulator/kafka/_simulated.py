"""The simulated Kafka and Schema Registry: deterministic stand-ins decided by names.

A broker host ending in `.invalid` is unreachable, a topic starting with `missing` does not
exist, a username starting with `invalid` fails authentication; a topic starting with `idle`
has no data (the job is `idle`), one starting with `warn` has unparseable rows (health
`warn`). docs/emulator.md lists them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from polaris_pulumi._problems import Problem
from polaris_pulumi.connections._model import (
    AnyConnection,
    SchemaRegistryConnection,
    SourceConnection,
)


def _username(conn: AnyConnection) -> str:
    return (conn.secrets.username or conn.secrets.key or "") if conn.secrets else ""


def reach_problems(conn: AnyConnection) -> list[Problem]:
    """What a connection test finds."""
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


def idle(conn: SourceConnection) -> bool:
    """Whether the topic has nothing to read."""
    return conn.topic_name.startswith("idle")


def warning(conn: SourceConnection) -> str | None:
    """Why rows fail to parse, if they do."""
    if conn.topic_name.startswith("warn"):
        return "rows could not be parsed (stand-in: topic starts with 'warn')"
    return None
