"""Pulumi dynamic providers for Polaris connections and streaming jobs.

These classes are pickled *by reference* into each resource's `__provider` (they live in an
installed module and hold nothing at program time), so the blob is small and carries no
credentials. Credentials arrive in `configure`, inside the provider process.

The engine's facts that shape this code (see shared/pulumi-notes.md): `diff`/`update` get
the old *outputs*; integers arrive as floats; unknown values (`pulumi.output.Unknown`) reach
`check` and `diff` during preview; one provider object serves up to 4 calls at once.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import types
import typing
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pydantic import BaseModel, ValidationError

from polaris_pulumi._access import verify_access
from polaris_pulumi._client import PolarisClient
from polaris_pulumi._engine import attach_to_engine, log
from polaris_pulumi._exceptions import (
    BadRequestError,
    ConflictError,
    JobFailedError,
    NotFoundError,
    PolarisError,
    WaitTimeoutError,
)
from polaris_pulumi._models import (
    SECRET_PROPERTIES,
    STARTED_STATUSES,
    STRICT,
    TABLE_IMMUTABLE,
    TERMINAL_STATUSES,
    Connection,
    ConnectionSpec,
    FormatSettings,
    Problem,
    SchemaRegistryConnection,
    SchemaRegistryConnectionSpec,
    StreamingJob,
    StreamingJobSpec,
    Table,
    TableSpec,
    connection_problems,
    job_problems,
    problems_from_validation_error,
    schema_registry_problems,
    schema_registry_refs,
    table_job_problems,
    table_problems,
)

Path = tuple[str | int, ...]
DEFAULT_WAIT_TIMEOUT = 300.0

# Config keys (Pulumi config namespace `polaris`) -> PolarisClient arguments.
CONFIG_KEYS = {
    "polaris:apiKey": "api_key",
    "polaris:bearerToken": "bearer_token",
    "polaris:url": "url",
    "polaris:organization": "organization",
    "polaris:region": "region",
    "polaris:cloudProvider": "cloud_provider",
    "polaris:projectId": "project_id",
}


class PolarisProviderError(PolarisError):
    """A lifecycle step failed; the message says what to do."""


# --- unknowns and validation -------------------------------------------------------------


def unknown_paths(value: Any, path: Path = ()) -> list[Path]:
    """Where the preview's unknown values sit in a property tree."""
    if isinstance(value, Unknown):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in unknown_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in unknown_paths(v, (*path, i))]
    return []


def _related(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


class _Unplaceable(Exception):
    """An unknown stands where no placeholder fits (a whole nested object)."""


def _placeholder(annotation: Any) -> Any:
    """A value of the annotated type that passes type validation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        try:
            return _placeholder(options[0]) if options else None
        except _Unplaceable:
            if type(None) in typing.get_args(annotation):
                return None  # an optional object: checking it waits until it is known
            raise
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin in (list, tuple) or annotation in (list, tuple):
        return []
    if origin is dict or annotation is dict:
        return {}
    simple = {str: "unknown", bool: False, int: 0, float: 0.0}
    if annotation in simple:
        return simple[annotation]
    raise _Unplaceable


def _annotation_at(model: type[BaseModel], path: Path) -> Any:
    annotation: Any = model
    for part in path:
        while typing.get_origin(annotation) in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        if isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = annotation.model_fields
            name = next((n for n, f in fields.items() if part in (n, f.alias)), None)
            if name is None:
                raise _Unplaceable  # an unknown key: validation names it
            annotation = fields[name].annotation
        else:
            raise _Unplaceable
    return annotation


def _substitute(value: Any, model: type[BaseModel], path: Path = ()) -> Any:
    if isinstance(value, Unknown):
        return _placeholder(_annotation_at(model, path))
    if isinstance(value, dict):
        return {k: _substitute(v, model, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, model, (*path, i)) for i, v in enumerate(value)]
    return value


# Cross-field rules: a problem at the key is also void when these paths are unknown.
_DEPENDS_ON: dict[Path, list[Path]] = {
    ("mappings",): [("use_schema_discovery",)],
}


# Table rules read the table's type and declared columns: a problem under these keys is void
# while those are unknown.
_DEPENDS_ON_KEY: dict[str | int, list[Path]] = {
    "schema": [("type",)],
    "clustering_columns": [("schema",), ("type",)],
    "time_resolution": [("type",)],
    "query_granularity": [("type",)],
}


def _depends(problem: Problem) -> list[Path]:
    extra = list(_DEPENDS_ON.get(problem.path, []))
    extra += _DEPENDS_ON_KEY.get(problem.path[0], []) if problem.path else []
    if problem.path[:1] == ("mappings",) and "declared in source.input_schema" in problem.message:
        extra.append(("source", "input_schema"))
    return [problem.path, *extra]


M = typing.TypeVar("M", bound=BaseModel)


def _integral(value: Any) -> Any:
    """Whole floats back to ints (the engine sends 1 as 1.0), so that strict validation
    refuses only what is wrong: "100" for a number, "yes" for a flag."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def validate(
    model: type[M], props: dict[str, Any], rules: typing.Callable[[M], list[Problem]]
) -> tuple[M | None, list[Problem]]:
    """Type and rule problems of `props`, ignoring what depends on unknown values.

    Returns the parsed model when every value is known and valid.
    """
    unknown = unknown_paths(props)
    try:
        known = _substitute(props, model)
    except _Unplaceable:
        return None, []  # a whole nested object is unknown: nothing to check yet
    try:
        parsed = model.model_validate(_integral(known), context=STRICT, strict=True)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc)
        return None, [p for p in problems if not any(_related(p.path, u) for u in unknown)]
    problems = [
        p for p in rules(parsed) if not any(_related(d, u) for d in _depends(p) for u in unknown)
    ]
    return (parsed if not unknown and not problems else None), problems


def _check_flags(props: dict[str, Any], flags: Mapping[str, tuple[type, ...]]) -> list[Problem]:
    problems = []
    for key, kinds in flags.items():
        value: Any = props.get(key)
        if value is None or isinstance(value, Unknown):
            continue
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(k.__name__ for k in kinds)
            problems.append(Problem((key,), f"must be {names} (got {value!r})"))
        elif key == "wait_timeout" and typing.cast(float, value) <= 0:
            problems.append(Problem((key,), "must be a positive number of seconds"))
    return problems


def _failures(problems: list[Problem]) -> list[CheckFailure]:
    """CheckFailures; a failure on a top-level secret property names it in the reason instead,
    because the engine prints a named top-level property's value, secret or not
    (`issueCheckFailures`: `inputs[failure.Property]`)."""
    return [
        CheckFailure("", f"property {p.property_name}: {p.message}")
        if len(p.path) == 1 and p.path[0] in SECRET_PROPERTIES
        else CheckFailure(p.property_name, p.message)
        for p in problems
    ]


# --- base provider -----------------------------------------------------------------------


class _PolarisProvider(ResourceProvider):
    """Holds nothing when pickled; builds its client from `configure` on first use."""

    # The pickled provider is a reference to this class and nothing else (`__getstate__`,
    # tested): no need to store it encrypted, twice per resource. The SDK still makes it
    # secret if a secret were ever captured.
    serialize_as_secret_always = False

    _settings: dict[str, str]
    _client: PolarisClient | None

    def configure(self, req: ConfigureRequest) -> None:
        self._settings = {}
        for key, arg in CONFIG_KEYS.items():
            value = req.config.get(key)
            if value:
                self._settings[arg] = str(value)
        self._client = None
        self._lock = threading.Lock()
        self._configured = True  # by the engine: `check` may look things up in Polaris
        attach_to_engine()

    # The kind of Polaris object this provider manages (see `_access.KINDS`), if any.
    access_kind: typing.ClassVar[str | None] = None

    def verify_access(self) -> None:
        """In a provider the engine configured: fail now (at preview) if the settings cannot
        reach and manage this kind of object; one GET per process and kind."""
        if getattr(self, "_configured", False) and self.access_kind is not None:
            verify_access(self._settings, self.access_kind)

    def client(self) -> PolarisClient:
        if not hasattr(self, "_lock"):  # configure() not called (direct use in tests)
            self._settings, self._client, self._lock = {}, None, threading.Lock()
        with self._lock:
            if self._client is None:
                self._client = PolarisClient(**self._settings)  # type: ignore[arg-type]
            return self._client

    def __getstate__(self) -> dict[str, Any]:
        # Never serialize credentials or sockets into `__provider`.
        return {}


def _within(props: dict[str, Any], wait: typing.Callable[[float], object]) -> None:
    """Wait, within the resource's `wait_timeout`; past it, fail saying how to wait longer."""
    try:
        wait(float(props.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT))
    except WaitTimeoutError as exc:
        raise PolarisProviderError(f"{exc}. Raise wait_timeout.") from None


# --- connections -------------------------------------------------------------------------

AnySpec = ConnectionSpec | SchemaRegistryConnectionSpec
AnyConnection = Connection | SchemaRegistryConnection


def _spec_keys(model: type[BaseModel]) -> tuple[str, ...]:
    """A spec model's fields, as properties (`type` is the resource's, not the user's)."""
    return tuple(k for k in model.model_fields if k != "type")


def _server_keys(response: type[BaseModel], spec: type[BaseModel]) -> tuple[str, ...]:
    """What the server adds to a spec (who and when), from the response model."""
    return tuple(k for k in response.model_fields if k not in spec.model_fields)


_CONNECTION_FLAGS = {"test_connection": (bool,), "adopt_existing": (bool,)}
CONNECTION_OUTPUT_KEYS = (
    *_spec_keys(ConnectionSpec),
    *_server_keys(Connection, ConnectionSpec),
    *_CONNECTION_FLAGS,
)
SCHEMA_REGISTRY_OUTPUT_KEYS = (
    *_spec_keys(SchemaRegistryConnectionSpec),
    *_server_keys(SchemaRegistryConnection, SchemaRegistryConnectionSpec),
    *_CONNECTION_FLAGS,
)


def auto_name(resource_name: str, scope: str) -> str:
    """The resource name plus a suffix derived from where the resource is declared (project,
    stack, parent), within Polaris' 1-64 `[A-Za-z0-9._-]`.

    Derived, not random: preview shows the name `up` creates, and a create interrupted before
    Pulumi recorded it is retried under the same name, so the next `up` finds it instead of
    leaving an orphan behind.
    """
    clean = "".join(
        c if c.isascii() and (c.isalnum() or c in "._-") else "-" for c in resource_name
    )
    digest = hashlib.sha256(f"{scope}\n{resource_name}".encode()).hexdigest()[:7]
    return f"{clean[:56] or 'connection'}-{digest}"


def _servers(value: str | None) -> str:
    """A broker list as Polaris compares it: `host:port` entries, no blanks around commas."""
    return ",".join(s.strip() for s in (value or "").split(","))


def _secrets_view(secrets: Any, default_type: str) -> dict[str, Any]:
    if not isinstance(secrets, dict):
        return {"type": secrets, "username": secrets, "password": secrets}
    return {
        "type": secrets.get("type", default_type),
        "username": secrets.get("username"),
        "password": secrets.get("password"),
    }


def _name_taken(kind: str, name: str, exc: ConflictError, other: str) -> PolarisProviderError:
    """What to do when a create meets another object of the name (a 409)."""
    return PolarisProviderError(
        f"{kind} {name!r} already exists in Polaris ({exc.server_message}). If you renamed "
        "this resource in the program, declare its old name in `opts=pulumi.ResourceOptions("
        f"aliases=[pulumi.Alias(name=...)])` so that Pulumi keeps managing the same {kind}; "
        f"to take over a {kind} made outside this stack, set adopt_existing=True; or choose "
        f"{other}."
    )


def _named_diff(
    old: dict[str, Any], new: dict[str, Any], flags: list[str], immutable: typing.Sequence[str]
) -> DiffResult:
    """The diff of an object Polaris knows by a unique name (a connection, a table): the
    fields it cannot change replace it, the rest (and our own `flags`) change in place."""
    changed = [k for k in new if old.get(k) != new.get(k)] + flags
    replaces = [k for k in immutable if k in changed]
    return DiffResult(
        changes=bool(changed),
        replaces=replaces,
        # A replacement that keeps the name must delete first: names are unique.
        delete_before_replace=bool(replaces) and old["name"] == new["name"],
    )


class ConnectionProvider(_PolarisProvider):
    """A `confluent` connection. The lifecycle is every connection type's; the hooks below
    (`spec_model`, `_problems`, `_source_view`, `_source_of`, `_outs`) are this type's."""

    access_kind = "connections"

    spec_model: typing.ClassVar[type[AnySpec]] = ConnectionSpec
    # Where the connection points, in words and property names (for messages).
    source_words: typing.ClassVar[str] = "bootstrap_servers, topic_name or the credentials"
    identity_keys: typing.ClassVar[tuple[str, ...]] = ("bootstrap_servers",)  # same cluster

    # Connections this provider process took over (adopt_existing, or this resource's own
    # name found after an interrupted `up`). In a rename, the old resource's delete runs in the
    # same process after the new one's create: it must not delete what the new one now holds.
    # Shared by every connection type: Polaris has one namespace of connection names.
    _adopted: typing.ClassVar[set[str]] = set()
    _registry_lock: typing.ClassVar[threading.Lock] = threading.Lock()
    # Names of the connections this deployment declares (checked here), by type: a job may
    # name one before it exists in Polaris (a preview shows a new connection's name).
    declared: typing.ClassVar[dict[str, str]] = {}
    # Names `check` derived for resources without a `name` (see `auto_name`): create knows
    # its own derived name from these, so the program's `auto_name` need not stay an input.
    _derived: typing.ClassVar[set[str]] = set()

    # --- this type's hooks ---

    @classmethod
    def _keys(cls) -> tuple[str, ...]:
        return _spec_keys(cls.spec_model)

    def _spec(self, props: dict[str, Any]) -> AnySpec:
        values = {k: props.get(k) for k in self._keys() if props.get(k) is not None}
        return self.spec_model.model_validate(values)

    def _problems(self, spec: Any, *, require_password: bool) -> list[Problem]:
        return connection_problems(spec, require_password=require_password)

    def _source_view(self, props: dict[str, Any]) -> dict[str, Any]:
        """Where the connection points, normalized as Polaris compares it."""
        servers = props.get("bootstrap_servers")
        return {
            "bootstrap_servers": _servers(servers) if isinstance(servers, str) else servers,
            "topic_name": props.get("topic_name"),
            "topic_name_is_pattern": bool(props.get("topic_name_is_pattern")),
        }

    def _source_of(self, conn: AnyConnection | AnySpec) -> dict[str, Any]:
        """Where a connection points: what an interrupted create must have made."""
        return self._source_view(conn.model_dump(mode="json"))

    def _identity(self, conn: AnyConnection | AnySpec) -> dict[str, Any]:
        """What `adopt_existing` requires of an existing connection before taking it over
        (and bringing the rest to the program's spec): the same service."""
        source = self._source_of(conn)
        return {k: source[k] for k in self.identity_keys}

    def _outs(self, conn: AnyConnection, props: dict[str, Any]) -> dict[str, Any]:
        """State of a connection: our inputs, what the server holds, and the password we sent."""
        secrets = conn.secrets.model_dump(mode="json", exclude_none=True) if conn.secrets else {}
        secrets["password"] = (props.get("secrets") or {}).get("password")
        server = conn.model_dump(
            mode="json", include=set(self._keys() + _server_keys(type(conn), self.spec_model))
        )
        flags = {k: props.get(k) for k in _CONNECTION_FLAGS}
        return server | self._filled(conn) | {"secrets": secrets} | flags

    def _filled(self, conn: AnyConnection) -> dict[str, Any]:
        """Server defaults a response may leave out."""
        return {"topic_name_is_pattern": bool(getattr(conn, "topic_name_is_pattern", False))}

    # --- the lifecycle ---

    def _view(self, props: dict[str, Any]) -> dict[str, Any]:
        """What a diff compares: the declared spec, normalized (server defaults applied)."""
        secrets_type = self.spec_model.model_fields["secrets"].annotation
        default = typing.get_args(secrets_type)[0].model_fields["type"].default
        return {
            "name": props.get("name"),
            "description": props.get("description"),
            **self._source_view(props),
            "secrets": _secrets_view(props.get("secrets"), default),
        }

    def _same_source(self, existing: AnyConnection, spec: AnySpec) -> bool:
        """Same source and API key: what Polaris shows of a connection's spec."""
        return self._source_of(existing) == self._source_of(spec) and (
            existing.secrets.username if existing.secrets else None
        ) == (spec.secrets.username if spec.secrets else None)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self.verify_access()
        inputs = dict(news)
        # Where the resource is declared, from the program: used here, never stored (it
        # would show in every diff).
        derived = inputs.pop("auto_name", None)
        if inputs.get("name") is None:
            inputs["name"] = (olds or {}).get("name") or derived
            if isinstance(derived, str) and inputs["name"] == derived:
                with self._registry_lock:
                    self._derived.add(derived)
        spec_props = {k: inputs.get(k) for k in self._keys() if inputs.get(k) is not None}
        spec_props["type"] = self.spec_model.model_fields["type"].default
        _, problems = validate(
            self.spec_model, spec_props, lambda s: self._problems(s, require_password=True)
        )
        problems += _check_flags(inputs, _CONNECTION_FLAGS)
        if isinstance(inputs.get("name"), str):
            with self._registry_lock:
                self.declared[inputs["name"]] = str(spec_props["type"])
        return CheckResult(inputs, _failures(problems))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        unknown = unknown_paths({k: news.get(k) for k in self._keys()})
        if unknown:
            # Preview with values not known yet: an update, a replace if the name is unknown.
            name_unknown = any(p[0] == "name" for p in unknown)
            return DiffResult(
                changes=True, replaces=["name"] if name_unknown else [], delete_before_replace=False
            )
        flags = [k for k in ("test_connection",) if olds.get(k) != news.get(k)]
        return _named_diff(self._view(olds), self._view(news), flags, ("name",))

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self.client()
        spec = self._spec(props)
        try:
            conn = client.create_connection(spec)
        except ConflictError as exc:
            existing = client.get_connection(spec.name)
            if props.get("adopt_existing"):
                theirs, ours = self._identity(existing), self._identity(spec)
                if existing.type != spec.type or theirs != ours:
                    raise PolarisProviderError(
                        f"adopt_existing: connection {spec.name!r} exists but is a "
                        f"{existing.type} connection to {theirs}, not {ours}; it is not the one "
                        f"this program declares. Choose another name or fix {self.source_words}."
                    ) from None
                log(f"adopting existing connection {spec.name!r}")
            elif (
                spec.name in self._derived
                and existing.type == spec.type
                and self._same_source(existing, spec)
            ):
                # This resource's own derived name, holding its spec: an earlier create whose
                # answer never reached the state (an interrupted `up`).
                log(f"connection {spec.name!r} exists with this resource's spec: taking it")
            else:
                raise _name_taken(
                    "connection", spec.name, exc, "another name (or omit name)"
                ) from None
            with self._registry_lock:
                self._adopted.add(spec.name)
            conn = client.update_connection(spec)
            self._test(conn.name, props, created=False)
            return CreateResult(conn.name, self._outs(conn, props))
        self._test(conn.name, props, created=True)
        return CreateResult(conn.name, self._outs(conn, props))

    def _test(self, name: str, props: dict[str, Any], *, created: bool) -> None:
        if props.get("test_connection") is False:
            return
        client = self.client()
        result = client.test_connection(name)
        if result.ok:
            return
        if created:
            client.delete_connection(name)  # leave nothing behind a failed create
        details = "; ".join(result.details) or result.message or "no details"
        raise PolarisProviderError(
            f"Polaris' test of connection {name!r} failed: {details}. "
            f"{'Nothing was created. ' if created else ''}Fix {self.source_words}, "
            "or set test_connection=False to skip the test."
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PATCH, then test; a failed test puts the previous settings back before failing,
        so that the state (which keeps them) still tells what Polaris holds."""
        client = self.client()
        conn = client.update_connection(self._spec(news))
        try:
            self._test(conn.name, news, created=False)
        except PolarisProviderError as failed:
            try:
                previous = self._spec(olds)
                if not previous.password():
                    raise PolarisProviderError("the previous password is not in the state")
                client.update_connection(previous)
            except (PolarisError, ValidationError) as undo:
                raise PolarisProviderError(
                    f"{failed} Putting the previous settings back failed too ({undo}): Polaris "
                    "holds the new ones; `pulumi refresh` shows them."
                ) from None
            raise PolarisProviderError(
                f"{failed} The connection was put back to its previous settings."
            ) from None
        return UpdateResult(self._outs(conn, news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Delete; while jobs that use it are being canceled (ours, deleted first), wait."""
        name = props.get("name") or _id
        with self._registry_lock:
            if name in self._adopted:
                log(f"connection {name!r} now belongs to the resource that adopted it: kept")
                return
        client = self.client()
        deadline = time.monotonic() + DEFAULT_WAIT_TIMEOUT
        while True:
            try:
                client.delete_connection(name)
                return
            except NotFoundError:
                return
            except BadRequestError as exc:
                users = [
                    j
                    for j in client.list_jobs(types=["streaming"], connection_name=[name])
                    if not j.is_terminal
                ]
                if not users:
                    raise PolarisProviderError(f"connection {name!r}: {exc}") from None
                blocking = [j for j in users if not j.is_canceling]
                if blocking or time.monotonic() > deadline:
                    ids = ", ".join(f"{j.id} ({j.execution_status})" for j in blocking or users)
                    raise PolarisProviderError(
                        f"connection {name!r} is still used by streaming job(s) {ids}; cancel "
                        "them (or manage them in this stack) before deleting the connection."
                    ) from None
                time.sleep(0.5)  # jobs are being canceled: wait them out

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            conn = self.client().get_connection(id_)
        except NotFoundError:
            return ReadResult(None, {})  # deleted outside Pulumi: drop from state
        outs = self._outs(conn, props)
        keys = (*self._keys(), *_CONNECTION_FLAGS)
        inputs = {k: outs[k] for k in keys if outs.get(k) is not None}
        return ReadResult(conn.name, outs, inputs)


class SchemaRegistryConnectionProvider(ConnectionProvider):
    """A `confluent_schema_registry` connection: the registry's URLs and its API key."""

    spec_model = SchemaRegistryConnectionSpec
    source_words = "urls or the credentials"
    identity_keys = ("urls",)

    def _problems(self, spec: Any, *, require_password: bool) -> list[Problem]:
        return schema_registry_problems(spec, require_password=require_password)

    def _filled(self, conn: AnyConnection) -> dict[str, Any]:
        return {}

    def _source_view(self, props: dict[str, Any]) -> dict[str, Any]:
        urls = props.get("urls")
        return {"urls": [u.rstrip("/") for u in urls] if isinstance(urls, list) else urls}


# --- streaming jobs ----------------------------------------------------------------------

# The spec's fields, named once in the model; a change to any of them makes a new job.
_JOB_SPEC_KEYS = tuple(k for k in StreamingJobSpec.model_fields if k != "type")
_JOB_FLAGS = {
    "wait_for_running": (bool,),
    "adopt_existing": (bool,),
    "wait_timeout": (int, float),
    "read_position_reset_trigger": (str,),
    # Set by the program when the target is a Table resource: its deletion_protection.
    "target_table_protected": (bool,),
}
# replaceRunning is how a job is created, not what it is: never a reason for a new job.
_JOB_DIRECTIVES = ("replace_running",)
# Desired states a program may declare (canceled is what `destroy` does).
_DECLARABLE_STATES = ("running", "suspended")

# A job's outputs are its inputs as `check` normalized them, so that `preview --diff` compares
# like with like (the engine shows old outputs against new inputs: shared/pulumi-notes.md),
# plus `ended_status` once Polaris says the job is over. What Polaris observes of a running job
# (execution status, health, metrics) is its StreamingJobStart's.
JOB_INPUT_KEYS = (*_JOB_SPEC_KEYS, "desired_execution_status", *_JOB_FLAGS)
JOB_OUTPUT_KEYS = (*JOB_INPUT_KEYS, "ended_status")


def _job_spec(props: dict[str, Any]) -> StreamingJobSpec:
    return StreamingJobSpec.model_validate(
        {k: props[k] for k in _JOB_SPEC_KEYS if props.get(k) is not None} | {"type": "streaming"}
    )


def _job_view(props: dict[str, Any]) -> dict[str, Any]:
    """A job spec with server defaults, as a diff compares it."""
    spec = _job_spec(props).with_defaults()
    view = spec.model_dump(mode="json", exclude={"type", *_JOB_DIRECTIVES})
    view["target"].pop("intervals", None)
    return view


def _desired(props: dict[str, Any]) -> Any:
    return props.get("desired_execution_status") or "running"


def _spec_props(job: StreamingJob) -> dict[str, Any]:
    """What Polaris holds of a job's spec, as properties."""
    spec = job.spec.model_dump(mode="json", exclude={"type"})
    return {k: spec.get(k) for k in _JOB_SPEC_KEYS}


def _job_outs(props: dict[str, Any], ended: str | None = None) -> dict[str, Any]:
    outs = {k: props.get(k) for k in JOB_INPUT_KEYS} | {"ended_status": ended}
    outs["desired_execution_status"] = _desired(props)
    return outs


def _same_table(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    old = (olds.get("target") or {}).get("table_name")
    new = (news.get("target") or {}).get("table_name")
    return isinstance(new, str) and old == new


def _view_key(props: dict[str, Any]) -> str:
    return json.dumps(_job_view(props), sort_keys=True)


class StreamingJobProvider(_PolarisProvider):
    """Creates, changes and cancels jobs without waiting for them to start: the job is in the
    state as soon as Polaris has it, and `StreamingJobStartProvider` waits, all jobs at once."""

    access_kind = "jobs"

    # Replacements `check` decided (with the old inputs), for the `create` that follows. The
    # engine checks a replacement's inputs once more *without* olds (to renew defaults and
    # auto-names: step_generator.go), so the inputs cannot carry the decision; one provider
    # process serves the whole deployment, so the class can. Keyed by the new spec.
    _replacing: typing.ClassVar[set[str]] = set()
    _replacing_lock: typing.ClassVar[threading.Lock] = threading.Lock()
    # Tables that jobs of this deployment are moving away from (their replacement targets
    # another table): a job moving onto one of them takes the leaving job's place.
    _leaving: typing.ClassVar[set[str]] = set()

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self.verify_access()
        inputs = dict(news)
        spec_props = {k: inputs[k] for k in _JOB_SPEC_KEYS if inputs.get(k) is not None}
        spec_props["type"] = "streaming"
        spec, problems = validate(StreamingJobSpec, spec_props, job_problems)
        problems += _check_flags(inputs, _JOB_FLAGS)
        desired = inputs.get("desired_execution_status")
        if desired is None:
            inputs["desired_execution_status"] = "running"  # shown, so drift reads old => new
        elif desired not in _DECLARABLE_STATES and not isinstance(desired, Unknown):
            problems.append(
                Problem(
                    ("desired_execution_status",),
                    f"must be 'running' or 'suspended' (got {desired!r}); "
                    "`pulumi destroy` cancels a job",
                )
            )
        problems += self._missing_connection(inputs.get("source"), problems)
        if spec is not None and (table := TableProvider.declared.get(spec.target.table_name)):
            # The table is declared in this deployment: its schema takes these mappings?
            problems += table_job_problems(spec, table)
            spec = None if problems else spec
        if spec is not None:
            # Integers arrive as floats: store what the API will hold.
            dumped = spec.model_dump(mode="json", exclude_none=True)
            inputs.update({k: v for k, v in dumped.items() if k in inputs})
            if (
                olds
                and inputs.get("replace_running") is None
                and _same_table(olds, inputs)
                and _job_view(olds) != _job_view(inputs)
            ):
                # A spec change makes a new job on the same table: it takes the running one's
                # place (replaceRunning), keeping the table's read position. Only create needs
                # to know: the input stays what the program says.
                with self._replacing_lock:
                    self._replacing.add(_view_key(inputs))
            old_table = ((olds or {}).get("target") or {}).get("table_name")
            if isinstance(old_table, str) and old_table != spec.target.table_name:
                with self._replacing_lock:
                    self._leaving.add(old_table)
        return CheckResult(inputs, _failures(problems))

    def _missing_connection(self, source: Any, problems: list[Problem]) -> list[Problem]:
        """Known connection names (the source, the Schema Registry its format reads) that
        neither Polaris nor this deployment has, or has of another type, at preview."""
        if not isinstance(source, dict):
            return []
        refs: list[tuple[Path, Any]] = [
            (("source", "connection_name"), source.get("connection_name"))
        ]
        fmt = source.get("format_settings")
        if isinstance(fmt, dict) and not unknown_paths(fmt):
            try:
                parsed = FormatSettings.model_validate(fmt)
            except ValidationError:
                parsed = None  # validation names it
            if parsed is not None:
                refs += schema_registry_refs(parsed, ("source", "format_settings"))
        found = []
        for path, name in refs:
            if isinstance(name, str) and not any(p.path[: len(path)] == path for p in problems):
                source = path == ("source", "connection_name")
                expected = "confluent" if source else "confluent_schema_registry"
                if (problem := self._connection_problem(path, name, expected)) is not None:
                    found.append(problem)
        return found

    def _connection_problem(self, path: Path, name: str, expected: str) -> Problem | None:
        """Whether connection `name` exists (declared here, or in Polaris) with the type the
        job reads it as."""
        kind = ConnectionProvider.declared.get(name)
        if kind is None:
            if not getattr(self, "_configured", False):
                return None  # not run by the engine (e.g. tests): no lookups
            try:
                kind = self.client().get_connection(name).type
            except NotFoundError:
                return Problem(
                    path,
                    f"connection {name!r} does not exist in Polaris: fix the name, or pass "
                    "the `name` output of the resource that makes it (e.g. `conn.name`), "
                    "so that the job waits for it",
                )
            except PolarisError:
                return None  # cannot tell now (e.g. Polaris unreachable): create will say
        if kind == expected:
            return None
        wanted = (
            "a Schema Registry connection (SchemaRegistryConnection)"
            if (expected == "confluent_schema_registry")
            else "a Kafka connection (Connection)"
        )
        return Problem(path, f"connection {name!r} is of type {kind!r}: this takes {wanted}")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # `execution_status`: what the state of an earlier version of this package kept.
        if (olds.get("ended_status") or olds.get("execution_status")) in TERMINAL_STATUSES:
            # A finished job cannot be restarted: make a new one.
            return DiffResult(changes=True, replaces=["ended_status"], delete_before_replace=False)
        unknown = unknown_paths({k: news.get(k) for k in _JOB_SPEC_KEYS})
        if unknown:
            replaces = sorted({str(p[0]) for p in unknown if p[0] not in _JOB_DIRECTIVES})
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        old, new = _job_view(olds), _job_view(news)
        # Polaris applies no spec change to a streaming job in place: each is a new job.
        replaces = [k for k in new if old.get(k) != new.get(k)]
        # In place: suspend/resume, a read-position reset, our own settings.
        changed = replaces + [k for k in _JOB_FLAGS if olds.get(k) != news.get(k)]
        if _desired(olds) != _desired(news):
            changed.append("desired_execution_status")
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            # Same table without replaceRunning: the old job must be canceled first.
            delete_before_replace=bool(replaces)
            and _same_table(olds, news)
            and news.get("replace_running") is False,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self.client()
        spec = _job_spec(props)
        with self._replacing_lock:
            key = _view_key(props)
            replacing = key in self._replacing
            self._replacing.discard(key)
        if replacing and spec.replace_running is None:
            spec = spec.model_copy(update={"replace_running": True})
        table = spec.target.table_name
        try:
            job = client.create_job(spec)
        except BadRequestError as exc:
            holder = None if spec.replace_running else client.active_job_for_table(table)
            if holder is None:
                raise PolarisProviderError(f"{exc}") from None
            self._may_take_place(holder, spec, props)
            # Never the holder's own id: a job id belongs to one resource only, so no later
            # delete (of a renamed or moved resource) can cancel what this one now runs.
            job = client.create_job(spec.model_copy(update={"replace_running": True}))
        if _desired(props) != (job.desired_execution_status or "running"):
            client.set_job_status(job.id, _desired(props))  # e.g. created suspended
        return CreateResult(job.id, _job_outs(props))

    def _may_take_place(
        self, holder: StreamingJob, spec: StreamingJobSpec, props: dict[str, Any]
    ) -> None:
        """Whether a new job may take the place of `holder`, the job on the target table;
        raises with what to do when not."""
        table = spec.target.table_name
        if props.get("adopt_existing"):
            if holder.connection_name != spec.source.connection_name:
                raise PolarisProviderError(
                    f"adopt_existing: the streaming job feeding table {table!r} ({holder.id}) "
                    f"reads connection {holder.connection_name!r}, not "
                    f"{spec.source.connection_name!r}; it is not the job this program declares."
                )
            log(f"adopt_existing: a new job takes the place of job {holder.id} on {table!r}")
            return
        if _job_view(_spec_props(holder)) == _job_view(props):
            # This resource's very spec: a create whose answer never reached the state (an
            # interrupted `up`), or a renamed resource. Its place is taken, nothing else.
            log(f"job {holder.id} on {table!r} has this resource's spec: a new job takes its place")
            return
        if self._left(table):
            log(f"job {holder.id} is leaving table {table!r}: a new job takes its place")
            return
        raise PolarisProviderError(
            f"table {table!r} already has a streaming job ({holder.id}, reading connection "
            f"{holder.connection_name!r}) with another spec; Polaris allows one per table. "
            "If you renamed this resource, declare its old name in `opts=pulumi.ResourceOptions("
            "aliases=[pulumi.Alias(name=...)])`. If a job this stack deletes holds the table "
            "(Pulumi deletes old resources only after creating new ones), set replace_running="
            "True so this job takes its place now. To take over a job made outside this stack, "
            "set adopt_existing=True. Or target another table."
        )

    @classmethod
    def _left(cls, table: str, patience: float = 5.0) -> bool:
        """Whether a job of this deployment announced (in `check`) that it leaves `table`.

        In a swap of tables, the other job's check may still be on its way: wait a little.
        """
        deadline = time.monotonic() + patience
        while True:
            with cls._replacing_lock:
                if table in cls._leaving:
                    return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Suspend or resume, reset the read position; spec changes are replacements."""
        client = self.client()
        if _desired(olds) != _desired(news):
            client.set_job_status(id_, _desired(news))
        trigger = news.get("read_position_reset_trigger")
        if trigger is not None and trigger != olds.get("read_position_reset_trigger"):
            log(f"resetting the read position of job {id_}")
            client.reset_job(id_)
        return UpdateResult(_job_outs(news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Jobs are never deleted in Polaris: cancel and wait until canceled.

        A job a newer one replaced (replaceRunning) is already canceled or on its way.
        """
        table = (props.get("target") or {}).get("table_name")
        if props.get("target_table_protected") and table not in TableProvider.declared:
            # No check of the table in this deployment: it goes too (`destroy`, or both left
            # the program), and the engine will refuse that (protect). Refuse first, so that
            # the job keeps writing to the table that stays.
            raise PolarisProviderError(
                f"job {id_} writes to table {table!r}, which is protected (deletion_protection) "
                "and would be deleted with it: nothing was canceled. To delete both, set "
                "deletion_protection=False on the Table and run `pulumi up` first; to remove "
                "only the job, keep the Table in the program."
            )
        client = self.client()
        try:
            job = client.cancel_job(id_)
        except NotFoundError:
            return
        if job.is_terminal:
            return
        _within(props, lambda timeout: client.wait_for_end(id_, timeout=timeout))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET. A spec never changes in Polaris (a change is a new job), so the recorded
        one stays; what can drift is the desired status (suspended or resumed outside
        Pulumi), and the job's end. The inputs follow, so the next preview shows the drift
        as old => new."""
        try:
            job = self.client().get_job(id_)
        except NotFoundError:
            return ReadResult(None, {})
        if job.execution_status == "canceled":
            return ReadResult(None, {})  # a canceled job is a deleted one (delete = cancel)
        known = props if props.get("source") is not None else props | _spec_props(job)
        desired = job.desired_execution_status or _desired(known)
        ended = job.execution_status if job.is_terminal else None
        outs = _job_outs(known | {"desired_execution_status": desired}, ended)
        inputs = {k: outs[k] for k in JOB_INPUT_KEYS if outs.get(k) is not None}
        return ReadResult(job.id, outs, inputs)


# --- waiting for jobs ----------------------------------------------------------------------


class StreamingJobsCreatedProvider(ResourceProvider):
    """A barrier that makes no API call: it is done once every job it depends on exists."""

    serialize_as_secret_always = False  # holds nothing at all

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("streaming-jobs-created", {})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props, {})


START_INPUT_KEYS = ("job_id", "goal", "wait", "wait_timeout")
# What Polaris observes of the job: as the wait ended, or as the last refresh read it. Their
# diffs are hidden in the display (`hide_diffs`): they are observations, never inputs.
START_OBSERVED_KEYS = ("execution_status", "health", "metrics")
START_OUTPUT_KEYS = (*START_INPUT_KEYS, *START_OBSERVED_KEYS)


def _at_goal(props: dict[str, Any]) -> bool:
    """Whether the job, as last observed, is where the program wants it: a refresh that found
    it suspended (or failed) outside Pulumi makes the next `up` wait again."""
    status = props.get("execution_status")
    if props.get("wait") is False or status is None:
        return True
    if (props.get("goal") or "running") == "suspended":
        return bool(status == "suspended")
    return status in STARTED_STATUSES


class StreamingJobStartProvider(_PolarisProvider):
    """Waits until a job has reached its desired state (started, or suspended).

    Its resource runs once every StreamingJob of the program exists in Polaris (it depends on
    a StreamingJobsCreated barrier that depends on them all): the jobs start meanwhile, and the
    waits overlap instead of holding the provider's 4 call slots (and the engine's) one job
    after another.
    """

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news), [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in START_INPUT_KEYS if olds.get(k) != news.get(k)]
        if not _at_goal(olds | {k: news.get(k) for k in ("goal", "wait")}):
            changed.append("execution_status")
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(str(props["job_id"]), self._wait(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._wait(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The job as Polaris observes it now, so that status outputs follow reality."""
        inputs = {k: props.get(k) for k in START_INPUT_KEYS}
        if props.get("wait") is False or not props.get("job_id"):
            return ReadResult(id_, props, inputs)
        try:
            observed = self._observe(str(props["job_id"]))
        except NotFoundError:
            observed = dict.fromkeys(START_OBSERVED_KEYS)
        return ReadResult(id_, inputs | observed, inputs)

    def _observe(self, job_id: str, job: StreamingJob | None = None) -> dict[str, Any]:
        client = self.client()
        job = job or client.get_job(job_id)
        metrics = client.get_job_metrics(job_id)
        return {
            "execution_status": job.execution_status,
            "health": job.health.model_dump(mode="json", exclude_none=True) if job.health else None,
            "metrics": metrics.totals.model_dump(mode="json"),
        }

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None

    def _wait(self, props: dict[str, Any]) -> dict[str, Any]:
        outs = {k: props.get(k) for k in START_INPUT_KEYS}
        if props.get("wait") is False:
            return outs | dict.fromkeys(START_OBSERVED_KEYS)
        job_id, goal = str(props["job_id"]), str(props.get("goal") or "running")
        timeout = float(props.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT)
        try:
            job = self.client().wait_for_start(job_id, goal=goal, timeout=timeout)
        except JobFailedError as exc:
            raise PolarisProviderError(
                f"{exc}. The job is in the stack's state: fix the connection (topic, brokers, "
                "credentials) or the spec; `pulumi up --refresh` then replaces the failed job."
            ) from None
        except WaitTimeoutError as exc:
            raise PolarisProviderError(
                f"{exc}. The job stays, recorded in the stack; the next `pulumi up` waits again. "
                "Raise wait_timeout, or set wait_for_running=False."
            ) from None
        if job.health and job.health.is_warning:
            log(f"job {job_id} (table {job.table_name}) health is warn: {job.health.describe()}")
        if job.execution_status == "suspended" and goal == "running":
            log(f"job {job_id} (table {job.table_name}) was suspended by someone: resume it")
        return outs | self._observe(job_id, job)


# --- tables ----------------------------------------------------------------------------------


def _key(field: str) -> str:
    """The property name of a model field (`schema_`, named so beside pydantic's own
    attributes, is `schema`, as in the API)."""
    return field.rstrip("_")


# The spec's fields, named once in the model.
_TABLE_SPEC_KEYS = tuple(_key(k) for k in TableSpec.model_fields)
_TABLE_FLAGS = {
    "deletion_protection": (bool,),
    "adopt_existing": (bool,),
    "wait_timeout": (int, float),
}
# What the server adds, from the response model; its id is `table_id` (`id` is Pulumi's).
_TABLE_SERVER_KEYS = tuple("table_id" if k == "id" else k for k in _server_keys(Table, TableSpec))
TABLE_OUTPUT_KEYS = (*_TABLE_SPEC_KEYS, *_TABLE_SERVER_KEYS, *_TABLE_FLAGS)


def _table_spec(props: dict[str, Any]) -> TableSpec:
    return TableSpec.model_validate(
        {k: props[k] for k in _TABLE_SPEC_KEYS if props.get(k) is not None}
    )


def _table_view(props: dict[str, Any]) -> dict[str, Any]:
    """A table spec with server defaults, as a diff compares it."""
    view = _table_spec(props).with_defaults().model_dump(mode="json")
    return {_key(k): v for k, v in view.items()}


def _table_outs(table: Table, props: dict[str, Any]) -> dict[str, Any]:
    spec = table.spec().model_dump(mode="json")
    server = table.model_dump(mode="json", include=set(Table.model_fields) - set(spec))
    server["table_id"] = server.pop("id")
    return {_key(k): v for k, v in spec.items()} | server | {k: props.get(k) for k in _TABLE_FLAGS}


def _protected(props: dict[str, Any]) -> bool:
    """Tables are protected unless the user said otherwise."""
    return props.get("deletion_protection") is not False


class TableProvider(_PolarisProvider):
    """Creates, changes and drops tables; never drops a protected one (the default)."""

    access_kind = "tables"

    # Tables this deployment declares (checked here), with their spec when fully known: a
    # job's check holds its mappings to the declared schema, and a job's delete knows whether
    # its protected table stays.
    declared: typing.ClassVar[dict[str, TableSpec | None]] = {}
    _declared_lock: typing.ClassVar[threading.Lock] = threading.Lock()

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self.verify_access()
        inputs = dict(news)
        spec_props = {k: inputs[k] for k in _TABLE_SPEC_KEYS if inputs.get(k) is not None}
        spec, problems = validate(TableSpec, spec_props, lambda s: table_problems(s, new=not olds))
        problems += _check_flags(inputs, _TABLE_FLAGS)
        problems += _replace_problems(olds or {}, inputs)
        if isinstance(inputs.get("name"), str):
            with self._declared_lock:
                self.declared[inputs["name"]] = spec
        return CheckResult(inputs, _failures(problems))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        unknown = unknown_paths({k: news.get(k) for k in _TABLE_SPEC_KEYS})
        if unknown:
            replaces = sorted({str(p[0]) for p in unknown} & set(TABLE_IMMUTABLE))
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
        flags = [k for k in _TABLE_FLAGS if olds.get(k) != news.get(k)]
        return _named_diff(_table_view(olds), _table_view(news), flags, TABLE_IMMUTABLE)

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self.client()
        spec = _table_spec(props)
        try:
            table = client.create_table(spec)
        except ConflictError as exc:
            existing = client.get_table(spec.name)
            if props.get("adopt_existing"):
                if existing.type != spec.type:
                    raise PolarisProviderError(
                        f"adopt_existing: table {spec.name!r} exists as a {existing.type} table, "
                        f"not {spec.type}; a table's type cannot change. Declare "
                        f"type={existing.type!r}, or choose another name."
                    ) from None
                log(f"adopting existing table {spec.name!r}")
                table = client.update_table(spec)
            elif existing.spec().with_defaults() == spec.with_defaults():
                # This resource's very spec: a create whose answer never reached the state.
                log(f"table {spec.name!r} exists with this resource's spec: taking it")
                table = existing
            else:
                raise _name_taken("table", spec.name, exc, "another name") from None
        return CreateResult(table.name, _table_outs(table, props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self.client()
        if _table_view(olds) == _table_view(news):
            return UpdateResult(_table_outs(client.get_table(_id), news))  # our settings only
        return UpdateResult(_table_outs(client.update_table(_table_spec(news)), news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Drop (a `drop_table` job, soft: Polaris keeps the data 30 days), then wait until
        the table is gone; never a protected table."""
        name = props.get("name") or _id
        if _protected(props):
            raise PolarisProviderError(
                f"table {name!r} is protected (deletion_protection, on by default): dropping "
                "it would delete its data. Nothing was deleted. To drop it, set "
                "deletion_protection=False and run `pulumi up`, then delete it."
            )
        client = self.client()
        try:
            client.delete_table(name)
        except BadRequestError as exc:
            try:
                client.get_table(name)
            except NotFoundError:
                return  # already gone
            raise PolarisProviderError(
                f"table {name!r} was not dropped: {exc.server_message}. A streaming job still "
                "writes to it: cancel the job, or declare it in this stack."
            ) from None
        _within(props, lambda timeout: client.wait_for_table_gone(name, timeout=timeout))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            table = self.client().get_table(id_)
        except NotFoundError:
            return ReadResult(None, {})  # dropped outside Pulumi: drop from state
        outs = _table_outs(table, props)
        keys = (*_TABLE_SPEC_KEYS, *_TABLE_FLAGS)
        inputs = {k: outs[k] for k in keys if outs.get(k) is not None}
        return ReadResult(table.name, outs, inputs)


def _replace_problems(olds: dict[str, Any], news: dict[str, Any]) -> list[Problem]:
    """A change that makes a new table (and drops the old one, with its data) is refused
    while the table is protected, at preview: the protection in force is the one `up` last
    recorded, as with Terraform's deletion_protection."""
    if not olds or not _protected(olds):
        return []
    return [
        Problem(
            (key,),
            f"changing {key} from {olds[key]!r} to {news[key]!r} drops table {olds.get('name')!r} "
            f"and its data (Polaris cannot change a table's {key}), and the table is protected "
            "(deletion_protection). To do it anyway, set deletion_protection=False and run "
            "`pulumi up` first.",
        )
        for key in TABLE_IMMUTABLE
        if isinstance(news.get(key), str) and olds.get(key) is not None and olds[key] != news[key]
    ]
