"""A connection's shapes: what a program declares (the API's create request), what Polaris
answers, and the resource's own settings. Each field is declared here once (see `_meta`)."""

from __future__ import annotations

import functools
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from polaris_pulumi._contract import PolarisModel, User
from polaris_pulumi._meta import Prop, with_defaults
from polaris_pulumi.connections._secrets import (
    AwsIamSecrets,
    BasicAuthSecrets,
    KafkaSsl,
    PemKeystore,
    PemTruststore,
    SaslPlainSecrets,
    SaslScramSecrets,
    _Password,
)

__all__ = [  # the secrets types are the connections' too
    "AwsIamSecrets",
    "BasicAuthSecrets",
    "KafkaSsl",
    "PemKeystore",
    "PemTruststore",
    "SaslPlainSecrets",
    "SaslScramSecrets",
]


class _Spec(PolarisModel):
    """What every connection a user declares has: a unique name and a description."""

    name: Annotated[str, Prop(replaces=True, derived=True)]
    """Polaris connection name; default: the resource name plus a suffix derived from the
    project, stack and parent (stable: preview shows what `up` creates)."""
    description: str | None = None
    """A description shown in Polaris."""

    def password(self) -> str:
        """The password, or "" when this spec carries none."""
        secrets = getattr(self, "secrets", None)
        if not isinstance(secrets, _Password) or secrets.password is None:
            return ""
        return secrets.password.get_secret_value()

    def secret_values(self) -> dict[str, str]:
        """The secrets this spec carries, by name: what a diff compares of them."""
        return {}

    def missing_secrets(self) -> bool:
        """Whether a secret the API needs is absent (the state of an adopted connection)."""
        return False

    def without_password(self) -> dict[str, Any]:
        """The API body minus the password: what the server echoes back."""
        body = self.to_api()
        body.get("secrets", {}).pop("password", None)
        return body

    def update_body(self) -> dict[str, Any]:
        """PATCH body (Update...ConnectionRequest): `type` and the rest, never `name`.

        An unset description is sent as null so that PATCH clears it (our reading: PATCH keeps
        omitted fields); the password goes only when the spec carries one.
        """
        body = self.to_api(reveal_secrets=True)
        body.pop("name")
        body.setdefault("description", None)
        return body

    def same_as(self, existing: Any) -> bool:
        """Whether an existing connection holds this spec, as far as Polaris shows it (never
        the password): how a create whose answer was lost is recognised."""
        theirs = existing.spec() if hasattr(existing, "spec") else None
        return (
            type(theirs) is type(self)
            and _comparable(self) == _comparable(theirs)
            and _username(getattr(self, "secrets", None))
            == _username(getattr(existing, "secrets", None))
        )

    def normalized(self) -> dict[str, Any]:
        """The spec as Polaris compares it (no password)."""
        return self.without_password()


class _ConnectionSpec(_Spec):
    """A connection that logs in with secrets holding a password."""

    secrets: Annotated[_Password | None, Prop(required=True)] = None
    """How Polaris logs in."""

    def secret_values(self) -> dict[str, str]:
        return {"password": self.password()}

    def missing_secrets(self) -> bool:
        return not self.password()


def _comparable(spec: _Spec) -> dict[str, Any]:
    cleared = {"secrets": None} if "secrets" in type(spec).model_fields else {}
    return with_defaults(spec).model_copy(update=cleared).normalized()


def _username(secrets: Any) -> str | None:
    return getattr(secrets, "username", None) or getattr(secrets, "key", None)


def servers(value: str | None) -> str:
    """A broker list as Polaris compares it: `host:port` entries, no blanks around commas."""
    return ",".join(s.strip() for s in (value or "").split(","))


class ConnectionSpec(_ConnectionSpec):
    """A Polaris connection of type `confluent` (a Confluent Cloud topic, or a topic regex with
    `topic_name_is_pattern=True`): CreateConfluentConnectionRequest."""

    type: Annotated[Literal["confluent"], Prop(internal=True)] = "confluent"
    bootstrap_servers: str
    """Comma-separated `host:port` list; see `polaris_pulumi.bootstrap_servers()`."""
    topic_name: str
    """A topic; with `topic_name_is_pattern`, a regular expression matching several topics."""
    topic_name_is_pattern: Annotated[bool | None, Prop(default=False)] = None
    """Take `topic_name` as a regular expression (default false: the name is literal)."""
    secrets: Annotated[SaslPlainSecrets | None, Prop(required=True)] = None
    """`sasl_plain`: a Confluent Cloud API key (`username`) and secret (`password`)."""

    def normalized(self) -> dict[str, Any]:
        body = self.without_password()
        body["bootstrapServers"] = servers(self.bootstrap_servers)
        return body


KafkaSecrets = Annotated[
    SaslPlainSecrets | SaslScramSecrets | AwsIamSecrets, Field(discriminator="type")
]


class KafkaConnectionSpec(_ConnectionSpec):
    """A Polaris connection of type `kafka`: Apache Kafka, Amazon MSK or Kafka on Azure Event
    Hubs (CreateKafkaConnectionRequest), with SASL/PLAIN, SASL/SCRAM or AWS IAM secrets, and
    TLS settings for mutual TLS or a private CA."""

    type: Annotated[Literal["kafka"], Prop(internal=True)] = "kafka"
    bootstrap_servers: str
    """Comma-separated `host:port` list of the brokers Polaris reaches."""
    topic_name: str
    """A topic; with `topic_name_is_pattern`, a regular expression matching several topics."""
    topic_name_is_pattern: Annotated[bool | None, Prop(default=False)] = None
    """Take `topic_name` as a regular expression (default false: the name is literal)."""
    client_rack: str | None = None
    """A rack identifier for the consumer (Kafka's `client.rack`): with rack-aware brokers,
    Polaris reads from the replica in the same rack (an availability zone ID on MSK)."""
    ssl: KafkaSsl | None = None
    """TLS: `keystore` (certificate chain and private key, for mutual TLS) and `truststore`."""
    secrets: Annotated[KafkaSecrets | None, Prop(required=True)] = None  # type: ignore[assignment]
    """`sasl_plain` or `sasl_scram` (a user and password), or `aws_iam` (an IAM role, MSK)."""

    def secret_values(self) -> dict[str, str]:
        keystore = self.ssl.keystore if self.ssl is not None else None
        if keystore is None:
            return {"password": self.password()}
        return {
            "password": self.password(),
            "key": keystore.key.get_secret_value() if keystore.key else "",
            "key_password": keystore.key_password.get_secret_value()
            if keystore.key_password
            else "",
        }

    def missing_secrets(self) -> bool:
        values = self.secret_values()
        return (isinstance(self.secrets, _Password) and not values["password"]) or (
            "key" in values and not values["key"]
        )

    def without_password(self) -> dict[str, Any]:
        body = super().without_password()
        keystore = (body.get("ssl") or {}).get("keystore") or {}
        keystore.pop("key", None)
        keystore.pop("keyPassword", None)
        return body

    def normalized(self) -> dict[str, Any]:
        body = self.without_password()
        body["bootstrapServers"] = servers(self.bootstrap_servers)
        return body


class SchemaRegistryConnectionSpec(_ConnectionSpec):
    """A Confluent Schema Registry connection: where `avro_stream` and `protobuf` jobs read
    their schemas (CreateConfluentSchemaRegistryConnectionRequest)."""

    type: Annotated[Literal["confluent_schema_registry"], Prop(internal=True)] = (
        "confluent_schema_registry"
    )
    urls: list[str]
    """The Schema Registry's REST endpoint(s), e.g. a Confluent Cloud cluster's
    `rest_endpoint` (https://psrc-xxxxx.region.aws.confluent.cloud)."""
    secrets: Annotated[BasicAuthSecrets | None, Prop(required=True)] = None
    """`basic`: the Schema Registry's API key (`username`) and secret (`password`)."""

    def normalized(self) -> dict[str, Any]:
        body = self.without_password()
        body["urls"] = [u.rstrip("/") for u in self.urls]
        return body


class ConnectionSecretsInfo(PolarisModel):
    """A connection's `secrets` output (always secret): the type, the username (`key` for the
    deprecated `confluent` type) and the password this stack sent."""

    output_dict: ClassVar[str] = "ConnectionSecretsDict"

    type: str
    username: str | None = None
    key: str | None = None
    password: Annotated[str | None, Prop(secret=True)] = None
    mechanism: str | None = None
    aws_assumed_role_arn: str | None = None


_S = TypeVar("_S", bound="_Spec")


@functools.cache
def _secrets_adapter(model: type[_Spec]) -> TypeAdapter[Any]:
    """A validator of a spec model's `secrets`, built once per model (building one costs far
    more than using it, and `spec()` runs in every diff)."""
    return TypeAdapter(model.model_fields["secrets"].annotation)  # type: ignore[arg-type,maybe-unrecognized-str-typeform,unused-ignore]


class _Submitted(PolarisModel):
    """Who made and last changed a connection, and when (ConnectionResponse).

    Not outputs: the state holds what programs read and the provider needs, and these are an
    audit trail (`PolarisClient().get_connection(name)` has them), as for jobs."""

    submitted_by_user: User | None = None
    modified_by_user: User | None = None
    submitted_on_timestamp: str | None = None
    modified_on_timestamp: str | None = None

    def _derived_spec(self, model: type[_S]) -> _S:
        """What this connection was made from: every field of its spec model as Polaris holds
        it, so that a new field cannot drop out of `same_as`, adopt or import. The secrets are
        what the answer shows of them (never a password), when the spec's type takes them: the
        deprecated `confluent` type is left out."""
        fields = set(model.model_fields) - {"secrets"}
        data = self.model_dump(include=fields, by_alias=True)
        if "secrets" not in model.model_fields:
            return model.model_validate(data)
        info = getattr(self, "secrets", None)
        shown = info.model_dump(exclude={"password"}, exclude_none=True) if info else None
        try:
            secrets = _secrets_adapter(model).validate_python(shown)
        except ValidationError:
            secrets = None
        return model.model_validate(data | {"secrets": secrets})


class Connection(ConnectionSpec, _Submitted):
    """A connection as the server returns it (ConfluentConnectionResponse; no password)."""

    type: str = "confluent"  # type: ignore[assignment]
    secrets: ConnectionSecretsInfo | None = None  # type: ignore[assignment]

    def spec(self) -> ConnectionSpec:
        """What this connection was made from, minus the password Polaris never returns."""
        return self._derived_spec(ConnectionSpec)


class SchemaRegistryConnection(SchemaRegistryConnectionSpec, _Submitted):
    """A Schema Registry connection as the server returns it (no password)."""

    secrets: ConnectionSecretsInfo | None = None  # type: ignore[assignment]

    def spec(self) -> SchemaRegistryConnectionSpec:
        """What this connection was made from, minus the password Polaris never returns."""
        return self._derived_spec(SchemaRegistryConnectionSpec)


class KafkaConnection(KafkaConnectionSpec, _Submitted):
    """A `kafka` connection as the server returns it: no password, and no private key or its
    password in `ssl.keystore`."""

    secrets: ConnectionSecretsInfo | None = None  # type: ignore[assignment]

    def spec(self) -> KafkaConnectionSpec:
        """What this connection was made from, minus the secrets Polaris never returns."""
        return self._derived_spec(KafkaConnectionSpec)


# The connections a streaming job reads Kafka records from (a registry only gives schemas).
SourceConnection = Connection | KafkaConnection


class ConnectionTestResult(PolarisModel):
    """Outcome of POST /connections/{name}/test: 200 with no body, or 400 ErrorResponse."""

    ok: bool
    message: str | None = None
    details: list[str] = []


class ConnectionSettings(BaseModel):
    """The resource's own settings: how the provider manages the connection, never sent."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    test_connection: bool | None = None
    """Run Polaris' connection test after create/update and fail with its details (default on)."""
    adopt_existing: bool | None = None
    """Take over an existing connection of this name on create (our import path)."""
