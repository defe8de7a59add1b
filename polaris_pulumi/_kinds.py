"""Every kind of Polaris object the package manages, and every connection type, declared once.

The package's public names and its client (both generated from this by
`scripts/generate.py`), the access check, the importer, the CLI, the providers, the emulator
and the tests all read these tables. A new resource kind is its room plus one `Kind` here; a
new connection type is its models plus one `ConnectionType`.

Models only: nothing here loads Pulumi, so the emulator may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from polaris_pulumi.connections import _model as connections
from polaris_pulumi.jobs import _model as jobs
from polaris_pulumi.tables import _model as tables


@dataclass(frozen=True)
class ConnectionType:
    """A Polaris connection type and how the package manages it."""

    name: str
    """Polaris' `type` of the connection."""
    resource: str
    """The resource class that declares it (in `connections/_resource.py`)."""
    spec: type[connections.AnySpec]
    """What a program declares: the API's create request."""
    response: type[connections.AnyConnection]
    """What Polaris answers."""
    source: bool
    """A streaming job may read records from it (else: it serves schemas)."""


CONNECTION_TYPES: tuple[ConnectionType, ...] = (
    ConnectionType(
        "confluent",
        "Connection",
        connections.ConnectionSpec,
        connections.Connection,
        source=True,
    ),
    ConnectionType(
        "kafka",
        "KafkaConnection",
        connections.KafkaConnectionSpec,
        connections.KafkaConnection,
        source=True,
    ),
    ConnectionType(
        "confluent_schema_registry",
        "SchemaRegistryConnection",
        connections.SchemaRegistryConnectionSpec,
        connections.SchemaRegistryConnection,
        source=False,
    ),
)
CONNECTIONS_BY_TYPE = {c.name: c for c in CONNECTION_TYPES}
# The type a connection document without one has (Polaris' first connection type).
DEFAULT_CONNECTION_TYPE = "confluent"
SOURCE_TYPES = tuple(c.name for c in CONNECTION_TYPES if c.source)
SCHEMA_TYPES = tuple(c.name for c in CONNECTION_TYPES if not c.source)


def connection_type(doc: Any) -> ConnectionType | None:
    """The managed type of a connection document (a request or an answer), if it is one."""
    kind = doc.get("type", DEFAULT_CONNECTION_TYPE) if isinstance(doc, dict) else None
    return CONNECTIONS_BY_TYPE.get(kind) if isinstance(kind, str) else None


def connection_model(doc: Any) -> type[connections.AnyConnection]:
    """The response model of a connection document, by its type (`confluent` when it has none
    we manage: the caller's validation then says what is wrong)."""
    found = connection_type(doc) or CONNECTIONS_BY_TYPE[DEFAULT_CONNECTION_TYPE]
    return found.response


def parse_connection(doc: Any) -> connections.AnyConnection:
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
)
KINDS_BY_ROOM = {k.room: k for k in KINDS}
