"""What every provider shares: its client built from the engine's config, the access check,
waits within `wait_timeout`, and the diff of objects Polaris knows by a unique name.

Providers are pickled *by reference* into each resource's `__provider` (they live in an
installed module and hold nothing at program time), so the blob is small and carries no
credentials. Credentials arrive in `configure`, inside the provider process.

The engine's facts that shape the providers (checked against Pulumi's SDK): `diff`/`update` get
the old *outputs*; integers arrive as floats; unknown values (`pulumi.output.Unknown`) reach
`check` and `diff` during preview; one provider object serves up to 4 calls at once.
"""

from __future__ import annotations

import functools
import threading
import typing
from collections.abc import Sequence
from typing import Any

from pulumi.dynamic import ConfigureRequest, DiffResult, ResourceProvider
from pulumi.runtime.rpc import UNKNOWN

from polaris_pulumi._access import verify_access
from polaris_pulumi._client import PolarisClient
from polaris_pulumi._endpoints import ENDPOINT_KEY
from polaris_pulumi._engine import attach_to_engine
from polaris_pulumi._exceptions import ConflictError, PolarisProviderError, WaitTimeoutError
from polaris_pulumi._unknowns import unknown_paths

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


class PolarisProvider(ResourceProvider):
    """Holds nothing when pickled; builds its client from `configure` on first use."""

    # The pickled provider is a reference to this class and nothing else (`__getstate__`,
    # tested): no need to store it encrypted, twice per resource. The SDK still makes it
    # secret if a secret were ever captured.
    serialize_as_secret_always = False

    # The kind of Polaris object this provider manages (a room of `_kinds.KINDS`), if any.
    access_kind: typing.ClassVar[str | None] = None

    _settings: dict[str, str]
    _client: PolarisClient | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Each provider's results keep the provider instance that serves the object
        (`_endpoints.ENDPOINT_KEY`), so that the next diff compares it."""
        super().__init_subclass__(**kwargs)
        for name in ("create", "update", "read"):
            if name in cls.__dict__:
                setattr(cls, name, _keeping_endpoint(cls.__dict__[name]))

    def configure(self, req: ConfigureRequest) -> None:
        """The stack's `polaris:*` config, or an explicit `polaris.Provider`'s inputs (the
        same keys). A value not known yet (a preview of a provider made from outputs) leaves
        the provider unconfigured: nothing is looked up or sent with it."""
        self._settings = {}
        known = True
        for key, arg in CONFIG_KEYS.items():
            value = req.config.get(key)
            if value == UNKNOWN:
                known = False
            elif value:
                self._settings[arg] = str(value)
        self._client = None
        self._lock = threading.Lock()
        self._configured = known  # by the engine: `check` may look things up in Polaris
        attach_to_engine()

    @property
    def configured(self) -> bool:
        """Whether the engine configured this provider (so `check` may call Polaris)."""
        return getattr(self, "_configured", False)

    def verify_access(self) -> None:
        """In a provider the engine configured: fail now (at preview) if the settings cannot
        reach and manage this kind of object; one GET per process and kind."""
        if self.configured and self.access_kind is not None:
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


def within(timeout: float | None, wait: typing.Callable[[float], object]) -> None:
    """Wait, within the resource's `wait_timeout`; past it, fail saying how to wait longer."""
    try:
        wait(float(timeout or DEFAULT_WAIT_TIMEOUT))
    except WaitTimeoutError as exc:
        raise PolarisProviderError(f"{exc}. Raise wait_timeout.") from None


def name_taken(kind: str, name: str, exc: ConflictError, other: str) -> PolarisProviderError:
    """What to do when a create meets another object of the name (a 409)."""
    return PolarisProviderError(
        f"{kind} {name!r} already exists in Polaris ({exc.server_message}). If you renamed "
        "this resource in the program, declare its old name in `opts=pulumi.ResourceOptions("
        f"aliases=[pulumi.Alias(name=...)])` so that Pulumi keeps managing the same {kind}; "
        f"to take over a {kind} made outside this stack, set adopt_existing=True; or choose "
        f"{other}."
    )


def named_diff(
    old: dict[str, Any], new: dict[str, Any], flags: list[str], immutable: Sequence[str]
) -> DiffResult:
    """The diff of an object Polaris knows by a unique name (a connection, a table): the
    fields it cannot change replace it, the rest (and our own `flags`) change in place."""
    changed = [k for k in {**old, **new} if old.get(k) != new.get(k)] + flags
    replaces = [k for k in immutable if k in changed]
    return DiffResult(
        changes=bool(changed),
        replaces=replaces,
        # A replacement that keeps the name must delete first: names are unique.
        delete_before_replace=bool(replaces) and old["name"] == new["name"],
    )


def _keeping_endpoint(method: typing.Callable[..., Any]) -> typing.Callable[..., Any]:
    """`create(props)`, `update(id, olds, news)` or `read(id, props)`, whose outputs (and
    read's inputs) carry the endpoint key of the props they were given."""

    @functools.wraps(method)
    def wrapper(self: PolarisProvider, *args: Any) -> Any:
        result = method(self, *args)
        given = args[-1] if args and isinstance(args[-1], dict) else {}
        if ENDPOINT_KEY not in given or result is None:
            return result
        if getattr(result, "outs", None) is not None:
            result.outs[ENDPOINT_KEY] = given[ENDPOINT_KEY]
        if getattr(result, "inputs", None) is not None:
            result.inputs[ENDPOINT_KEY] = given[ENDPOINT_KEY]
        return result

    return wrapper


def object_diff(
    olds: dict[str, Any],
    news: dict[str, Any],
    keys: tuple[Sequence[str], Sequence[str], Sequence[str]],
    view: typing.Callable[[dict[str, Any]], dict[str, Any]],
) -> DiffResult:
    """The diff of an object Polaris knows by a unique name (a table, a lookup), from its
    (spec, settings, immutable) keys and `view` of props as Polaris holds them: a move to
    another provider instance replaces it; a value not known yet (preview) is an update, or a
    replace when an immutable field is unknown; else the views' `named_diff`."""
    spec_keys, settings_keys, immutable = keys
    if (moved := endpoint_moved(olds, news)) is not None:
        return moved  # another project's object
    if unknown := unknown_paths({k: news.get(k) for k in spec_keys}):
        replaces = sorted({str(p[0]) for p in unknown} & set(immutable))
        return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
    flags = [k for k in settings_keys if olds.get(k) != news.get(k)]
    return named_diff(view(olds), view(news), flags, immutable)


def endpoint_moved(olds: dict[str, Any], news: dict[str, Any]) -> DiffResult | None:
    """A replace when the object would move to another provider instance (another project,
    another object); None when it stays."""
    if olds.get(ENDPOINT_KEY) == news.get(ENDPOINT_KEY):
        return None
    return DiffResult(changes=True, replaces=[ENDPOINT_KEY], delete_before_replace=False)
