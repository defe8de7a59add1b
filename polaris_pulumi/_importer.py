"""`polaris-pulumi import`: a live Polaris project read through `polaris_pulumi.api`, written
out as a Pulumi program whose resources adopt what Polaris holds (`adopt_existing=True`), so
that its first `pulumi up` changes nothing.

`pulumi import` cannot reach dynamic resources (pulumi/pulumi#16175), hence a program rather
than state. Polaris never returns a secret: each one is read from the stack's config. What the
program cannot express is said on stderr, left as a comment, and reflected in the exit code.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from polaris_pulumi._client import PolarisClient
from polaris_pulumi._kinds import CONNECTIONS_BY_TYPE, KINDS
from polaris_pulumi._meta import with_defaults
from polaris_pulumi.connections._any import ManagedConnection
from polaris_pulumi.connections._foreign import ForeignConnection
from polaris_pulumi.connections._model import (
    KafkaConnection,
    SchemaRegistryConnection,
)
from polaris_pulumi.connections._streams import KinesisConnection, PushStreamingConnection
from polaris_pulumi.jobs._model import StreamingJob
from polaris_pulumi.lookups._model import Lookup
from polaris_pulumi.tables._model import Table

KIND_NAMES = tuple(k.name for k in KINDS)
# Jobs that are objects to manage; the others are history.
IMPORTED_STATUSES = ("pending", "running", "idle", "suspended")


@dataclass(frozen=True)
class Ref:
    """Python code standing for a value: a config read, another resource's output."""

    code: str


@dataclass
class Secret:
    """A config key the program reads a secret from, and what to put there."""

    key: str
    what: str


@dataclass
class Program:
    """What the import found: each resource's code, the secrets to set, what it skipped."""

    blocks: list[str] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    settings: dict[str, str] = field(default_factory=dict)
    """Plain config keys the program reads, and their values (an endpoint's URL and project)."""
    provider: str | None = None
    """The `polaris.Provider` variable every resource is given, if any."""

    def add(self, variable: str, cls: str, name: str, args: dict[str, Any]) -> None:
        """A resource's code, given the program's provider when it has one."""
        if self.provider is not None:
            args = args | {"opts": Ref(f"pulumi.ResourceOptions(provider={self.provider})")}
        self.blocks.append(call(variable, cls, name, args))

    def endpoint(self, name: str, url: str, project_id: str) -> None:
        """Declare the project's endpoint as a `polaris.Provider` of this name, read from
        config (`<name>Url`, `<name>ProjectId`, the secret `<name>ApiKey`)."""
        self.provider = self.variable("provider", name)
        self.settings |= {f"{name}Url": url, f"{name}ProjectId": project_id}
        key = self.secret(f"{name}ApiKey", f"the API key of {url}, project {project_id}")
        args = {
            "url": Ref(f"config.require({name + 'Url'!r})"),
            "project_id": Ref(f"config.require({name + 'ProjectId'!r})"),
            "api_key": key,
        }
        self.blocks.append(call(self.provider, "Provider", name, args))

    def variable(self, prefix: str, name: str) -> str:
        """A Python name for an object, unique in the program."""
        base = re.sub(r"\W+", "_", f"{prefix}_{name}").strip("_").lower() or prefix
        base = f"{base}_" if keyword.iskeyword(base) else base
        candidate, n = base, 2
        while candidate in self.names:
            candidate, n = f"{base}_{n}", n + 1
        self.names.add(candidate)
        return candidate

    def secret(self, key: str, what: str) -> Ref:
        self.secrets.append(Secret(key, what))
        return Ref(f"config.require_secret({key!r})")


def literal(value: Any, indent: int = 0) -> str:
    """A JSON-like value (with Refs) as Python source; ruff formats it afterwards."""
    pad, inner = "    " * indent, "    " * (indent + 1)
    if isinstance(value, Ref):
        return value.code
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{k!r}: {literal(v, indent + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [f"{inner}{literal(v, indent + 1)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    return repr(value)


def call(variable: str, cls: str, name: str, args: dict[str, Any]) -> str:
    body = "".join(f"    {k}={literal(v, 1)},\n" for k, v in args.items())
    return f"{variable} = polaris.{cls}(\n    {name!r},\n{body})"


# --- reading the project ---------------------------------------------------------------------


def _match(name: str, pattern: re.Pattern[str] | None) -> bool:
    return pattern is None or bool(pattern.search(name))


def connections(client: PolarisClient, program: Program) -> list[ManagedConnection]:
    """Every connection of a type we manage; the others are said to be skipped."""
    found: list[ManagedConnection] = []
    for conn in client.list_connections():
        if isinstance(conn, ForeignConnection):
            program.skipped.append(
                f"connection {conn.name!r}: type {conn.type!r} is not managed by polaris-pulumi"
            )
            continue
        found.append(conn)
    return found


def streaming_jobs(client: PolarisClient, program: Program) -> list[StreamingJob]:
    """Streaming jobs not over, in full; jobs of other types are said to be skipped."""
    jobs = []
    for summary in client.list_jobs():
        if summary.execution_status not in IMPORTED_STATUSES:
            continue
        if summary.type != "streaming":
            program.skipped.append(
                f"job {summary.id}: a {summary.type} job is not managed by polaris-pulumi"
            )
            continue
        jobs.append(client.get_job(summary.id))
    return jobs


# --- writing the resources ------------------------------------------------------------------


def connection_args(conn: ManagedConnection, program: Program) -> dict[str, Any]:
    """A connection's args: its spec, its secrets from config, adopt_existing."""
    spec = conn.spec()
    args = with_defaults(spec).model_dump(mode="json", exclude_none=True, exclude={"type"})
    if isinstance(conn, PushStreamingConnection | KinesisConnection):
        return args | {"adopt_existing": True}  # no secret: a name, or a role to assume
    secrets = dict(args.get("secrets") or {})
    if conn.secrets is not None and conn.secrets.type == "confluent" and conn.secrets.key:
        # The deprecated secrets type: written as sasl_plain, which the first up sends.
        secrets = {"type": "sasl_plain", "username": conn.secrets.key}
        program.skipped.append(
            f"connection {conn.name!r}: its deprecated `confluent` secrets are written as "
            "sasl_plain (the same API key): the first `pulumi up` updates it"
        )
    if "username" in secrets or isinstance(conn, SchemaRegistryConnection):
        what = "API secret" if conn.type != "kafka" else "password"
        secrets["password"] = program.secret(f"{conn.name}-password", f"the {what} of {conn.name}")
    elif not secrets:
        program.skipped.append(
            f"connection {conn.name!r}: its secrets ({conn.secrets.type if conn.secrets else 'none'})"
            " are not expressible; declare them by hand"
        )
    if secrets:
        args["secrets"] = secrets
    if isinstance(conn, KafkaConnection) and conn.ssl and conn.ssl.keystore:
        keystore = dict(args["ssl"]["keystore"])
        keystore["key"] = program.secret(
            f"{conn.name}-private-key", f"the PEM private key of {conn.name}"
        )
        keystore.pop("key_password", None)  # never returned: add it if the key is encrypted
        args["ssl"] = {**args["ssl"], "keystore": keystore}
    return args | {"adopt_existing": True}


def table_args(table: Table) -> dict[str, Any]:
    args = with_defaults(table.spec()).model_dump(mode="json", exclude_none=True, by_alias=False)
    if "schema_" in args:
        args["schema"] = args.pop("schema_")
    return args | {"adopt_existing": True}


def job_args(job: StreamingJob, refs: dict[str, Ref], tables: dict[str, Ref]) -> dict[str, Any]:
    """A job's args: its spec as Polaris holds it, connections and tables as outputs."""
    assert job.spec is not None
    spec = job.spec.held()
    args = spec.model_dump(mode="json", exclude_none=True, exclude={"type", "replace_running"})
    source = args["source"]
    source.pop("type", None)
    source["connection_name"] = refs.get(source["connection_name"], source["connection_name"])
    _registry_refs(source.get("format_settings") or {}, refs)
    target = {"table_name": tables.get(spec.target.table_name, spec.target.table_name)}
    args["target"] = target
    if job.desired_execution_status == "suspended" or job.execution_status == "suspended":
        args["desired_execution_status"] = "suspended"
    return args | {"adopt_existing": True}


def lookup_args(lookup: Lookup, tables: dict[str, Ref]) -> dict[str, Any]:
    """A lookup's args: its spec, its table as the Table resource's output when imported."""
    args = lookup.spec().model_dump(mode="json", exclude_none=True)
    args["source"] = {"table_name": tables.get(lookup.source.table_name, lookup.source.table_name)}
    return args | {"adopt_existing": True}


def _registry_refs(fmt: dict[str, Any], refs: dict[str, Ref]) -> None:
    """Schema Registry connections a format reads, as the registry resources' names."""
    provider = fmt.get("parse_schema_provider") or {}
    if provider.get("type") == "connection" and provider.get("connection_name") in refs:
        provider["connection_name"] = refs[provider["connection_name"]]
    for nested in ("value_format", "key_format"):
        if isinstance(fmt.get(nested), dict):
            _registry_refs(fmt[nested], refs)


@dataclass(frozen=True)
class Selection:
    """What to import: a name pattern (searched in each object's name; a job's is its
    table's), and kinds."""

    pattern: re.Pattern[str] | None = None
    kinds: Iterable[str] = KIND_NAMES
    provider: str | None = None
    """Write the objects as served by a `polaris.Provider` of this name (another endpoint of
    the stack), instead of the stack's `polaris:*` config."""


def build(client: PolarisClient, selection: Selection) -> Program:
    """Read the project and write each resource's code."""
    program, pattern, kinds = Program(), selection.pattern, set(selection.kinds)
    if selection.provider is not None:
        program.endpoint(selection.provider, client.base_url, str(client.project_id))
    refs: dict[str, Ref] = {}
    if "connection" in kinds:
        for conn in connections(client, program):
            if not _match(conn.name, pattern):
                continue
            variable = program.variable("conn", conn.name)
            cls = str(CONNECTIONS_BY_TYPE[conn.type].resource)
            program.add(variable, cls, conn.name, connection_args(conn, program))
            refs[conn.name] = Ref(f"{variable}.name")
    tables: dict[str, Ref] = {}
    if "table" in kinds:
        for table in client.list_tables():
            if table.type not in ("detail", "aggregate") or not _match(table.name, pattern):
                continue
            table = client.get_table(table.name)
            variable = program.variable("table", table.name)
            program.add(variable, "Table", table.name, table_args(table))
            tables[table.name] = Ref(f"{variable}.name")
    if "job" in kinds:
        for job in streaming_jobs(client, program):
            if not _match(job.table_name, pattern):
                continue
            variable = program.variable("job", job.table_name)
            args = job_args(job, refs, tables)
            program.add(variable, "StreamingJob", job.table_name, args)
    if "lookup" in kinds:
        for listed in client.list_lookups():
            if not _match(listed.name, pattern):
                continue
            lookup = client.get_lookup(listed.name)  # with its aliases
            variable = program.variable("lookup", lookup.name)
            args = lookup_args(lookup, tables)
            program.add(variable, "Lookup", lookup.name, args)
    return program


def source(program: Program, where: str) -> str:
    """The program's text (before formatting)."""
    head = [
        f'"""Imported from Polaris ({where}) by `polaris-pulumi import`.',
        "",
        "Each resource adopts the object Polaris holds (adopt_existing=True): the first",
        "`pulumi up` changes nothing. Polaris never returns secrets: set each one first,",
        "with the `pulumi config set --secret` lines the command printed.",
        '"""',
        "",
        "import pulumi",
        "",
        "import polaris_pulumi as polaris",
        "",
        "config = pulumi.Config()" if program.secrets else "",
        "",
    ]
    skipped = [f"# Not imported: {line}" for line in program.skipped]
    return "\n".join([*head, *skipped, "", *(f"{b}\n" for b in program.blocks)]).rstrip() + "\n"
