"""`Connection`, `KafkaConnection`, `SchemaRegistryConnection`, `PushStreamingConnection` and
`KinesisConnection`: what users write in their programs. Their typed surface (Args, outputs, constructors) is generated into `_generated.py`
and `_generated_bases.py`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi.dynamic import ResourceProvider

from polaris_pulumi._declare import with_outputs
from polaris_pulumi.connections._generated_bases import (
    ConnectionBase,
    KafkaConnectionBase,
    KinesisConnectionBase,
    PushStreamingConnectionBase,
    SchemaRegistryConnectionBase,
)
from polaris_pulumi.connections._model import (
    Connection as ConnectionResponse,
)
from polaris_pulumi.connections._model import (
    ConnectionSpec,
    KafkaConnectionSpec,
    SchemaRegistryConnectionSpec,
)
from polaris_pulumi.connections._model import (
    KafkaConnection as KafkaResponse,
)
from polaris_pulumi.connections._model import (
    SchemaRegistryConnection as RegistryResponse,
)
from polaris_pulumi.connections._provider import (
    ConnectionProvider,
    KafkaConnectionProvider,
    KinesisConnectionProvider,
    PushStreamingConnectionProvider,
    SchemaRegistryConnectionProvider,
    auto_name,
    output_keys,
)
from polaris_pulumi.connections._streams import (
    KinesisConnection as KinesisResponse,
)
from polaris_pulumi.connections._streams import (
    KinesisConnectionSpec,
    PushStreamingConnectionSpec,
)
from polaris_pulumi.connections._streams import (
    PushStreamingConnection as PushResponse,
)

OUTPUT_KEYS = output_keys(ConnectionSpec, ConnectionResponse)
REGISTRY_OUTPUT_KEYS = output_keys(SchemaRegistryConnectionSpec, RegistryResponse)
KAFKA_OUTPUT_KEYS = output_keys(KafkaConnectionSpec, KafkaResponse)
PUSH_OUTPUT_KEYS = output_keys(PushStreamingConnectionSpec, PushResponse)
KINESIS_OUTPUT_KEYS = output_keys(KinesisConnectionSpec, KinesisResponse)


class Connection(ConnectionBase, module="polaris", name="Connection"):
    """A Polaris connection of type `confluent` (a Confluent Cloud topic, or a topic regex with
    `topic_name_is_pattern=True`). Validated at preview, tested by Polaris after create and
    update (a failed update is put back); `secrets` is always secret."""

    output_keys = OUTPUT_KEYS

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions]:
        return ConnectionProvider(), *_props(resource_name, values, opts, OUTPUT_KEYS)


class SchemaRegistryConnection(
    SchemaRegistryConnectionBase, module="polaris", name="SchemaRegistryConnection"
):
    """A Polaris connection of type `confluent_schema_registry`: where `avro_stream` and
    `protobuf` jobs read their schemas (`parse_schema_provider={"type": "connection",
    "connection_name": registry.name}`). The same lifecycle as `Connection`: validated at
    preview, tested after create and update (a failed update is put back), secret kept secret,
    `adopt_existing`, derived name."""

    output_keys = REGISTRY_OUTPUT_KEYS

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions]:
        provider = SchemaRegistryConnectionProvider()
        return provider, *_props(resource_name, values, opts, REGISTRY_OUTPUT_KEYS)


class KafkaConnection(KafkaConnectionBase, module="polaris", name="KafkaConnection"):
    """A Polaris connection of type `kafka`: your own Apache Kafka, Amazon MSK or Kafka on
    Azure Event Hubs, with SASL/PLAIN, SASL/SCRAM or AWS IAM secrets, and TLS (`ssl`: a PEM
    keystore for mutual TLS, a PEM truststore). The lifecycle of `Connection`: validated at
    preview, tested after create and update (a failed update is put back), `adopt_existing`
    for the same brokers, derived name. The password, the private key and its password are
    always secret (`secrets` and `ssl` are secret outputs)."""

    output_keys = KAFKA_OUTPUT_KEYS

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions]:
        values["ssl"] = _secret_key(values.get("ssl"))
        props, opts = _props(resource_name, values, opts, KAFKA_OUTPUT_KEYS, secret=["ssl"])
        return KafkaConnectionProvider(), props, opts


class PushStreamingConnection(
    PushStreamingConnectionBase, module="polaris", name="PushStreamingConnection"
):
    """A Polaris connection of type `push_streaming`: events sent to Polaris' events endpoint
    (`endpoint_url`, or `PolarisClient().push_events(conn_name, events)`) go to every
    streaming job on it, with no Kafka. Derived name, `adopt_existing`; no secret (events are
    sent with the project's API key)."""

    output_keys = PUSH_OUTPUT_KEYS

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions]:
        provider = PushStreamingConnectionProvider()
        return provider, *_props(resource_name, values, opts, PUSH_OUTPUT_KEYS)


class KinesisConnection(KinesisConnectionBase, module="polaris", name="KinesisConnection"):
    """A Polaris connection of type `kinesis`: an Amazon Kinesis data stream, read through an
    IAM role Polaris assumes (no secret). Validated at preview, tested by Polaris after create
    and update (a failed update is put back), `adopt_existing`, derived name. Its jobs use the
    `kinesis` format (a value format, and optional partition key and timestamp columns) or a
    plain one."""

    output_keys = KINESIS_OUTPUT_KEYS

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions]:
        provider = KinesisConnectionProvider()
        return provider, *_props(resource_name, values, opts, KINESIS_OUTPUT_KEYS)


def _props(
    resource_name: str,
    values: dict[str, Any],
    opts: pulumi.ResourceOptions | None,
    outputs: Sequence[str],
    secret: Sequence[str] = (),
) -> tuple[dict[str, Any], pulumi.ResourceOptions]:
    """A connection's props (password secret, derived name's scope) and options."""
    if "secrets" in values:
        values["secrets"] = _secret_password(values.get("secrets"))
    props = with_outputs(outputs, values)
    # Auto-naming needs where the resource is declared, which check() is not told.
    props["auto_name"] = _auto_name(resource_name, opts)
    opts = pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(additional_secret_outputs=["secrets", *secret])
    )
    return props, opts


def _secret_key(ssl: Any) -> Any:
    """A keystore's private key and its password, secret even when given as plain strings
    (the certificates stay readable)."""
    if not isinstance(ssl, dict) or not isinstance(ssl.get("keystore"), dict):
        return ssl
    keystore = dict(ssl["keystore"])
    for field in ("key", "key_password"):
        if keystore.get(field) is not None:
            keystore[field] = pulumi.Output.secret(keystore[field])
    return {**ssl, "keystore": keystore}


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
