"""Small conversions users need between Confluent Cloud and Polaris."""

from __future__ import annotations

import pulumi

__all__ = ["bootstrap_servers"]


def _strip_scheme(endpoint: str) -> str:
    servers = []
    for server in endpoint.split(","):
        server = server.strip()
        if "://" in server:
            server = server.split("://", 1)[1]
        servers.append(server.rstrip("/"))
    return ",".join(s for s in servers if s)


def bootstrap_servers(endpoint: pulumi.Input[str]) -> pulumi.Output[str]:
    """Confluent's `SASL_SSL://pkc-xxxxx.region.provider.confluent.cloud:9092` as Polaris'
    `host:port` (each of a comma-separated list)."""
    return pulumi.Output.from_input(endpoint).apply(_strip_scheme)
