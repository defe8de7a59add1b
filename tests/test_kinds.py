"""The registry of kinds and connection types (`polaris_pulumi/_kinds.py`) is the one list: the
package's names, the client, the access check, the importer and the typed unions agree with
it, and a connection's `spec()` keeps every field its spec model declares."""

from __future__ import annotations

import importlib
import typing
from typing import Any

import pytest

import polaris_pulumi as polaris
from polaris_pulumi import _access, _cli, _importer
from polaris_pulumi._kinds import (
    CONNECTION_TYPES,
    KINDS,
    connection_model,
    connection_type,
    parse_connection,
)
from polaris_pulumi.api import PolarisClient
from polaris_pulumi.connections import _any as any_
from polaris_pulumi.connections._foreign import ForeignConnection
from tests import samples

SAMPLES = {
    "confluent": [samples.CONNECTION],
    "kafka": [samples.KAFKA_SCRAM, samples.KAFKA_IAM, samples.KAFKA_MTLS],
    "confluent_schema_registry": [samples.REGISTRY],
    "push_streaming": [samples.PUSH],
    "kinesis": [samples.KINESIS],
    "s3": [samples.S3],
    "azure": [samples.AZURE],
}


def test_every_connection_type_has_samples() -> None:
    assert set(SAMPLES) == {c.name for c in CONNECTION_TYPES}


def test_the_typed_unions_are_the_registry() -> None:
    assert set(typing.get_args(any_.AnySpec)) == {c.spec for c in CONNECTION_TYPES}
    managed = {c.response for c in CONNECTION_TYPES if c.resource is not None}
    assert set(typing.get_args(any_.ManagedConnection)) == managed
    assert set(typing.get_args(any_.AnyConnection)) == {c.response for c in CONNECTION_TYPES}


def test_every_resource_is_public_with_its_args() -> None:
    for kind in KINDS:
        for res in kind.resources:
            assert res.name in polaris.__all__ and f"{res.name}Args" in polaris.__all__
            assert getattr(polaris, res.name).__module__ == f"polaris_pulumi.{kind.room}._resource"
        for extra in kind.extras:
            assert extra in polaris.__all__


def test_the_client_has_every_rooms_calls() -> None:
    for kind in KINDS:
        api = getattr(importlib.import_module(f"polaris_pulumi.{kind.room}._api"), kind.api)
        assert issubclass(PolarisClient, api), kind.api


def test_access_import_and_cli_read_the_registry() -> None:
    assert tuple(k.name for k in KINDS) == _importer.KIND_NAMES
    assert _importer.Selection().kinds == _importer.KIND_NAMES
    help_text = _cli.parser().parse_args(["import"]).kind
    assert help_text.split(",") == [k.name for k in KINDS]
    for kind in KINDS:  # each kind's probe is a path and a permission Polaris names
        assert kind.list_path.startswith("/") and kind.permission.startswith("Manage")
    assert _access.KINDS_BY_ROOM.keys() == {k.room for k in KINDS}


@pytest.mark.parametrize("conn", CONNECTION_TYPES, ids=lambda c: c.name)
def test_documents_dispatch_by_type(conn: Any) -> None:
    for doc in SAMPLES[conn.name]:
        assert connection_type(doc) is conn
        assert connection_model(doc) is conn.response
        assert isinstance(parse_connection(doc), conn.response)
    # A type Polaris adds later reads too, as what it is: a foreign connection.
    later = parse_connection({"type": "bigquery", "name": "x", "dataset": "d"})
    assert isinstance(later, ForeignConnection) and later.type == "bigquery"
    assert connection_type({"type": "bigquery"}) is None


def test_a_foreign_connection_never_shows_a_secret() -> None:
    for doc in (samples.S3, samples.AZURE):
        spec = connection_type(doc).spec.model_validate(doc)  # type: ignore[union-attr]
        shown = spec.without_password()
        assert shown["secrets"] == {"type": doc["secrets"]["type"]}
        assert samples.S3_SECRET not in str(shown) and "sig=" not in str(shown)


@pytest.mark.parametrize("conn", CONNECTION_TYPES, ids=lambda c: c.name)
def test_spec_keeps_every_field_of_the_spec_model(conn: Any) -> None:
    """A response's `spec()` derives from the spec model's fields: each sample's fields come
    back as they were sent, but the secrets Polaris never returns."""
    for doc in SAMPLES[conn.name]:
        sent = conn.spec.model_validate(doc)
        answered = {**sent.without_password(), "description": "said once"}
        spec = parse_connection(answered).spec()
        if conn.resource is None:  # not managed: read-only, no spec to declare
            assert spec is None and parse_connection(answered).description == "said once"
            continue
        assert type(spec) is conn.spec
        for field in conn.spec.model_fields:
            if field == "secrets":
                continue
            expected = "said once" if field == "description" else getattr(sent, field)
            if field == "ssl" and expected is not None and expected.keystore is not None:
                keystore = expected.keystore.model_copy(update={"key": None, "key_password": None})
                expected = expected.model_copy(update={"keystore": keystore})
            assert getattr(spec, field) == expected, field
        if "secrets" not in conn.spec.model_fields:
            continue
        shown = {k: v for k, v in doc["secrets"].items() if k != "password"}
        kept = spec.secrets.model_dump(by_alias=True, exclude_none=True) if spec.secrets else {}
        assert {k: v for k, v in kept.items() if k != "password"} == shown


def test_the_deprecated_confluent_secrets_are_left_out_of_the_spec() -> None:
    answered = {**samples.CONNECTION, "secrets": {"type": "confluent", "key": "OLDKEY"}}
    assert parse_connection(answered).spec().secrets is None
