"""`Connection` and `SchemaRegistryConnection`: what users write in their programs. Their
typed surface (Args, outputs, constructors) is generated into `_generated.py`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi.dynamic import ResourceProvider

from polaris_pulumi._declare import with_outputs
from polaris_pulumi.connections._generated import ConnectionBase, SchemaRegistryConnectionBase
from polaris_pulumi.connections._model import (
    Connection as ConnectionResponse,
)
from polaris_pulumi.connections._model import (
    ConnectionSpec,
    SchemaRegistryConnectionSpec,
)
from polaris_pulumi.connections._model import (
    SchemaRegistryConnection as RegistryResponse,
)
from polaris_pulumi.connections._provider import (
    ConnectionProvider,
    SchemaRegistryConnectionProvider,
    auto_name,
    output_keys,
)

OUTPUT_KEYS = output_keys(ConnectionSpec, ConnectionResponse)
REGISTRY_OUTPUT_KEYS = output_keys(SchemaRegistryConnectionSpec, RegistryResponse)


class Connection(ConnectionBase, module="polaris", name="Connection"):
    """A Polaris connection of type `confluent` (a Confluent Cloud topic, or a topic regex with
    `topic_name_is_pattern=True`). Validated at preview, tested by Polaris after create and
    update (a failed update is put back); `secrets` is always secret."""

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions]:
        return ConnectionProvider(), *_props(resource_name, values, opts, OUTPUT_KEYS)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> Connection:
        """Read an existing connection by name (not managed: see adopt_existing for that)."""
        return Connection(
            resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        )


class SchemaRegistryConnection(
    SchemaRegistryConnectionBase, module="polaris", name="SchemaRegistryConnection"
):
    """A Polaris connection of type `confluent_schema_registry`: where `avro_stream` and
    `protobuf` jobs read their schemas (`parse_schema_provider={"type": "connection",
    "connection_name": registry.name}`). The same lifecycle as `Connection`: validated at
    preview, tested after create and update (a failed update is put back), secret kept secret,
    `adopt_existing`, derived name."""

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions]:
        provider = SchemaRegistryConnectionProvider()
        return provider, *_props(resource_name, values, opts, REGISTRY_OUTPUT_KEYS)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> SchemaRegistryConnection:
        """Read an existing Schema Registry connection by name (not managed)."""
        return SchemaRegistryConnection(
            resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        )


def _props(
    resource_name: str,
    values: dict[str, Any],
    opts: pulumi.ResourceOptions | None,
    outputs: Sequence[str],
) -> tuple[dict[str, Any], pulumi.ResourceOptions]:
    """A connection's props (password secret, derived name's scope) and options."""
    values["secrets"] = _secret_password(values.get("secrets"))
    props = with_outputs(outputs, values)
    # Auto-naming needs where the resource is declared, which check() is not told.
    props["auto_name"] = _auto_name(resource_name, opts)
    opts = pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(additional_secret_outputs=["secrets"])
    )
    return props, opts


def _auto_name(resource_name: str, opts: pulumi.ResourceOptions | None) -> pulumi.Input[str]:
    """The derived connection name: scoped by the parent's URN, or by project and stack."""
    parent = opts.parent if opts is not None else None
    if parent is None:
        return auto_name(resource_name, f"{pulumi.get_project()}/{pulumi.get_stack()}")
    return parent.urn.apply(lambda urn: auto_name(resource_name, urn))


def _secret_password(secrets: Any) -> Any:
    """Mark the password secret even when given as a plain string; anything that is not an
    object (an Output, or a mistake such as "KEY:SECRET") is secret whole, so that not even
    the engine's own check-failure message can print it."""
    if isinstance(secrets, dict):
        if secrets.get("password") is None:
            return secrets
        return {**secrets, "password": pulumi.Output.secret(secrets["password"])}
    return None if secrets is None else pulumi.Output.secret(secrets)
