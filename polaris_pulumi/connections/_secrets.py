"""How Polaris logs in to a connection's source: each secrets type of the contract a managed
connection takes. Passwords and private keys are `SecretStr`: never in a repr, a log or a
traceback, and revealed only to the API (`reveal_secrets`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import SecretStr, SerializationInfo, field_serializer

from polaris_pulumi._contract import PolarisModel
from polaris_pulumi._meta import Prop


def _reveal(value: SecretStr | None, info: SerializationInfo) -> str | None:
    """A secret as the API gets it (`reveal_secrets`), else masked."""
    if value is None:
        return None
    ctx = info.context or {}
    return value.get_secret_value() if ctx.get("reveal_secrets") else "**********"


class _Password(PolarisModel):
    """Secrets whose password is never returned by the API; SecretStr keeps it out of repr,
    logs and tracebacks."""

    username: str
    """The user: a Confluent Cloud or Schema Registry API key, or your Kafka's user."""
    password: Annotated[SecretStr | None, Prop(secret=True, required=True)] = None
    """Its secret (an API secret, a password): always a secret, never returned by Polaris."""

    @field_serializer("password")
    def _password(self, value: SecretStr | None, info: SerializationInfo) -> str | None:
        return _reveal(value, info)


class SaslPlainSecrets(_Password):
    """Confluent Cloud API key (username) and secret (password)
    (SaslPlainSecretsRequiredPayload)."""

    type: Literal["sasl_plain"] = "sasl_plain"
    """Always `sasl_plain`."""


class SaslScramSecrets(_Password):
    """A SASL/SCRAM user of your Kafka (SaslScramSecretsRequiredPayload): its mechanism,
    username and password."""

    type: Literal["sasl_scram"] = "sasl_scram"
    """Always `sasl_scram`."""
    mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"]
    """`SCRAM-SHA-256` or `SCRAM-SHA-512`: the one the broker's user was made with."""


class AwsIamSecrets(PolarisModel):
    """Amazon MSK with IAM access control (AwsIamRoleSecretsRequiredPayload): the IAM role
    Polaris assumes; no password."""

    type: Literal["aws_iam"] = "aws_iam"
    """Always `aws_iam`."""
    aws_assumed_role_arn: str
    """The role's ARN (arn:aws:iam::<account>:role/<name>), trusting Polaris' AWS account."""


class PemKeystore(PolarisModel):
    """Mutual TLS: the client's certificate chain and private key, PEM
    (KafkaConnectionSslKeystorePemPayload). The key and its password are secrets."""

    type: Literal["pem"] = "pem"
    """Always `pem`."""
    certificates: str
    """The client certificate chain, PEM (`-----BEGIN CERTIFICATE-----`...): not a secret."""
    key: Annotated[SecretStr | None, Prop(secret=True, required=True)] = None
    """The private key, PEM (`-----BEGIN PRIVATE KEY-----`...): always a secret."""
    key_password: Annotated[SecretStr | None, Prop(secret=True)] = None
    """The private key's password, when the key is encrypted."""

    @field_serializer("key", "key_password")
    def _secret(self, value: SecretStr | None, info: SerializationInfo) -> str | None:
        return _reveal(value, info)


class PemTruststore(PolarisModel):
    """The CA certificates that signed the brokers' certificates, PEM
    (KafkaConnectionSslTruststorePemPayload): for brokers whose CA is not a public one."""

    type: Literal["pem"] = "pem"
    """Always `pem`."""
    certificates: str
    """The CA certificates, PEM (`-----BEGIN CERTIFICATE-----`...): not a secret."""


class KafkaSsl(PolarisModel):
    """TLS settings (KafkaConnectionPropertiesSsl): a keystore for mutual TLS, a truststore."""

    keystore: PemKeystore | None = None
    """Mutual TLS: the client's certificate chain and private key."""
    truststore: PemTruststore | None = None
    """The CA that signed the brokers' certificates, when it is not a public one."""


class BasicAuthSecrets(_Password):
    """Schema Registry API key (username) and secret (password)
    (HttpBasicAuthSecretsRequiredPayload)."""

    type: Literal["basic"] = "basic"
    """Always `basic`."""
