"""The providers of `Connection`, `KafkaConnection` and `SchemaRegistryConnection`: one
lifecycle, three specs."""

from __future__ import annotations

import hashlib
import time
import typing
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import ValidationError

from polaris_pulumi._base_provider import (
    DEFAULT_WAIT_TIMEOUT,
    PolarisProvider,
    endpoint_moved,
    name_taken,
    named_diff,
)
from polaris_pulumi._engine import log
from polaris_pulumi._exceptions import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    PolarisError,
    PolarisProviderError,
)
from polaris_pulumi._meta import keys, secret_fields, with_defaults
from polaris_pulumi._problems import Problem
from polaris_pulumi._registry import REGISTRY
from polaris_pulumi._unknowns import failures, parse, pick, unknown_paths, validate
from polaris_pulumi.connections._any import AnyConnection, AnySpec
from polaris_pulumi.connections._model import (
    ConnectionSettings,
    ConnectionSpec,
    KafkaConnectionSpec,
    SchemaRegistryConnectionSpec,
)
from polaris_pulumi.connections._rules import (
    connection_problems,
    kafka_connection_problems,
    kinesis_problems,
    push_streaming_problems,
    schema_registry_problems,
)
from polaris_pulumi.connections._streams import KinesisConnectionSpec, PushStreamingConnectionSpec

SETTINGS_KEYS = keys(ConnectionSettings)
SECRET_PROPERTIES = secret_fields(ConnectionSpec, SchemaRegistryConnectionSpec, KafkaConnectionSpec)


def output_keys(spec: type[AnySpec], response: type[AnyConnection]) -> tuple[str, ...]:
    """A connection resource's outputs: its spec (not the resource's `type`), what the server
    sets, and its settings."""
    return (*keys(spec, internal=False), *keys(response, output=True), *SETTINGS_KEYS)


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


@dataclass(frozen=True)
class Inputs:
    """A connection's props, parsed once: the spec Polaris gets, and our settings."""

    spec: AnySpec
    settings: ConnectionSettings

    def view(self) -> dict[str, Any]:
        """What a diff compares: the spec as Polaris holds it, and the secrets we sent."""
        return with_defaults(self.spec).normalized() | self.spec.secret_values()


class ConnectionProvider(PolarisProvider):
    """A `confluent` connection. The lifecycle is every connection type's; `spec_model`,
    `_problems` and the words below are this type's."""

    access_kind = "connections"

    spec_model: typing.ClassVar[type[AnySpec]] = ConnectionSpec
    # Where the connection points, in words and property names (for messages).
    source_words: typing.ClassVar[str] = "bootstrap_servers, topic_name or the credentials"
    identity_key: typing.ClassVar[str] = "bootstrapServers"  # same cluster

    def _problems(self, spec: Any, *, require_password: bool) -> list[Problem]:
        return connection_problems(spec, require_password=require_password)

    def _inputs(self, props: dict[str, Any]) -> Inputs:
        spec_keys = keys(self.spec_model, internal=False)
        values = pick(props, spec_keys)
        settings = pick(props, SETTINGS_KEYS)
        return Inputs(parse(self.spec_model, values), parse(ConnectionSettings, settings))

    def _outs(
        self, conn: AnyConnection, settings: ConnectionSettings, sent: dict[str, Any]
    ) -> dict[str, Any]:
        """State of a connection: what the server holds, and the secrets we sent (`sent`:
        a spec as props, whose secrets the server never returns)."""
        fields = {*keys(self.spec_model, internal=False), *keys(type(conn), output=True)}
        server = with_defaults(conn).model_dump(mode="json", include=fields)
        if "secrets" not in self.spec_model.model_fields:
            return server | settings.model_dump()  # a type that logs in with no secret
        shown = getattr(conn, "secrets", None)
        secrets = shown.model_dump(mode="json", exclude_none=True) if shown else {}
        secrets["password"] = (sent.get("secrets") or {}).get("password") or None
        return self._kept(server, sent) | {"secrets": secrets} | settings.model_dump()

    def _kept(self, server: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
        """Other secrets the server never returns, put back from what we sent."""
        return server

    def _state(self, conn: AnyConnection, inputs: Inputs) -> dict[str, Any]:
        sent = inputs.spec.model_dump(mode="json", context={"reveal_secrets": True})
        return self._outs(conn, inputs.settings, sent)

    # --- the lifecycle ---

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self.verify_access()
        inputs = dict(news)
        # Where the resource is declared, from the program: used here, never stored (it
        # would show in every diff).
        derived = inputs.pop("auto_name", None)
        if inputs.get("name") is None:
            inputs["name"] = (olds or {}).get("name") or derived
        spec_keys = keys(self.spec_model, internal=False)
        spec_props = pick(inputs, spec_keys)
        _, problems = validate(
            self.spec_model,
            spec_props,
            lambda s: self._problems(s, require_password=True),
            secret=SECRET_PROPERTIES,
        )
        settings = pick(inputs, SETTINGS_KEYS)
        problems += validate(ConnectionSettings, settings)[1]
        if isinstance(inputs.get("name"), str):
            own = isinstance(derived, str) and inputs["name"] == derived
            kind = str(self.spec_model.model_fields["type"].default)
            REGISTRY.declare_connection(inputs["name"], kind, derived=own)
        return CheckResult(inputs, failures(problems, SECRET_PROPERTIES))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if (moved := endpoint_moved(olds, news)) is not None:
            return moved  # another project's object
        unknown = unknown_paths({k: news.get(k) for k in keys(self.spec_model)})
        if unknown:
            # Preview with values not known yet: an update, a replace if the name is unknown.
            name_unknown = any(p[0] == "name" for p in unknown)
            return DiffResult(
                changes=True, replaces=["name"] if name_unknown else [], delete_before_replace=False
            )
        old, new = self._inputs(olds), self._inputs(news)
        flags = (
            ["test_connection"]
            if old.settings.test_connection != new.settings.test_connection
            else []
        )
        return named_diff(old.view(), new.view(), flags, keys(self.spec_model, replaces=True))

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self._inputs(props)
        spec, client = inputs.spec, self.client()
        if inputs.settings.adopt_existing and (adopted := self._adopt_as_is(inputs)):
            return CreateResult(adopted.name, self._state(adopted, inputs))
        try:
            conn = client.create_connection(spec)
        except ConflictError as exc:
            self._take_over(inputs, exc)
            conn = client.update_connection(spec)
            self._test(conn.name, inputs, created=False)
            return CreateResult(conn.name, self._state(conn, inputs))
        self._test(conn.name, inputs, created=True)
        return CreateResult(conn.name, self._state(conn, inputs))

    def _adopt_as_is(self, inputs: Inputs) -> AnyConnection | None:
        """adopt_existing: a connection of the name that already holds this spec (as far as
        Polaris shows it) is taken with no write, only its test; None when there is none or
        it differs (then the create meets it, and it is brought to this spec)."""
        spec, client = inputs.spec, self.client()
        try:
            existing = client.get_connection(spec.name)
        except NotFoundError:
            return None
        if not spec.same_as(existing):
            return None
        log(f"adopting existing connection {spec.name!r}: it holds this spec, nothing to change")
        REGISTRY.adopt(spec.name)
        self._test(existing.name, inputs, created=False)
        return existing

    def _take_over(self, inputs: Inputs, exc: ConflictError) -> None:
        """A create met a connection of the name: take it over when it is ours to take (then
        it is brought to this spec), else fail saying what to do."""
        spec, client = inputs.spec, self.client()
        existing = client.get_connection(spec.name)
        if existing.type != spec.type:
            raise PolarisProviderError(
                f"connection {spec.name!r} already exists in Polaris as a {existing.type} "
                f"connection, made outside this stack: this {spec.type} connection cannot "
                "have its name, nor take it over (a connection's type never changes). Choose "
                "another name, or omit name to derive one."
            ) from None
        if inputs.settings.adopt_existing:
            theirs = existing.to_api().get(self.identity_key)
            ours = spec.normalized().get(self.identity_key)
            if theirs != ours:
                raise PolarisProviderError(
                    f"adopt_existing: connection {spec.name!r} exists but is a "
                    f"{existing.type} connection to {theirs}, not {ours}; it is not the one "
                    f"this program declares. Choose another name or fix {self.source_words}."
                ) from None
            log(f"adopting existing connection {spec.name!r}")
        elif REGISTRY.is_derived(spec.name) and spec.same_as(existing):
            # This resource's own derived name, holding its spec: an earlier create whose
            # answer never reached the state (an interrupted `up`).
            log(f"connection {spec.name!r} exists with this resource's spec: taking it")
        else:
            raise name_taken("connection", spec.name, exc, "another name (or omit name)") from None
        REGISTRY.adopt(spec.name)

    def _test(self, name: str, inputs: Inputs, *, created: bool) -> None:
        if inputs.settings.test_connection is False:
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
        client, inputs = self.client(), self._inputs(news)
        conn = client.update_connection(inputs.spec)
        try:
            self._test(conn.name, inputs, created=False)
        except PolarisProviderError as failed:
            self._put_back(olds, failed)
        return UpdateResult(self._state(conn, inputs))

    def _put_back(self, olds: dict[str, Any], failed: PolarisProviderError) -> typing.NoReturn:
        try:
            previous = self._inputs(olds).spec
            if previous.missing_secrets():
                raise PolarisProviderError("the previous secrets are not in the state")
            self.client().update_connection(previous)
        except (PolarisError, ValidationError) as undo:
            raise PolarisProviderError(
                f"{failed} Putting the previous settings back failed too ({undo}): Polaris "
                "holds the new ones; `pulumi refresh` shows them."
            ) from None
        raise PolarisProviderError(
            f"{failed} The connection was put back to its previous settings."
        ) from None

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Delete; while jobs that use it are being canceled (ours, deleted first), wait."""
        name = props.get("name") or _id
        if REGISTRY.adopted(name):
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
                self._still_used(name, exc, deadline)
                time.sleep(0.5)  # jobs are being canceled: wait them out

    def _still_used(self, name: str, exc: BadRequestError, deadline: float) -> None:
        """Fail unless the refusal comes from jobs that are being canceled (then wait)."""
        users = [
            j
            for j in self.client().list_jobs(types=["streaming"], connection_name=[name])
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

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            conn = self.client().get_connection(id_)
        except NotFoundError:
            return ReadResult(None, {})  # deleted outside Pulumi: drop from state
        # The recorded state may hold no spec (`Connection.get`): only settings and password.
        settings = pick(props, SETTINGS_KEYS)
        outs = self._outs(conn, parse(ConnectionSettings, settings), props)
        keys_in = (*keys(self.spec_model, internal=False), *SETTINGS_KEYS)
        inputs = pick(outs, keys_in)
        return ReadResult(conn.name, outs, inputs)


class SchemaRegistryConnectionProvider(ConnectionProvider):
    """A `confluent_schema_registry` connection: the registry's URLs and its API key."""

    spec_model = SchemaRegistryConnectionSpec
    source_words = "urls or the credentials"
    identity_key = "urls"

    def _problems(self, spec: Any, *, require_password: bool) -> list[Problem]:
        return schema_registry_problems(spec, require_password=require_password)


class KafkaConnectionProvider(ConnectionProvider):
    """A `kafka` connection: Apache Kafka, MSK or Event Hubs, with SASL, IAM or mutual TLS."""

    spec_model = KafkaConnectionSpec
    source_words = "bootstrap_servers, topic_name, ssl or the credentials"
    identity_key = "bootstrapServers"

    def _problems(self, spec: Any, *, require_password: bool) -> list[Problem]:
        return kafka_connection_problems(spec, require_password=require_password)

    def _kept(self, server: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
        """The keystore's private key and its password: in the state (a secret), never in a
        response."""
        keystore = ((server.get("ssl") or {}).get("keystore")) or None
        if keystore is not None:
            ours = ((sent.get("ssl") or {}).get("keystore")) or {}
            keystore["key"] = ours.get("key")
            keystore["key_password"] = ours.get("key_password")
        return server


class PushStreamingConnectionProvider(ConnectionProvider):
    """A `push_streaming` connection: a name that events are pushed to."""

    spec_model = PushStreamingConnectionSpec
    source_words = "the connection"
    identity_key = "type"

    def _problems(self, spec: Any, *, require_password: bool) -> list[Problem]:
        return push_streaming_problems(spec, require_password=require_password)


class KinesisConnectionProvider(ConnectionProvider):
    """A `kinesis` connection: a stream, its endpoint, and the role Polaris assumes."""

    spec_model = KinesisConnectionSpec
    source_words = "stream, aws_endpoint or aws_assumed_role_arn"
    identity_key = "stream"

    def _problems(self, spec: Any, *, require_password: bool) -> list[Problem]:
        return kinesis_problems(spec, require_password=require_password)
