"""Every streaming format's settings and the Schema Registry connection, through the
providers' `check` (values shaped as the engine sends them) and against the emulator."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi.output import Unknown

from polaris_pulumi.api import SchemaRegistryConnectionSpec, StreamingJobSpec
from polaris_pulumi.connections._provider import SchemaRegistryConnectionProvider
from polaris_pulumi.jobs._provider import StreamingJobProvider
from tests import samples
from tests.emulator_proc import EmulatorProcess


def _snake(model: Any, body: dict[str, Any]) -> dict[str, Any]:
    dumped = model.model_validate(body).model_dump(
        mode="json", exclude_none=True, exclude={"type"}, context={"reveal_secrets": True}
    )
    return dict(dumped)


REGISTRY = _snake(SchemaRegistryConnectionSpec, samples.REGISTRY)
AVRO_JOB = _snake(StreamingJobSpec, samples.avro_job("avro-table", "my_registry"))


def fmt_job(format_settings: dict[str, Any]) -> dict[str, Any]:
    job = copy.deepcopy(AVRO_JOB)
    job["source"]["format_settings"] = format_settings
    return job


def failures(result: Any) -> dict[str, str]:
    return {f.property: f.reason for f in result.failures}


REG = {"type": "connection", "connection_name": "my_registry"}
GOOD_FORMATS: dict[str, dict[str, Any]] = {
    "avro through a registry": {"format": "avro_stream", "parse_schema_provider": REG},
    "inline avro": {
        "format": "avro_stream",
        "parse_schema_provider": {"type": "inline-avro", "schema": samples.AVRO_SCHEMA},
        "binary_as_string": True,
    },
    "protobuf through a registry": {"format": "protobuf", "parse_schema_provider": REG},
    "inline protobuf": {
        "format": "protobuf",
        "parse_schema_provider": {
            "type": "inline-protobuf",
            "descriptor": samples.PROTO_DESCRIPTOR,
            "proto_message_type": "shop.Click",
        },
    },
    "kafka with key, headers and timestamp": {
        "format": "kafka",
        "value_format": {"format": "avro_stream", "parse_schema_provider": REG},
        "key_format": {"format": "csv", "columns": ["key"]},
        "key_column_name": "kafka.key",
        "header_format": "utf-8",
        "header_label_prefix": "kafka.header.",
        "timestamp_column_name": "kafka.timestamp",
    },
    "csv": {"format": "csv", "columns": ["ts", "page"], "delimiter": "|", "skip_header_rows": 1},
    "nd-json with a flatten spec": {
        "format": "nd-json",
        "flatten_spec": {
            "useFieldDiscovery": True,
            "fields": [{"type": "path", "name": "page", "expr": "$.page.url"}],
        },
    },
}


@pytest.mark.parametrize("name", GOOD_FORMATS)
def test_every_format_of_the_contract_passes_check(name: str) -> None:
    assert failures(StreamingJobProvider().check({}, fmt_job(GOOD_FORMATS[name]))) == {}


AT = "source.format_settings"
BAD_FORMATS: list[tuple[str, dict[str, Any], str, str]] = [
    ("avro without provider", {"format": "avro_stream"}, f"{AT}.parse_schema_provider", "required"),
    (
        "registry without name",
        {"format": "avro_stream", "parse_schema_provider": {"type": "connection"}},
        f"{AT}.parse_schema_provider.connection_name",
        "required",
    ),
    (
        "inline avro not avro",
        {
            "format": "avro_stream",
            "parse_schema_provider": {"type": "inline-avro", "schema": {"type": "recrod"}},
        },
        f"{AT}.parse_schema_provider.schema",
        "not a valid Avro schema",
    ),
    (
        "avro field of unknown type",
        {
            "format": "avro_stream",
            "parse_schema_provider": {
                "type": "inline-avro",
                "schema": {
                    "type": "record",
                    "name": "R",
                    "fields": [{"name": "a", "type": "text"}],
                },
            },
        },
        f"{AT}.parse_schema_provider.schema",
        "not a valid Avro schema",
    ),
    (
        "protobuf with an avro schema",
        {
            "format": "protobuf",
            "parse_schema_provider": {"type": "inline-avro", "schema": samples.AVRO_SCHEMA},
        },
        f"{AT}.parse_schema_provider.type",
        "inline-protobuf",
    ),
    (
        "protobuf descriptor not base64",
        {
            "format": "protobuf",
            "parse_schema_provider": {
                "type": "inline-protobuf",
                "descriptor": "not base64!",
                "proto_message_type": "Click",
            },
        },
        f"{AT}.parse_schema_provider.descriptor",
        "FileDescriptorSet",
    ),
    (
        "protobuf message not in descriptor",
        {
            "format": "protobuf",
            "parse_schema_provider": {
                "type": "inline-protobuf",
                "descriptor": samples.PROTO_DESCRIPTOR,
                "proto_message_type": "shop.View",
            },
        },
        f"{AT}.parse_schema_provider.proto_message_type",
        "shop.Click",
    ),
    (
        "schema provider setting of another type",
        {"format": "avro_stream", "parse_schema_provider": {**REG, "descriptor": "x"}},
        f"{AT}.parse_schema_provider.descriptor",
        "not a setting of type 'connection'",
    ),
    (
        "kafka value is kafka",
        {
            "format": "kafka",
            "value_format": {"format": "kafka", "value_format": {"format": "nd-json"}},
        },
        f"{AT}.value_format.format",
        "payload format",
    ),
    (
        "kafka header encoding",
        {"format": "kafka", "value_format": {"format": "nd-json"}, "header_format": "utf8"},
        f"{AT}.header_format",
        "utf-8",
    ),
    (
        "csv key without columns",
        {"format": "kafka", "value_format": {"format": "nd-json"}, "key_format": {"format": "csv"}},
        f"{AT}.key_format.columns",
        "required",
    ),
    ("csv delimiter", {"format": "csv", "delimiter": "||"}, f"{AT}.delimiter", "one character"),
    (
        "csv header rows",
        {"format": "csv", "skip_header_rows": -1},
        f"{AT}.skip_header_rows",
        "0 or more",
    ),
    ("csv columns twice", {"format": "csv", "columns": ["a", "a"]}, f"{AT}.columns[1]", "twice"),
    (
        "flatten type",
        {"format": "nd-json", "flatten_spec": {"fields": [{"type": "xpath", "name": "a"}]}},
        f"{AT}.flatten_spec.fields[0].type",
        "root, path, jq",
    ),
    (
        "flatten path",
        {
            "format": "nd-json",
            "flatten_spec": {"fields": [{"type": "path", "name": "a", "expr": "a.b"}]},
        },
        f"{AT}.flatten_spec.fields[0].expr",
        "JSONPath",
    ),
    (
        "flatten key",
        {"format": "nd-json", "flatten_spec": {"field": []}},
        f"{AT}.flatten_spec.field",
        "not a known property",
    ),
]


@pytest.mark.parametrize(
    ("case", "settings", "prop", "words"), BAD_FORMATS, ids=[c[0] for c in BAD_FORMATS]
)
def test_bad_format_settings_are_refused_by_check(
    case: str, settings: dict[str, Any], prop: str, words: str
) -> None:
    found = failures(StreamingJobProvider().check({}, fmt_job(settings)))
    assert prop in found and words in found[prop], (case, found)


def test_registry_connection_rules() -> None:
    provider = SchemaRegistryConnectionProvider()
    assert failures(provider.check({}, REGISTRY)) == {}
    bad = REGISTRY | {
        "urls": ["psrc-1.us-east-2.aws.confluent.cloud"],
        "secrets": {"type": "basic", "username": "", "password": samples.REGISTRY_PASSWORD},
    }
    found = failures(provider.check({}, bad))
    assert "http(s) URL" in found["urls[0]"] and "API key" in found["secrets.username"]
    assert "at least one" in failures(provider.check({}, REGISTRY | {"urls": []}))["urls"]
    sasl = REGISTRY | {"secrets": {**REGISTRY["secrets"], "type": "sasl_plain"}}
    assert "'basic'" in failures(provider.check({}, sasl))["secrets.type"]
    assert samples.REGISTRY_PASSWORD not in str(failures(provider.check({}, sasl)))
    # Unknown URLs (a registry made in the same program) are checked once known.
    assert failures(provider.check({}, REGISTRY | {"urls": Unknown()})) == {}


def test_registry_connection_lifecycle(emulator: EmulatorProcess) -> None:
    provider, jobs = SchemaRegistryConnectionProvider(), StreamingJobProvider()
    emulator.configure(provider, jobs)
    created = provider.create(provider.check({}, REGISTRY).inputs)
    assert created.id == "my_registry" and created.outs is not None
    assert created.outs["urls"] == REGISTRY["urls"]
    assert created.outs["secrets"] == {**REGISTRY["secrets"]}  # password kept, secret in state
    assert provider.diff(created.id, created.outs, REGISTRY).changes is False
    moved = REGISTRY | {"urls": ["https://psrc-yyyyy.eu-west-1.aws.confluent.cloud/"]}
    assert provider.diff(created.id, created.outs, moved).replaces == []
    updated = provider.update(created.id, created.outs, moved)
    assert updated.outs is not None and updated.outs["urls"] == moved["urls"]
    # A failed test puts the previous settings back.
    broken = moved | {"urls": ["https://psrc-down.invalid"]}
    with pytest.raises(Exception, match="Schema Registry .*put back"):
        provider.update(created.id, updated.outs, broken)
    assert emulator.client().get_connection("my_registry").urls == moved["urls"]  # type: ignore[union-attr]
    # A job naming a registry Polaris does not have fails at preview.
    missing = fmt_job(
        {"format": "avro_stream", "parse_schema_provider": {**REG, "connection_name": "nope"}}
    )
    found = failures(jobs.check({}, missing))
    assert "does not exist" in found[f"{AT}.parse_schema_provider.connection_name"]
    provider.delete(created.id, updated.outs)
    assert provider.read(created.id, updated.outs).id is None

    # adopt_existing takes over a registry connection of the name at the same URLs only.
    client = emulator.client()
    client.create_connection(SchemaRegistryConnectionSpec.model_validate(samples.REGISTRY))
    elsewhere = REGISTRY | {"urls": ["https://psrc-other.example.com"], "adopt_existing": True}
    with pytest.raises(Exception, match="not the one this program declares"):
        provider.create(provider.check({}, elsewhere).inputs)
    adopted = provider.create(provider.check({}, REGISTRY | {"adopt_existing": True}).inputs)
    assert adopted.id == "my_registry" and adopted.outs is not None
    with pytest.raises(Exception, match="already exists .* adopt_existing=True"):
        provider.create(provider.check({}, REGISTRY).inputs)


def test_a_job_reads_each_connection_as_its_type() -> None:
    SchemaRegistryConnectionProvider().check({}, REGISTRY)  # declared in this deployment
    swapped = fmt_job({"format": "avro_stream", "parse_schema_provider": REG})
    swapped["source"]["connection_name"] = "my_registry"
    found = failures(StreamingJobProvider().check({}, swapped))
    sources = "Connection or KafkaConnection or PushStreamingConnection or KinesisConnection"
    assert f"a streaming source ({sources})" in found["source.connection_name"]
