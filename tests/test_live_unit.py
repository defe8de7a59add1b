"""The real-Kafka side of the emulator without a broker: records decoded by each format (the
expected rows are built here from what was encoded), and the two rules that keep others out
(admin endpoints behind a token off loopback; the broker only on loopback)."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import fastavro
import httpx
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from polaris_pulumi.emulator.ingest._decode import Record, Unparseable, Unsupported, decode
from polaris_pulumi.emulator.kafka import broker
from polaris_pulumi.jobs._model import ConnectionSource
from tests.emulator_proc import EmulatorProcess


def source(fmt: dict[str, object], schema: list[tuple[str, str]] | None = None) -> ConnectionSource:
    return ConnectionSource.model_validate(
        {
            "connectionName": "c",
            "formatSettings": fmt,
            "inputSchema": [{"name": n, "dataType": t} for n, t in schema or []],
        }
    )


def test_nd_json_with_a_flatten_spec_and_input_types() -> None:
    value = {"page": "home", "user": {"id": 7, "geo": {"city": "Oslo"}}, "bytes": "12x"}
    fields = [{"type": "path", "name": "city", "expr": "$.user.geo.city"}]
    src = source(
        {"format": "nd-json", "flattenSpec": {"fields": fields}},
        [("bytes", "long"), ("page", "string")],
    )
    out = decode(src, Record(json.dumps(value).encode()))
    # "12x" is no long: null, and the row counts as processed with a warning.
    assert out.rows == [{**value, "city": "Oslo", "bytes": None}]
    assert out.warnings == 1
    with pytest.raises(Unparseable, match="not JSON"):
        decode(src, Record(b'{"page": '))
    jq = source({"format": "nd-json", "flattenSpec": {"fields": [{"type": "jq", "name": "x"}]}})
    with pytest.raises(Unsupported, match="'jq'"):
        decode(jq, Record(b"{}"))


def test_csv_rows_by_columns() -> None:
    src = source(
        {"format": "csv", "columns": ["page", "bytes"], "skipHeaderRows": 1},
        [("bytes", "long")],
    )
    out = decode(src, Record(b"page,bytes\nhome,10\nabout,20\n"))
    assert out.rows == [{"page": "home", "bytes": 10}, {"page": "about", "bytes": 20}]
    with pytest.raises(Unparseable, match="2 columns"):
        decode(src, Record(b"h\nonly-one\n"))


def test_avro_stream_with_an_inline_schema() -> None:
    schema = {
        "type": "record",
        "name": "View",
        "fields": [{"name": "page", "type": "string"}, {"name": "bytes", "type": "long"}],
    }
    value = {"page": "home", "bytes": 42}
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(dict(schema)), value)
    provider = {"type": "inline-avro", "schema": schema}
    src = source({"format": "avro_stream", "parseSchemaProvider": provider})
    assert decode(src, Record(buf.getvalue())).rows == [value]
    with pytest.raises(Unparseable):
        decode(src, Record(b"\xff"))


def _view_descriptor() -> descriptor_pb2.FileDescriptorSet:
    file = descriptor_pb2.FileDescriptorProto(name="view.proto", package="demo", syntax="proto3")
    message = file.message_type.add(name="View")
    message.field.add(name="page", number=1, type=9, label=1)  # string
    message.field.add(name="bytes", number=2, type=3, label=1)  # int64
    return descriptor_pb2.FileDescriptorSet(file=[file])


def test_protobuf_with_an_inline_descriptor() -> None:
    files = _view_descriptor()
    pool = descriptor_pool.DescriptorPool()
    pool.Add(files.file[0])
    view = message_factory.GetMessageClass(pool.FindMessageTypeByName("demo.View"))
    encoded = view(page="home", bytes=42).SerializeToString()
    provider = {
        "type": "inline-protobuf",
        "descriptor": base64.b64encode(files.SerializeToString()).decode(),
        "protoMessageType": "demo.View",
    }
    src = source({"format": "protobuf", "parseSchemaProvider": provider}, [("bytes", "long")])
    # The JSON mapping of protobuf writes int64 as a string; the input schema reads it back.
    assert decode(src, Record(encoded)).rows == [{"page": "home", "bytes": 42}]


def test_kafka_format_value_key_headers_and_timestamp() -> None:
    src = source(
        {
            "format": "kafka",
            "valueFormat": {"format": "nd-json"},
            "keyColumnName": "k",
            "headerLabelPrefix": "h.",
            "timestampColumnName": "ts",
        }
    )
    record = Record(b'{"page": "home"}', b"user-1", [("origin", b"web")], 1764584400000)
    assert decode(src, record).rows == [
        {"page": "home", "k": "user-1", "h.origin": "web", "ts": 1764584400000}
    ]


def _emulator(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polaris_pulumi.emulator", "--db", ":memory:", *args],
        env={**os.environ, "POLARIS_API_KEY": "k", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_off_loopback_the_admin_endpoints_need_the_token(tmp_path: Path) -> None:
    refused = _emulator("--host", "0.0.0.0", "--port", "0")
    assert refused.returncode != 0 and "POLARIS_EMULATOR_ADMIN_TOKEN" in refused.stderr
    token = "admin-token-" + os.urandom(8).hex()
    proc = EmulatorProcess(tmp_path / "emu", flags=["--host", "0.0.0.0"])
    os.environ["POLARIS_EMULATOR_ADMIN_TOKEN"] = token
    try:
        proc.start()
    finally:
        del os.environ["POLARIS_EMULATOR_ADMIN_TOKEN"]
    try:
        url = proc.url.replace("0.0.0.0", "127.0.0.1")
        for method, path in [("GET", "counters"), ("PUT", "faults"), ("POST", "wipe")]:
            bare = httpx.request(method, f"{url}/_emulator/{path}", json={})
            assert bare.status_code == 401, (path, bare.text)
            wrong = httpx.request(
                method, f"{url}/_emulator/{path}", json={}, headers={"Authorization": "Bearer x"}
            )
            assert wrong.status_code == 401
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{url}/_emulator/counters", headers=auth).status_code == 200
        assert httpx.get(f"{url}/_emulator/health").status_code == 200  # readiness stays open
        api = httpx.get(
            f"{url}/v1/projects/{proc.project_id}/connections",
            headers={"Authorization": f"Basic {proc.api_key}"},
        )
        assert api.status_code == 200
    finally:
        proc.stop()


def test_on_loopback_the_admin_endpoints_are_open(emulator: EmulatorProcess) -> None:
    assert httpx.get(f"{emulator.url}/_emulator/counters").status_code == 200


def test_the_broker_stays_on_loopback(tmp_path: Path) -> None:
    with pytest.raises(broker.BrokerError, match="loopback only"):
        broker.start(tmp_path / "lib", tmp_path / "kafka", host="0.0.0.0")
    assert not (tmp_path / "kafka").exists()  # refused before anything was written
    refused = _emulator("--kafka-broker", "10.1.2.3:9092")
    assert refused.returncode != 0 and "loopback only" in refused.stderr
