"""A connection's rules, checked at preview before anything is sent: the words a user sees."""

from __future__ import annotations

import re

from polaris_pulumi._problems import Problem
from polaris_pulumi._rules import connection_name_problem
from polaris_pulumi.connections._model import (
    AwsIamSecrets,
    ConnectionSpec,
    KafkaConnectionSpec,
    SchemaRegistryConnectionSpec,
    _ConnectionSpec,
    _Spec,
)
from polaris_pulumi.connections._streams import KinesisConnectionSpec, PushStreamingConnectionSpec

_HOST_PORT_RE = re.compile(r"^(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")
_URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/\S*)?$")


def bootstrap_servers_problem(value: str) -> str | None:
    if not value.strip():
        return "must not be empty: a comma-separated list of host:port"
    for server in value.split(","):
        server = server.strip()
        if "://" in server:
            return (
                f"{server!r} has a URL scheme: Polaris wants host:port (drop the "
                f"'{server.split('://')[0]}://' prefix; polaris_pulumi.bootstrap_servers() does it)"
            )
        match = _HOST_PORT_RE.match(server)
        if not match or not 0 < int(match["port"]) < 65536:
            return (
                f"{server!r} is not host:port (e.g. pkc-xxxxx.us-east-1.aws.confluent.cloud:9092)"
            )
    return None


def connection_problems(spec: ConnectionSpec, *, require_password: bool) -> list[Problem]:
    problems = _topic_problems(spec)
    return problems + _secrets_problems(spec, "sasl_plain", "Confluent", require_password)


def _topic_problems(spec: ConnectionSpec | KafkaConnectionSpec) -> list[Problem]:
    """Name, brokers and topic: what every Kafka-reading connection has."""
    problems: list[Problem] = []
    if msg := connection_name_problem(spec.name):
        problems.append(Problem(("name",), msg))
    if msg := bootstrap_servers_problem(spec.bootstrap_servers):
        problems.append(Problem(("bootstrap_servers",), msg))
    if not spec.topic_name:
        problems.append(Problem(("topic_name",), "must not be empty"))
    elif spec.topic_name_is_pattern:
        try:
            re.compile(spec.topic_name)
        except re.error as exc:
            problems.append(
                Problem(
                    ("topic_name",), f"{spec.topic_name!r} is not a valid regular expression: {exc}"
                )
            )
    return problems


_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_PEM_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----", re.S)


def kafka_connection_problems(
    spec: KafkaConnectionSpec, *, require_password: bool
) -> list[Problem]:
    problems = _topic_problems(spec)
    if spec.secrets is None:
        problems.append(
            Problem(
                ("secrets",),
                "is required: {type: sasl_plain | sasl_scram, username, password} (and "
                "mechanism for sasl_scram), or {type: aws_iam, aws_assumed_role_arn} for MSK",
            )
        )
    elif isinstance(spec.secrets, AwsIamSecrets):
        if not _ARN_RE.match(spec.secrets.aws_assumed_role_arn):
            problems.append(
                Problem(
                    ("secrets", "aws_assumed_role_arn"),
                    f"{spec.secrets.aws_assumed_role_arn!r} is not an IAM role ARN "
                    "(arn:aws:iam::<12-digit account>:role/<name>)",
                )
            )
    else:
        words = ("user name", "password")
        problems += _secrets_problems(spec, spec.secrets.type, "Kafka", require_password, words)
    return problems + _ssl_problems(spec, require_password)


def _ssl_problems(spec: KafkaConnectionSpec, require_password: bool) -> list[Problem]:
    """PEM blocks where PEM is wanted; a keystore's private key is required (a secret)."""
    problems: list[Problem] = []
    ssl = spec.ssl
    if ssl is None:
        return problems
    pem = {("truststore", "certificates"): ssl.truststore.certificates if ssl.truststore else None}
    if ssl.keystore is not None:
        pem[("keystore", "certificates")] = ssl.keystore.certificates
        key = ssl.keystore.key.get_secret_value() if ssl.keystore.key else ""
        if require_password and not key:
            problems.append(
                Problem(("ssl", "keystore", "key"), "is required: the client's PEM private key")
            )
        elif key and not _PEM_RE.search(key):
            problems.append(
                Problem(
                    ("ssl", "keystore", "key"),
                    "is not a PEM private key (-----BEGIN PRIVATE KEY----- ... -----END "
                    "PRIVATE KEY-----)",
                )
            )
    for path, text in pem.items():
        if text is not None and not _PEM_RE.search(text):
            problems.append(
                Problem(
                    ("ssl", *path),
                    "is not PEM: give the certificates as -----BEGIN CERTIFICATE----- ... "
                    "-----END CERTIFICATE----- blocks",
                )
            )
    return problems


def _secrets_problems(
    spec: _ConnectionSpec,
    kind: str,
    whose: str,
    require_password: bool,
    words: tuple[str, str] = ("API key", "API secret"),
) -> list[Problem]:
    """Username and password; `words` name them as the user knows them."""
    secrets = spec.secrets
    if secrets is None:
        return [Problem(("secrets",), f"is required: {{type: {kind}, username, password}}")]
    problems = []
    if not secrets.username:
        problems.append(
            Problem(("secrets", "username"), f"must not be empty (the {whose} {words[0]})")
        )
    if require_password and (secrets.password is None or not secrets.password.get_secret_value()):
        problems.append(Problem(("secrets", "password"), f"is required (the {whose} {words[1]})"))
    return problems


def schema_registry_problems(
    spec: SchemaRegistryConnectionSpec, *, require_password: bool
) -> list[Problem]:
    problems: list[Problem] = []
    if msg := connection_name_problem(spec.name):
        problems.append(Problem(("name",), msg))
    if not spec.urls:
        problems.append(
            Problem(("urls",), "needs at least one Schema Registry URL (https://psrc-...)")
        )
    problems += [
        Problem(
            ("urls", i),
            f"{url!r} is not an http(s) URL such as https://psrc-xxxxx.region.aws.confluent.cloud",
        )
        for i, url in enumerate(spec.urls)
        if not _URL_RE.match(url)
    ]
    return problems + _secrets_problems(spec, "basic", "Schema Registry", require_password)


def push_streaming_problems(
    spec: PushStreamingConnectionSpec, *, require_password: bool
) -> list[Problem]:
    """A push streaming connection is its name: events come to it through the API."""
    return _name_problems(spec)


def _name_problems(spec: _Spec) -> list[Problem]:
    msg = connection_name_problem(spec.name)
    return [Problem(("name",), msg)] if msg else []


_ENDPOINT_RE = re.compile(r"^(https://)?[A-Za-z0-9.-]+(:\d{1,5})?/?$")


def kinesis_problems(spec: KinesisConnectionSpec, *, require_password: bool) -> list[Problem]:
    """The stream, its region's endpoint and the role Polaris assumes to read it."""
    problems = _name_problems(spec)
    if not spec.stream.strip():
        problems.append(Problem(("stream",), "must not be empty: the Kinesis stream's name"))
    if not _ENDPOINT_RE.match(spec.aws_endpoint):
        problems.append(
            Problem(
                ("aws_endpoint",),
                f"{spec.aws_endpoint!r} is not a Kinesis endpoint such as "
                "kinesis.us-east-1.amazonaws.com",
            )
        )
    if not _ARN_RE.match(spec.aws_assumed_role_arn):
        problems.append(
            Problem(
                ("aws_assumed_role_arn",),
                f"{spec.aws_assumed_role_arn!r} is not an IAM role ARN "
                "(arn:aws:iam::<12-digit account>:role/<name>)",
            )
        )
    return problems
