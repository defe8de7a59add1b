"""`KafkaConnection`'s provider without an engine: what preview refuses (naming the property
and the fix), what a diff sees of secrets it never shows, and the state it keeps."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from polaris_pulumi.api import KafkaConnection, KafkaConnectionSpec
from polaris_pulumi.connections._provider import Inputs, KafkaConnectionProvider
from tests import samples


def snake(body: dict[str, Any]) -> dict[str, Any]:
    """A sample in the snake_case a program passes, derived through the model."""
    return dict(
        KafkaConnectionSpec.model_validate(body).model_dump(
            mode="json", exclude_none=True, exclude={"type"}, context={"reveal_secrets": True}
        )
    )


SCRAM, IAM, MTLS = (snake(s) for s in (samples.KAFKA_SCRAM, samples.KAFKA_IAM, samples.KAFKA_MTLS))


def failures(props: dict[str, Any]) -> dict[str, str]:
    return {f.property: f.reason for f in KafkaConnectionProvider().check({}, props).failures}


def test_each_secrets_type_and_mutual_tls_pass_preview() -> None:
    for props in (SCRAM, IAM, MTLS):
        assert failures(props) == {}, props["name"]


def with_(props: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(props)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize(
    ("props", "prop", "words"),
    [
        (with_(SCRAM, ("secrets", "mechanism"), "SCRAM-MD5"), "secrets.mechanism", "SCRAM-SHA-512"),
        (with_(SCRAM, ("secrets", "password"), ""), "secrets.password", "Kafka password"),
        (with_(IAM, ("secrets", "aws_assumed_role_arn"), "polaris"), "secrets.aws_assumed_role_arn", "arn:aws:iam::"),
        (with_(MTLS, ("ssl", "keystore", "key"), "not a key"), "ssl.keystore.key", "BEGIN PRIVATE KEY"),
        (with_(MTLS, ("ssl", "keystore", "key"), None), "ssl.keystore.key", "is required"),
        (with_(MTLS, ("ssl", "truststore", "certificates"), "x"), "ssl.truststore.certificates", "BEGIN CERTIFICATE"),
        (with_(SCRAM, ("bootstrap_servers",), "SASL_SSL://b:9092"), "bootstrap_servers", "drop the"),
        (with_(MTLS, ("ssl", "keystore", "certificate"), "x"), "ssl.keystore.certificate", "did you mean 'certificates'"),
    ],
)  # fmt: skip
def test_preview_names_the_property_and_the_fix(
    props: dict[str, Any], prop: str, words: str
) -> None:
    found = failures(props)
    assert prop in found, found
    assert words in found[prop]


def test_missing_secrets_say_each_type() -> None:
    [failure] = (
        KafkaConnectionProvider()
        .check({}, {k: v for k, v in SCRAM.items() if k != "secrets"})
        .failures
    )
    assert "property secrets: is required" in failure.reason and "aws_iam" in failure.reason
    # Secrets are reported under no property, so that the engine never prints their value.
    [failure] = (
        KafkaConnectionProvider().check({}, with_(SCRAM, ("secrets", "type"), "oauth")).failures
    )
    assert "property secrets:" in failure.reason and "'sasl_scram'" in failure.reason


def test_secrets_never_show_in_failures() -> None:
    bad = with_(MTLS, ("bootstrap_servers",), "nope")
    bad["secrets"]["password"] = {"not": "a string"}
    text = repr(KafkaConnectionProvider().check({}, bad).failures)
    for secret in (samples.PEM_KEY, samples.KEY_PASSWORD, samples.SCRAM_PASSWORD):
        assert secret not in text and secret.strip() not in text


def test_a_changed_key_or_password_is_an_update_and_a_name_a_replace() -> None:
    provider = KafkaConnectionProvider()
    rotated = with_(MTLS, ("ssl", "keystore", "key"), samples.PEM_KEY.replace("fake0", "new0"))
    diff = provider.diff("my_mtls", MTLS, rotated)
    assert diff.changes and not diff.replaces
    diff = provider.diff("my_mtls", MTLS, with_(MTLS, ("secrets", "password"), "rotated"))
    assert diff.changes and not diff.replaces
    assert provider.diff("my_mtls", MTLS, copy.deepcopy(MTLS)).changes is False
    assert provider.diff("my_mtls", MTLS, with_(MTLS, ("name",), "other")).replaces == ["name"]


def test_the_state_keeps_the_secrets_polaris_never_returns() -> None:
    """A response has no password and no private key: the state keeps ours (secret outputs),
    so that a failed update can be put back."""
    provider = KafkaConnectionProvider()
    inputs: Inputs = provider._inputs(MTLS)
    answer = dict(inputs.spec.without_password())
    answer |= {"submittedByUser": None, "modifiedByUser": None}
    state = provider._state(KafkaConnection.model_validate(answer), inputs)
    assert state["ssl"]["keystore"]["key"] == samples.PEM_KEY
    assert state["ssl"]["keystore"]["key_password"] == samples.KEY_PASSWORD
    assert state["secrets"]["password"] == samples.SCRAM_PASSWORD
    assert provider._inputs(state).spec.missing_secrets() is False
