"""The unions of every connection type's models, for typing: `polaris_pulumi._kinds.
CONNECTION_TYPES` lists the same (a test holds them together), and dispatches by type."""

from __future__ import annotations

from polaris_pulumi.connections._foreign import (
    AzureConnectionSpec,
    ForeignConnection,
    S3ConnectionSpec,
)
from polaris_pulumi.connections._model import (
    Connection,
    ConnectionSpec,
    KafkaConnection,
    KafkaConnectionSpec,
    SchemaRegistryConnection,
    SchemaRegistryConnectionSpec,
)
from polaris_pulumi.connections._streams import (
    KinesisConnection,
    KinesisConnectionSpec,
    PushStreamingConnection,
    PushStreamingConnectionSpec,
)

AnySpec = (
    ConnectionSpec
    | SchemaRegistryConnectionSpec
    | KafkaConnectionSpec
    | PushStreamingConnectionSpec
    | KinesisConnectionSpec
    | S3ConnectionSpec
    | AzureConnectionSpec
)
ManagedConnection = (
    Connection
    | SchemaRegistryConnection
    | KafkaConnection
    | PushStreamingConnection
    | KinesisConnection
)
"""A connection of a type a resource declares."""
AnyConnection = ManagedConnection | ForeignConnection
StreamConnection = Connection | KafkaConnection | PushStreamingConnection | KinesisConnection
"""A connection a streaming job reads records from."""
