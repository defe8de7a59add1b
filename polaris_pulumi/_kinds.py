"""Every kind of Polaris object the package manages, and every connection type, declared once.

The package's public names and its client (both generated from this by
`scripts/generate.py`), the access check, the importer, the CLI, the providers, the emulator
and the tests all read these tables. A new resource kind is its room plus one `Kind` here; a
new connection type is its models plus one `ConnectionType`.

Models only: nothing here loads Pulumi, so the emulator may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from polaris_pulumi.connections import _foreign as foreign
from polaris_pulumi.connections import _model as connections
from polaris_pulumi.connections import _streams as streams
from polaris_pulumi.connections._any import AnyConnection, AnySpec
from polaris_pulumi.jobs import _model as jobs
from polaris_pulumi.lookups import _model as lookups
from polaris_pulumi.tables import _model as tables


@dataclass(frozen=True)
class ConnectionType:
    """A Polaris connection type and how the package manages it."""

    name: str
    """Polaris' `type` of the connection."""
    resource: str | None
    """The resource class that declares it (in `connections/_resource.py`); None for a type
    the package reads but does not manage (the importer lists such connections)."""
    spec: type[AnySpec]
    """What a program declares: the API's create request."""
    response: type[AnyConnection]
    """What Polaris answers."""
    role: Literal["stream", "schema", "files"]
    """What a job takes from it: a streaming job's records, schemas (a registry), or files
    (batch ingestion, not managed here)."""


CONNECTION_TYPES: tuple[ConnectionType, ...] = (
    ConnectionType(
        "confluent",
        "Connection",
        connections.ConnectionSpec,
        connections.Connection,
        role="stream",
    ),
    ConnectionType(
        "kafka",
        "KafkaConnection",
        connections.KafkaConnectionSpec,
        connections.KafkaConnection,
        role="stream",
    ),
    ConnectionType(
        "confluent_schema_registry",
        "SchemaRegistryConnection",
        connections.SchemaRegistryConnectionSpec,
        connections.SchemaRegistryConnection,
        role="schema",
    ),
    ConnectionType(
        "push_streaming",
        "PushStreamingConnection",
        streams.PushStreamingConnectionSpec,
        streams.PushStreamingConnection,
        role="stream",
    ),
    ConnectionType(
        "kinesis",
        "KinesisConnection",
        streams.KinesisConnectionSpec,
        streams.KinesisConnection,
        role="stream",
    ),
    ConnectionType("s3", None, foreign.S3ConnectionSpec, foreign.ForeignConnection, role="files"),
    ConnectionType(
        "azure", None, foreign.AzureConnectionSpec, foreign.ForeignConnection, role="files"
    ),
)
CONNECTIONS_BY_TYPE = {c.name: c for c in CONNECTION_TYPES}
MANAGED_CONNECTION_TYPES = tuple(c for c in CONNECTION_TYPES if c.resource is not None)
# The type a connection document without one has (Polaris' first connection type).
DEFAULT_CONNECTION_TYPE = "confluent"
SOURCE_TYPES = tuple(c.name for c in CONNECTION_TYPES if c.role == "stream")
SCHEMA_TYPES = tuple(c.name for c in CONNECTION_TYPES if c.role == "schema")


def connection_type(doc: Any) -> ConnectionType | None:
    """The type of a connection document (a request or an answer), if the contract has it."""
    kind = doc.get("type", DEFAULT_CONNECTION_TYPE) if isinstance(doc, dict) else None
    return CONNECTIONS_BY_TYPE.get(kind) if isinstance(kind, str) else None


def connection_model(doc: Any) -> type[AnyConnection]:
    """The response model of a connection document, by its type: any type the package does
    not know (one Polaris added later) reads as a `ForeignConnection`."""
    found = connection_type(doc)
    return found.response if found is not None else foreign.ForeignConnection


def parse_connection(doc: Any) -> AnyConnection:
    """A connection document as its type's response model."""
    return connection_model(doc).model_validate(doc)


@dataclass(frozen=True)
class Resource:
    """A resource class: its name, the models its fields are declared in (the generator writes
    its Args from them), and what Polaris answers for it."""

    name: str
    spec: type[BaseModel]
    settings: type[BaseModel]
    response: type[BaseModel] | None = None


@dataclass(frozen=True)
class Kind:
    """A kind of Polaris object: its room, where Polaris lists it, the permission it needs, and
    its resources."""

    name: str
    """Singular, as `polaris-pulumi import --kind` takes it."""
    room: str
    """The package's room (`polaris_pulumi/<room>/`), also the access check's key."""
    list_path: str
    """Polaris' list of these objects, under the project: the access check's one GET."""
    permission: str
    """The API key permission that managing them needs."""
    api: str
    """The client mixin of the room (`<room>/_api.py`), a base of `PolarisClient`."""
    resources: tuple[Resource, ...]
    extras: tuple[str, ...] = ()
    """Other public names of the room's `_resource.py` (not resources of their own kind)."""


KINDS: tuple[Kind, ...] = (
    Kind(
        "connection",
        "connections",
        "/connections",
        "ManageConnections",
        "ConnectionsAPI",
        tuple(
            Resource(c.resource, c.spec, connections.ConnectionSettings, c.response)
            for c in CONNECTION_TYPES
            if c.resource is not None
        ),
    ),
    Kind(
        "table",
        "tables",
        "/tables",
        "ManageTables",
        "TablesAPI",
        (Resource("Table", tables.TableSpec, tables.TableSettings, tables.Table),),
    ),
    Kind(
        "job",
        "jobs",
        "/jobs?paginationLimit=1",
        "ManageIngestionJobs",
        "JobsAPI",
        (Resource("StreamingJob", jobs.StreamingJobSpec, jobs.StreamingJobSettings),),
        extras=("StreamingJobsStarted",),
    ),
    Kind(
        "lookup",
        "lookups",
        "/lookups",
        "ManageTables",
        "LookupsAPI",
        (Resource("Lookup", lookups.LookupSpec, lookups.LookupSettings, lookups.Lookup),),
    ),
)
KINDS_BY_ROOM = {k.room: k for k in KINDS}
