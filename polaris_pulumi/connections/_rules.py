"""A connection's rules, checked at preview before anything is sent: the words a user sees."""

from __future__ import annotations

import re

from polaris_pulumi._problems import Problem
from polaris_pulumi._rules import connection_name_problem
from polaris_pulumi.connections._model import (
    ConnectionSpec,
    SchemaRegistryConnectionSpec,
    _ConnectionSpec,
)

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
    return problems + _secrets_problems(spec, "sasl_plain", "Confluent", require_password)


def _secrets_problems(
    spec: _ConnectionSpec, kind: str, whose: str, require_password: bool
) -> list[Problem]:
    if spec.secrets is None:
        return [Problem(("secrets",), f"is required: {{type: {kind}, username, password}}")]
    problems = []
    if not spec.secrets.username:
        problems.append(
            Problem(("secrets", "username"), f"must not be empty (the {whose} API key)")
        )
    if require_password and (
        spec.secrets.password is None or not spec.secrets.password.get_secret_value()
    ):
        problems.append(Problem(("secrets", "password"), f"is required (the {whose} API secret)"))
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
