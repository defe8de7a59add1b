"""Whether a connection can be reached, and if not, why: on the real broker when the emulator
knows one (a Schema Registry stays simulated: none can run here), else by the simulated
Kafka's rules. The one place that decides it, for connection tests and for new jobs."""

from __future__ import annotations

from polaris_pulumi._problems import Problem
from polaris_pulumi.connections._any import AnyConnection
from polaris_pulumi.connections._model import SourceConnection
from polaris_pulumi.emulator.kafka import _simulated


def reach_problems(conn: AnyConnection, broker: str | None, password: str) -> list[Problem]:
    """What a test of `conn` finds; `password` is the stored one (Polaris never returns it)."""
    if broker is None or not isinstance(conn, SourceConnection):
        return _simulated.reach_problems(conn)
    from polaris_pulumi.emulator.kafka import _live  # librdkafka, only with a broker

    return _live.check(conn, password)
