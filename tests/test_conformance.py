"""Conformance with Polaris' published contract: Imply's official SDK against our code.

1. The official SDK's client (`ProjectClient.from_endpoint`) drives a real emulator process
   through every operation the project uses. Each answer's status code is one the SDK's
   operation accepts, and its body has the shape of the model the SDK deserializes for that
   code: no unknown or missing keys, right types, enum values (tests/contract.py).
2. Each request `PolarisClient` sends (method, path, query, body keys and value types) is what
   the SDK's request builder and serializer produce for the same operation.
"""

from __future__ import annotations

import json
import time
import typing
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from polaris.sdk.client import ProjectClient
from polaris.sdk.project_api._serialization import Deserializer

from polaris_pulumi import _contract as _models
from polaris_pulumi._kinds import connection_type
from polaris_pulumi.api import (
    BadRequestError,
    ConnectionSpec,
    PolarisClient,
    SchemaRegistryConnectionSpec,
    StreamingJobSpec,
    TableSpec,
)
from polaris_pulumi.lookups._model import LookupSpec
from tests import samples
from tests.contract import MODELS, operation, sdk_request, serialize, shape_problems
from tests.emulator_proc import FAST_RETRIES, EmulatorProcess

# --- 1. the SDK against the emulator -------------------------------------------------------


@pytest.fixture
def sdk(emulator: EmulatorProcess) -> ProjectClient:
    return ProjectClient.from_endpoint(emulator.project_id, emulator.url, emulator.api_key)


def model(name: str, body: dict[str, Any]) -> Any:
    """A camelCase body as the SDK's request model (resolving its subtype)."""
    return Deserializer(MODELS)(name, body)


def call(method: Callable[..., Any], *args: Any, expect: int, **kwargs: Any) -> Any:
    """One SDK operation: the status it must answer, and a body of the contract's shape."""
    contract = operation(getattr(type(method.__self__), method.__name__))  # type: ignore[attr-defined]
    assert expect in contract.accepted, f"{contract.name} does not accept {expect}"
    response = method(*args, cls=lambda pipeline, _d, _h: pipeline.http_response, **kwargs)
    assert response.status_code == expect, (contract.name, response.status_code, response.text())
    shape = contract.models.get(expect)
    text = response.text()
    if shape is None:
        assert text == "", f"{contract.name} {expect} has a body: {text}"
        return response
    problems = shape_problems(json.loads(text), shape)
    assert problems == [], f"{contract.name} {expect} is not a {shape}: {problems}"
    return response


def body(response: Any) -> Any:
    return json.loads(response.text())


def test_connections_through_the_official_sdk(sdk: ProjectClient) -> None:
    ops = sdk.connections
    created = call(
        ops.create_connection, model("CreateConnectionRequest", samples.CONNECTION), expect=201
    )
    assert created.headers["Location"].endswith("/connections/my_connection")
    call(ops.create_connection, model("CreateConnectionRequest", samples.CONNECTION), expect=409)
    invalid = samples.connection(name="bad", bootstrapServers="SASL_SSL://x:9092")
    refused = body(
        call(ops.create_connection, model("CreateConnectionRequest", invalid), expect=400)
    )
    assert refused["details"][0]["target"] == "bootstrapServers"

    call(ops.get_connection, "my_connection", expect=200)
    call(ops.get_connection, "nope", expect=404)
    update = {
        "type": "confluent",
        "topicName": "events-.*",
        "topicNameIsPattern": True,
        "description": "d",
    }
    updated = body(
        call(
            ops.update_connection,
            "my_connection",
            model("UpdateConnectionRequest", update),
            expect=200,
        )
    )
    assert (updated["topicNameIsPattern"], updated["description"]) == (True, "d")
    assert updated["bootstrapServers"] == samples.CONNECTION["bootstrapServers"]  # kept
    call(ops.update_connection, "nope", model("UpdateConnectionRequest", update), expect=404)
    bad_update = {"type": "confluent", "bootstrapServers": "no-port"}
    call(
        ops.update_connection,
        "my_connection",
        model("UpdateConnectionRequest", bad_update),
        expect=400,
    )

    call(ops.test_connection, "my_connection", expect=200)  # passes: no body
    missing = samples.connection(name="gone", topicName="missing_topic")
    call(ops.create_connection, model("CreateConnectionRequest", missing), expect=201)
    failed = body(call(ops.test_connection, "gone", expect=400))
    assert "Unknown topic" in failed["message"] and failed["details"][0]["target"] == "topicName"
    call(ops.test_connection, "nope", expect=404)

    # The deprecated `confluent` secrets type is readable.
    legacy = samples.connection(
        name="legacy", secrets={"type": "confluent", "key": "K", "secret": "S"}
    )
    call(ops.create_connection, model("CreateConnectionRequest", legacy), expect=201)
    assert body(call(ops.get_connection, "legacy", expect=200))["secrets"] == {
        "type": "confluent",
        "key": "K",
    }
    listed = body(call(ops.list_connections, expect=200))
    assert sorted(c["name"] for c in listed["values"]) == ["gone", "legacy", "my_connection"]

    call(ops.delete_connection, "gone", expect=200)
    call(ops.delete_connection, "gone", expect=404)


def test_kafka_connections_through_the_official_sdk(sdk: ProjectClient) -> None:
    """`kafka` connections with each secrets type, and mutual TLS: create, read, PATCH,
    test, delete; never a password or a private key in an answer."""
    ops = sdk.connections
    for sample in (samples.KAFKA_SCRAM, samples.KAFKA_IAM, samples.KAFKA_MTLS):
        created = body(
            call(ops.create_connection, model("CreateConnectionRequest", sample), expect=201)
        )
        text = json.dumps(created)
        for secret in (samples.SCRAM_PASSWORD, samples.PEM_KEY, samples.KEY_PASSWORD):
            assert json.dumps(secret)[1:-1] not in text
        assert created["type"] == "kafka" and created["topicName"] == sample["topicName"]
        read = body(call(ops.get_connection, sample["name"], expect=200))
        assert read == created
        call(ops.test_connection, sample["name"], expect=200)
    scram = body(call(ops.get_connection, "my_kafka", expect=200))
    assert scram["secrets"] == {
        "type": "sasl_scram",
        "mechanism": "SCRAM-SHA-512",
        "username": "ingest",
    }
    assert scram["clientRack"] == "use1-az1"
    iam = body(call(ops.get_connection, "my_msk", expect=200))
    assert iam["secrets"] == samples.KAFKA_IAM["secrets"]
    mtls = body(call(ops.get_connection, "my_mtls", expect=200))
    assert mtls["ssl"]["keystore"] == {
        "type": "pem",
        "certificates": samples.PEM_CERT,
        "key": "**********",  # required by the contract's model; never the key itself
    }
    assert mtls["ssl"]["truststore"] == samples.KAFKA_MTLS["ssl"]["truststore"]
    # PATCH: a new mechanism and password; the rest is kept.
    update = {
        "type": "kafka",
        "secrets": {"type": "sasl_scram", "mechanism": "SCRAM-SHA-256", "username": "ingest",
                    "password": "rotated"},
    }  # fmt: skip
    patched = body(
        call(
            ops.update_connection, "my_kafka", model("UpdateConnectionRequest", update), expect=200
        )
    )
    assert patched["secrets"]["mechanism"] == "SCRAM-SHA-256"
    assert patched["bootstrapServers"] == samples.KAFKA_SCRAM["bootstrapServers"]
    # Refused: an unknown mechanism, an IAM role that is no ARN, a keystore without its key.
    refused = [
        samples.KAFKA_SCRAM | {"name": "bad1", "secrets": {**samples.KAFKA_SCRAM["secrets"], "mechanism": "MD5"}},
        samples.KAFKA_IAM | {"name": "bad2", "secrets": {"type": "aws_iam", "awsAssumedRoleArn": "polaris"}},
        samples.KAFKA_MTLS | {"name": "bad3", "ssl": {"keystore": {"type": "pem", "certificates": samples.PEM_CERT}}},
    ]  # fmt: skip
    for bad in refused:
        answer = body(
            call(ops.create_connection, model("CreateConnectionRequest", bad), expect=400)
        )
        assert answer["details"], answer
    # A job reads a `kafka` connection as its source.
    job = samples.job(table="from-kafka", connection_name="my_kafka")
    call(sdk.jobs.create_job, model("CreateJobRequest", job), expect=201)
    for sample in (samples.KAFKA_IAM, samples.KAFKA_MTLS):
        call(ops.delete_connection, sample["name"], expect=200)


def test_jobs_through_the_official_sdk(sdk: ProjectClient, emulator: EmulatorProcess) -> None:
    call(
        sdk.connections.create_connection,
        model("CreateConnectionRequest", samples.CONNECTION),
        expect=201,
    )
    jobs = sdk.jobs
    first = body(call(jobs.create_job, model("CreateJobRequest", samples.JOB), expect=201))
    assert first["executionStatus"] == "pending" and first["spec"]["createTableIfNotExists"] is True
    # One streaming job per table: createJob answers 201, 400 or 415, so this is a 400.
    call(jobs.create_job, model("CreateJobRequest", samples.JOB), expect=400)
    unknown_conn = samples.job(table="other", connection_name="nope")
    call(jobs.create_job, model("CreateJobRequest", unknown_conn), expect=400)
    job_id = first["id"]

    call(jobs.describe_job, job_id, expect=200)
    call(jobs.describe_job, "00000000-0000-0000-0000-000000000000", expect=404)
    emulator.advance(0.2)  # --job-start-delay
    assert body(call(jobs.describe_job_status, job_id, expect=200)) == {
        "executionStatus": "running"
    }
    call(jobs.describe_job_status, "nope", expect=404)
    call(jobs.describe_job_metrics, job_id, expect=200)
    call(jobs.describe_job_metrics, "nope", expect=404)
    logs = body(call(jobs.describe_job_logs, job_id, expect=200))
    assert isinstance(logs["logs"], list)
    model("JobLogsResponse", logs)  # the SDK's own schema reads it
    call(jobs.describe_job_logs, "nope", expect=404)
    call(jobs.reset_job, job_id, expect=200)
    call(jobs.reset_job, "nope", expect=404)

    status = model("UpdateJobStatusRequest", {"desiredExecutionStatus": "suspended"})
    call(jobs.update_job_status, job_id, status, expect=200)
    call(jobs.update_job_status, "nope", status, expect=404)
    emulator.advance(0.1)  # --job-cancel-delay
    assert body(call(jobs.describe_job, job_id, expect=200))["executionStatus"] == "suspended"
    resume = model("UpdateJobStatusRequest", {"desiredExecutionStatus": "running"})
    put = body(call(jobs.update_job, job_id, resume, expect=200))  # PUT takes the status only
    assert put["desiredExecutionStatus"] == "running"
    call(jobs.update_job, "nope", resume, expect=404)

    # A spec change is a new job with replaceRunning: it takes the running job's place.
    replacement = samples.job() | {"replaceRunning": True, "lateMessageRejectionPeriod": "P90D"}
    second = body(call(jobs.create_job, model("CreateJobRequest", replacement), expect=201))
    emulator.advance(0.1)
    assert body(call(jobs.describe_job, job_id, expect=200))["executionStatus"] == "canceled"
    cancel = model("UpdateJobStatusRequest", {"desiredExecutionStatus": "canceled"})
    call(jobs.update_job_status, second["id"], cancel, expect=200)
    emulator.advance(0.1)

    drop = {
        "type": "drop_table",
        "target": {"type": "table", "tableName": "sample-confluent-ingestion"},
    }
    call(jobs.create_job, model("CreateJobRequest", drop), expect=201)

    # List: summaries, filters, pagination.
    everything = body(call(jobs.list_jobs, expect=200))
    assert len(everything["values"]) == 3 and everything["moreResultsAvailable"] is False
    streaming = body(call(jobs.list_jobs, type=["streaming"], expect=200))["values"]
    assert {j["source"]["connectionName"] for j in streaming} == {"my_connection"}
    assert all(set(j["source"]) == {"type", "connectionName"} for j in streaming)
    page = body(
        call(
            jobs.list_jobs,
            pagination_limit=2,
            sort_order="ASC",
            sort_column="created_date_time",
            expect=200,
        )
    )
    assert [j["id"] for j in page["values"]] == [job_id, second["id"]] and page[
        "moreResultsAvailable"
    ]
    rest = body(
        call(jobs.list_jobs, pagination_limit=2, pagination_offset=2, sort_order="ASC", expect=200)
    )
    assert len(rest["values"]) == 1 and rest["moreResultsAvailable"] is False
    for filters, expected in [
        (
            {"target_table_name": "sample-confluent-ingestion", "type": ["streaming"]},
            {job_id, second["id"]},
        ),
        (
            {"connection_name": ["my_connection"], "execution_status": ["canceled"]},
            {job_id, second["id"]},
        ),
        ({"health_status": ["error", "warn"]}, set()),
        (
            {"type": ["drop_table"]},
            {j["id"] for j in everything["values"]} - {job_id, second["id"]},
        ),
    ]:
        found = body(call(jobs.list_jobs, expect=200, **filters))["values"]
        assert {j["id"] for j in found} == expected, filters
    raw = httpx.get(
        f"{emulator.url}/v1/projects/{emulator.project_id}/jobs",
        params={"executionStatus": "canceling"},
        headers={"Authorization": f"Basic {emulator.api_key}"},
    )
    assert raw.status_code == 400 and shape_problems(raw.json(), "ErrorResponse") == []


def test_job_health_through_the_official_sdk(sdk: ProjectClient, emulator: EmulatorProcess) -> None:
    """A failed job (health error, a JobErrorCodeV2), a warning, an idle job: on the contract."""
    conns = {
        "broken": {"bootstrapServers": "broker.invalid:9092"},
        "noisy": {"topicName": "warn_topic"},
        "quiet": {"topicName": "idle_topic"},
    }
    ids = {}
    for name, changes in conns.items():
        conn = model("CreateConnectionRequest", samples.connection(name=name, **changes))
        call(sdk.connections.create_connection, conn, expect=201)
        job = model("CreateJobRequest", samples.job(table=f"t-{name}", connection_name=name))
        ids[name] = body(call(sdk.jobs.create_job, job, expect=201))["id"]
    emulator.advance(0.2)  # --job-start-delay
    seen = {name: body(call(sdk.jobs.describe_job, i, expect=200)) for name, i in ids.items()}
    broken, noisy = seen["broken"], seen["noisy"]
    assert (broken["executionStatus"], broken["health"]["status"]) == ("failed", "error")
    assert broken["health"]["code"] == "could_not_connect_to_source"
    assert (noisy["executionStatus"], noisy["health"]["status"]) == ("running", "warn")
    assert seen["quiet"]["executionStatus"] == "idle"
    warned = body(call(sdk.jobs.list_jobs, health_status=["warn"], expect=200))["values"]
    assert [j["id"] for j in warned] == [ids["noisy"]]
    failed = body(call(sdk.jobs.list_jobs, health_status=["error"], expect=200))["values"]
    assert [j["id"] for j in failed] == [ids["broken"]]


def test_tables_and_errors_through_the_official_sdk(
    sdk: ProjectClient, emulator: EmulatorProcess
) -> None:
    call(
        sdk.connections.create_connection,
        model("CreateConnectionRequest", samples.CONNECTION),
        expect=201,
    )
    call(sdk.jobs.create_job, model("CreateJobRequest", samples.JOB), expect=201)
    tables = body(call(sdk.tables.list_tables, expect=200))["values"]
    assert [t["name"] for t in tables] == ["sample-confluent-ingestion"]
    described = body(call(sdk.tables.describe_table, "sample-confluent-ingestion", expect=200))
    assert (described["type"], described["schemaMode"]) == ("detail", "flexible")
    call(sdk.tables.describe_table, "nope", expect=404)
    # Declared tables: create (201 and Location), duplicate (409), PUT at the current version
    # (200), at a stale one (409), and what cannot change (400).
    for declared in (samples.AGGREGATE_TABLE, samples.DETAIL_TABLE):
        created = call(sdk.tables.create_table, model("TablePayload", declared), expect=201)
        assert created.headers["Location"].endswith(f"/tables/{declared['name']}")
        assert body(created)["schema"] == declared["schema"]
        call(sdk.tables.create_table, model("TablePayload", declared), expect=409)
    hourly = samples.AGGREGATE_TABLE["name"]
    changed = samples.AGGREGATE_TABLE | {"partitioningGranularity": "hour", "version": 0}
    updated = body(
        call(sdk.tables.update_table, hourly, model("TablePayload", changed), expect=200)
    )
    assert (updated["version"], updated["partitioningGranularity"]) == (1, "hour")
    call(sdk.tables.update_table, hourly, model("TablePayload", changed), expect=409)
    as_detail = samples.DETAIL_TABLE | {"name": hourly, "version": 1}
    call(sdk.tables.update_table, hourly, model("TablePayload", as_detail), expect=400)
    listed = body(call(sdk.tables.list_tables, partitioning_granularity="hour", expect=200))
    assert [t["name"] for t in listed["values"]] == [hourly]
    # A table a running streaming job writes to is not dropped (a 400 on createJob).
    drop = {
        "type": "drop_table",
        "target": {"type": "table", "tableName": samples.JOB["target"]["tableName"]},
    }
    call(sdk.jobs.create_job, model("CreateJobRequest", drop), expect=400)
    # Errors outside any operation's accepted codes still have the ErrorResponse shape.
    for headers in ({"Authorization": "Basic wrong"}, {}):
        unauthorized = httpx.get(
            f"{emulator.url}/v1/projects/{emulator.project_id}/tables", headers=headers
        )
        assert unauthorized.status_code == 401
        assert shape_problems(unauthorized.json(), "ErrorResponse") == []
    not_json = httpx.post(
        f"{emulator.url}/v1/projects/{emulator.project_id}/connections",
        content=b"name=x",
        headers={"Authorization": f"Basic {emulator.api_key}", "Content-Type": "text/plain"},
    )
    assert not_json.status_code == 415 and shape_problems(not_json.json(), "ErrorResponse") == []


# --- 2. PolarisClient's requests against the SDK's request builders ------------------------


class Recorder:
    """An httpx.MockTransport that records each request and forwards it to the emulator."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []
        self._real = httpx.HTTPTransport()
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen.append(request)
        response = self._real.handle_request(request)
        response.read()
        return response

    def take(self) -> list[httpx.Request]:
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture
def recorded(emulator: EmulatorProcess) -> Iterator[tuple[PolarisClient, Recorder]]:
    recorder = Recorder()
    client = PolarisClient(
        api_key=emulator.api_key,
        url=emulator.url,
        project_id=emulator.project_id,
        retry=FAST_RETRIES,
        transport=recorder.transport,
    )
    yield client, recorder
    client.close()


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


# Query parameters the SDK's builders always send with their documented defaults.
BUILDER_DEFAULTS = {"sortColumn": ["last_updated_date_time"], "sortOrder": ["DESC"]}


def assert_as_sdk(
    ours: httpx.Request, project_id: str, builder: str, body_model: str | None = None, **args: Any
) -> None:
    """Our request is the SDK's: method, path, query, and a body the SDK's model round-trips."""
    sent = json.loads(ours.content) if ours.content else None
    if body_model is not None:
        assert sent is not None, f"{builder}: no body"
        assert sent == serialize(body_model, sent), f"{builder}: not a {body_model}: {sent}"
        assert ours.headers["content-type"] == "application/json"
        args["json"] = sent
    else:
        assert sent is None, f"{builder}: unexpected body {sent}"
    sdk = sdk_request(builder, project_id=project_id, **args)
    assert ours.method == sdk.method, builder
    assert ours.url.path == urlsplit(sdk.url).path, builder
    ours_q, sdk_q = _query(str(ours.url)), _query(sdk.url)
    assert {k: v for k, v in sdk_q.items() if BUILDER_DEFAULTS.get(k) != v} == ours_q, builder
    assert "Basic " in ours.headers["authorization"]


def test_client_requests_are_the_sdks(
    recorded: tuple[PolarisClient, Recorder], emulator: EmulatorProcess
) -> None:
    client, rec = recorded
    p = emulator.project_id
    spec = ConnectionSpec.model_validate(samples.connection(topicNameIsPattern=False))

    client.create_connection(spec)
    [req] = rec.take()
    assert_as_sdk(req, p, "build_connections_create_connection_request", "CreateConnectionRequest")
    client.get_connection("my_connection")
    assert_as_sdk(
        rec.take()[0], p, "build_connections_get_connection_request", name="my_connection"
    )
    client.list_connections()
    assert_as_sdk(rec.take()[0], p, "build_connections_list_connections_request")
    client.update_connection(spec.model_copy(update={"description": "d"}))
    [req] = rec.take()
    assert_as_sdk(
        req,
        p,
        "build_connections_update_connection_request",
        "UpdateConnectionRequest",
        name="my_connection",
    )
    assert "name" not in json.loads(req.content)
    registry = SchemaRegistryConnectionSpec.model_validate(samples.REGISTRY)
    client.create_connection(registry)
    assert_as_sdk(
        rec.take()[0], p, "build_connections_create_connection_request", "CreateConnectionRequest"
    )
    client.update_connection(
        registry.model_copy(update={"urls": ["https://psrc-2.example.com"], "description": "d"})
    )
    [req] = rec.take()
    assert_as_sdk(
        req,
        p,
        "build_connections_update_connection_request",
        "UpdateConnectionRequest",
        name="my_registry",
    )
    assert json.loads(req.content)["type"] == "confluent_schema_registry"
    client.test_connection("my_connection")
    assert_as_sdk(
        rec.take()[0], p, "build_connections_test_connection_request", name="my_connection"
    )

    job = client.create_job(StreamingJobSpec.model_validate(samples.JOB))
    assert_as_sdk(rec.take()[0], p, "build_jobs_create_job_request", "CreateJobRequest")
    client.get_job(job.id)
    assert_as_sdk(rec.take()[0], p, "build_jobs_describe_job_request", job_id=job.id)
    client.get_job_status(job.id)
    assert_as_sdk(rec.take()[0], p, "build_jobs_describe_job_status_request", job_id=job.id)
    client.get_job_metrics(job.id)
    assert_as_sdk(rec.take()[0], p, "build_jobs_describe_job_metrics_request", job_id=job.id)
    client.get_job_logs(job.id)
    assert_as_sdk(rec.take()[0], p, "build_jobs_describe_job_logs_request", job_id=job.id)
    client.reset_job(job.id)
    assert_as_sdk(rec.take()[0], p, "build_jobs_reset_job_request", job_id=job.id)
    client.set_job_status(job.id, "suspended")
    assert_as_sdk(
        rec.take()[0],
        p,
        "build_jobs_update_job_status_request",
        "UpdateJobStatusRequest",
        job_id=job.id,
    )
    client.list_jobs(
        types=["streaming"],
        health_status=["ok", "warn"],
        execution_status=["running", "idle"],
        connection_name=["my_connection"],
        target_table_name="sample-confluent-ingestion",
        page_size=50,
    )
    assert_as_sdk(
        rec.take()[0],
        p,
        "build_jobs_list_jobs_request",
        type=["streaming"],
        health_status=["ok", "warn"],
        execution_status=["running", "idle"],
        connection_name=["my_connection"],
        target_table_name="sample-confluent-ingestion",
        pagination_limit=50,
        pagination_offset=0,
    )
    client.cancel_job(job.id)
    get, post = rec.take()
    assert_as_sdk(get, p, "build_jobs_describe_job_request", job_id=job.id)
    assert_as_sdk(
        post, p, "build_jobs_update_job_status_request", "UpdateJobStatusRequest", job_id=job.id
    )
    assert json.loads(post.content) == {"desiredExecutionStatus": "canceled"}
    client.wait_for_end(job.id, timeout=10, poll_interval=0.05)
    rec.take()

    table = TableSpec.model_validate(samples.AGGREGATE_TABLE)
    client.create_table(table)
    assert_as_sdk(rec.take()[0], p, "build_tables_create_table_request", "TablePayload")
    client.update_table(table.model_copy(update={"description": "hourly"}))
    [get, put] = rec.take()
    assert_as_sdk(get, p, "build_tables_describe_table_request", table_name=table.name)
    assert_as_sdk(
        put, p, "build_tables_update_table_request", "TablePayload", table_name=table.name
    )
    assert json.loads(put.content)["version"] == 0
    client.get_table("sample-confluent-ingestion")
    assert_as_sdk(
        rec.take()[0],
        p,
        "build_tables_describe_table_request",
        table_name="sample-confluent-ingestion",
    )
    client.list_tables()
    assert_as_sdk(rec.take()[0], p, "build_tables_list_tables_request")
    client.delete_table("sample-confluent-ingestion")
    [req] = rec.take()
    assert_as_sdk(req, p, "build_jobs_create_job_request", "CreateJobRequest")
    assert json.loads(req.content)["type"] == "drop_table"
    client.delete_connection("my_connection")
    assert_as_sdk(
        rec.take()[0], p, "build_connections_delete_connection_request", name="my_connection"
    )
    client.query_sql("SELECT ? AS n", parameters=[("BIGINT", 1)], context={"sqlQueryId": "q-1"})
    [req] = rec.take()
    assert_as_sdk(req, p, "build_query_query_sync_request", "SqlRequest")
    _streams_requests_are_the_sdks(client, rec, p)


def _streams_requests_are_the_sdks(client: PolarisClient, rec: Recorder, p: str) -> None:
    """Push streaming and Kinesis connections, pushed events, and the lookups' list."""
    for sample in (samples.PUSH, samples.KINESIS):
        client.create_connection(connection_type(sample).spec.model_validate(sample))  # type: ignore[union-attr]
        assert_as_sdk(
            rec.take()[0],
            p,
            "build_connections_create_connection_request",
            "CreateConnectionRequest",
        )
    events = [{"ts": "2026-12-01T00:00:00Z", "n": n} for n in range(3)]
    assert client.push_events("my_push", events) == 3
    [req] = rec.take()
    sdk = sdk_request(
        "build_events_push_events_using_connection_request",
        project_id=p,
        connection_name="my_push",
        content_type="application/json",
    )
    assert (req.method, req.url.path) == (sdk.method, urlsplit(sdk.url).path)
    assert req.headers["content-type"] == sdk.headers["Content-Type"]
    assert [json.loads(line) for line in req.content.splitlines()] == events
    _lookup_requests_are_the_sdks(client, rec, p)


def _lookup_requests_are_the_sdks(client: PolarisClient, rec: Recorder, p: str) -> None:
    """A lookup's life: its table, create (then its aliases), read, change, delete."""
    client.create_table(TableSpec.model_validate(samples.LOOKUP_TABLE))
    rec.take()
    spec = LookupSpec.model_validate(samples.LOOKUP)
    client.create_lookup(spec)
    create, aliases = rec.take()
    assert_as_sdk(create, p, "build_lookups_create_lookup_request", "CreateLookupRequest")
    name = spec.name
    assert_as_sdk(
        aliases,
        p,
        "build_lookups_update_lookup_aliases_request",
        "UpdateLookupAliasesRequest",
        lookup_name=name,
    )
    client.get_lookup(name)
    get, listed = rec.take()
    assert_as_sdk(get, p, "build_lookups_get_lookup_request", lookup_name=name)
    assert_as_sdk(listed, p, "build_lookups_list_lookup_aliases_request", lookup_name=name)
    client.list_lookups()
    assert_as_sdk(rec.take()[0], p, "build_lookups_list_lookups_request")
    client.update_lookup(spec)
    update, aliases = rec.take()
    assert_as_sdk(
        update, p, "build_lookups_update_lookup_request", "UpdateLookupRequest", lookup_name=name
    )
    client.delete_lookup(name)
    assert_as_sdk(rec.take()[0], p, "build_lookups_delete_lookup_request", lookup_name=name)


def test_every_client_operation_is_covered() -> None:
    """A new PolarisClient method must join the comparison above."""
    covered = {
        "create_connection", "get_connection", "list_connections", "update_connection",
        "delete_connection", "test_connection", "create_job", "get_job", "get_job_status",
        "get_job_metrics", "get_job_logs", "list_jobs", "set_job_status", "cancel_job", "reset_job",
        "get_table", "list_tables", "delete_table", "create_table", "update_table",
        "query_sql", "push_events", "list_lookups", "create_lookup", "get_lookup",
        "update_lookup", "delete_lookup", "list_lookup_aliases", "set_lookup_aliases",
    }  # fmt: skip
    # Built from the others (their requests are the ones compared): no requests of their own.
    composed = {
        "find_job_matching",
        "reclaim_connection",
        "reclaim_table",
        "active_jobs",
        "active_job_for_table",
        "wait_for_start",
        "wait_for_jobs",
        "wait_for_end",
        "wait_for_table_gone",
        "close",
    }
    public = {
        n
        for n in dir(PolarisClient)
        if not n.startswith("_") and callable(getattr(PolarisClient, n))
    }
    assert public - composed == covered


def test_the_contract_checks_catch_departures() -> None:
    """The checks above are not vacuous: each kind of departure is found."""
    job = {
        "id": "j",
        "type": "streaming",
        "desiredExecutionStatus": "running",
        "executionStatus": "running",
        "health": {"status": "ok"},
        "createdBy": {"username": "u", "userId": "i"},
        "lastModifiedBy": {"username": "u", "userId": "i"},
        "createdTimestamp": "2026-01-01T00:00:00.000000000Z",
        "lastUpdatedTimestamp": "2026-01-01T00:00:00.000000000Z",
        "spec": samples.JOB,
        "target": {"type": "table", "tableName": "t"},
        "source": samples.JOB["source"],
    }
    assert shape_problems(job, "JobResponse") == []
    departures = {
        "createTableIfNotExists": True,  # lives only under spec
        "executionStatus": "canceling",  # not in JobExecutionStatusV2
        "createdTimestamp": "yesterday",
        "health": {"status": "error"},  # an error health needs its code
        "type": "streeming",
    }
    for key, value in departures.items():
        assert shape_problems(job | {key: value}, "JobResponse") != [], key
    assert shape_problems({k: v for k, v in job.items() if k != "spec"}, "JobResponse") != []
    warn = {"status": "warn", "code": "invalid_rows_found", "log": {"message": "m"}}
    assert shape_problems(job | {"health": warn}, "JobResponse") == []
    nested = {
        **samples.JOB,
        "source": {**samples.JOB["source"], "formatSettings": {"format": "nd-json", "x": 1}},
    }
    assert shape_problems(nested, "CreateJobRequest") != []
    assert serialize(
        "UpdateJobStatusRequest", {"desiredExecutionStatus": "canceled", "spec": {}}
    ) == {
        "desiredExecutionStatus": "canceled"
    }  # a key the model lacks does not survive the round trip
    assert operation(
        type(ProjectClient.from_endpoint("p", "http://x", "k").jobs).create_job
    ).accepted == {201, 400, 415}


def test_our_enums_are_the_contracts() -> None:
    """Each value list in the models is the SDK's enum, in its order."""
    ours = {
        "DataFormat": _models.DATA_FORMATS,
        "FieldNameAndDataTypeDataType": _models.DATA_TYPES,
        "TableColumnDataType": _models.TABLE_COLUMN_DATA_TYPES,
        "AggregateTableMeasureColumnDataType": _models.MEASURE_DATA_TYPES,
        "TablePartitioningGranularity": _models.PARTITIONING_GRANULARITIES,
        "TimeResolution": _models.TIME_RESOLUTIONS,
        "JobExecutionStatusV2": _models.EXECUTION_STATUSES,
    }
    for name, values in ours.items():
        contract = [e.value for e in MODELS[name]]  # type: ignore[attr-defined]
        assert sorted(values) == sorted(contract), name
    assert {e.value for e in MODELS["TableSchemaMode"]} == set(  # type: ignore[attr-defined]
        typing.get_args(TableSpec.model_fields["schema_mode"].annotation)[0].__args__
    )


def test_schema_registry_connections_and_avro_jobs_through_the_official_sdk(
    sdk: ProjectClient,
) -> None:
    ops = sdk.connections
    call(ops.create_connection, model("CreateConnectionRequest", samples.CONNECTION), expect=201)
    created = call(
        ops.create_connection, model("CreateConnectionRequest", samples.REGISTRY), expect=201
    )
    assert created.headers["Location"].endswith("/connections/my_registry")
    shown = body(call(ops.get_connection, "my_registry", expect=200))
    assert shown["secrets"] == {"type": "basic", "username": "SRKEY"}  # never the password
    assert samples.REGISTRY_PASSWORD not in json.dumps(shown)
    bad = samples.REGISTRY | {"name": "bad_registry", "urls": ["psrc-1:443"]}
    call(ops.create_connection, model("CreateConnectionRequest", bad), expect=400)
    moved = {"type": "confluent_schema_registry", "urls": ["https://psrc-2.example.com"]}
    updated = body(
        call(
            ops.update_connection,
            "my_registry",
            model("UpdateConnectionRequest", moved),
            expect=200,
        )
    )
    assert updated["urls"] == moved["urls"] and updated["secrets"]["username"] == "SRKEY"
    call(ops.test_connection, "my_registry", expect=200)
    down = samples.REGISTRY | {"name": "down_registry", "urls": ["https://sr.invalid"]}
    call(ops.create_connection, model("CreateConnectionRequest", down), expect=201)
    assert (
        "Schema Registry" in body(call(ops.test_connection, "down_registry", expect=400))["message"]
    )

    # A job reading Avro through the registry; through one that does not exist, or through a
    # Kafka connection, it is refused.
    jobs = sdk.jobs
    avro = samples.avro_job("avro-table", "my_registry")
    made = body(call(jobs.create_job, model("CreateJobRequest", avro), expect=201))
    fmt = made["spec"]["source"]["formatSettings"]
    assert fmt["parseSchemaProvider"] == {"type": "connection", "connectionName": "my_registry"}
    for registry in ("nope", "my_connection"):
        refused = body(
            call(
                jobs.create_job,
                model("CreateJobRequest", samples.avro_job("other", registry)),
                expect=400,
            )
        )
        assert refused["target"] == "source.formatSettings.parseSchemaProvider.connectionName"
    inline = samples.avro_job("inline", "my_registry")
    inline["source"]["formatSettings"]["parseSchemaProvider"] = {
        "type": "inline-avro",
        "schema": {"type": "recrod"},
    }
    call(jobs.create_job, model("CreateJobRequest", inline), expect=400)
    # The registry is in use: it is not deleted before the job ends.
    call(ops.delete_connection, "my_registry", expect=400)
    call(
        jobs.update_job,
        made["id"],
        model("UpdateJobStatusRequest", {"desiredExecutionStatus": "canceled"}),
        expect=200,
    )


@pytest.mark.e2e  # rows from the real broker
def test_query_api_through_the_official_sdk(live_emulator: EmulatorProcess, kafka: Any) -> None:
    """query_sync on rows a job ingested from a real broker: each result format, header rows,
    and SqlErrorResponse (400) for SQL it refuses."""
    from tests.kafka_broker import KAFKA_USER, KAFKA_USER_PASSWORD
    from tests.test_kafka_e2e import totals, until

    client = live_emulator.client()
    topic = kafka.topic("query")
    conn = samples.connection(
        name="query", bootstrapServers=kafka.bootstrap, topicName=topic, topicNameIsPattern=False
    )
    conn["secrets"] = {
        "type": "sasl_plain",
        "username": KAFKA_USER,
        "password": KAFKA_USER_PASSWORD,
    }
    client.create_connection(ConnectionSpec.model_validate(conn))
    job = client.create_job(
        StreamingJobSpec.model_validate(
            {
                "source": {
                    "connectionName": "query",
                    "formatSettings": {"format": "nd-json"},
                    "inputSchema": [{"name": "ts", "dataType": "string"}],
                },
                "mappings": [{"columnName": "__time", "expression": 'TIME_PARSE("ts")'}],
                "target": {"tableName": "queried"},
                "createTableIfNotExists": True,
                "useSchemaDiscovery": True,
                "readFromPoint": "earliest",
            }
        )
    )
    day = (time.gmtime(time.time() - 86400))[:3]
    stamp = "{:04d}-{:02d}-{:02d}".format(*day)
    values = [("a,b", 1), ('say "hi"', 2), ("c", 3)]
    kafka.produce(
        topic,
        [
            json.dumps({"ts": f"{stamp}T0{i}:00:00Z", "s": s, "n": n}).encode()
            for i, (s, n) in enumerate(values)
        ],
    )
    until("3 rows", lambda: totals(client, job.id), lambda t: t["num_rows_processed"] >= 3)
    sdk = ProjectClient.from_endpoint(
        live_emulator.project_id, live_emulator.url, live_emulator.api_key
    )
    query = 'SELECT __time, s, n FROM "queried" ORDER BY n'

    def run(expect: int, **request: Any) -> Any:
        return call(sdk.query.query_sync, model("SqlRequest", request), expect=expect)

    times = [f"{stamp}T0{i}:00:00.000Z" for i in range(3)]
    assert body(run(200, query=query)) == [
        {"__time": t, "s": s, "n": n} for t, (s, n) in zip(times, values, strict=True)
    ]
    arrays = body(run(200, query=query, resultFormat="array", header=True, typesHeader=True,
                      sqlTypesHeader=True))  # fmt: skip
    assert arrays[:3] == [
        ["__time", "s", "n"],
        ["LONG", "STRING", "LONG"],
        ["TIMESTAMP", "VARCHAR", "BIGINT"],
    ]
    assert arrays[3:] == [[t, s, n] for t, (s, n) in zip(times, values, strict=True)]
    headed = run(200, query=query, header=True, typesHeader=True)
    assert body(headed)[0] == {
        "__time": {"type": "LONG"},
        "s": {"type": "STRING"},
        "n": {"type": "LONG"},
    }
    assert headed.headers["X-Druid-SQL-Header-Included"] == "yes"

    # The line and csv formats are no JSON document, which the SDK always deserializes: over
    # plain HTTP. One row a line, and a trailing newline.
    def text(fmt: str, **extra: Any) -> str:
        answer = httpx.post(
            f"{live_emulator.url}/v1/projects/{live_emulator.project_id}/query/sql",
            json={"query": query, "resultFormat": fmt, **extra},
            headers={"Authorization": f"Basic {live_emulator.api_key}"},
        )
        assert answer.status_code == 200, answer.text
        return answer.text

    lines = text("objectLines")
    assert lines.endswith("\n\n")
    assert [json.loads(line) for line in lines.split("\n") if line] == body(run(200, query=query))
    csv_text = text("csv", header=True)
    quoted = "\n".join(
        ["__time,s,n", f'{times[0]},"a,b",1', f'{times[1]},"say ""hi""",2', f"{times[2]},c,3"]
    )
    assert csv_text == quoted + "\n\n"
    # What it refuses: a SqlErrorResponse, naming the reason.
    refusals = {
        "SELECT * FROM nope": ("INVALID_INPUT", "Object 'nope' not found"),
        "SELECT BLOOM_FILTER_TEST(s, 'x') FROM \"queried\"": (
            "UNSUPPORTED",
            "function BLOOM_FILTER_TEST",
        ),
        "SELECT LOOKUP(s, 'x') FROM \"queried\"": ("INVALID_INPUT", "Lookup [x] not found"),
        'SELECT nope FROM "queried"': ("INVALID_INPUT", "nope"),
        'DELETE FROM "queried"': ("INVALID_INPUT", "exactly one SELECT"),
        "SELECT * FROM read_csv('/etc/passwd')": ("UNSUPPORTED", "only the project's tables"),
    }
    for sql_text, (category, words) in refusals.items():
        refused = body(run(400, query=sql_text))
        assert (refused["error"], refused["category"]) == ("druidException", category), refused
        assert words in refused["errorMessage"], refused
    # PolarisClient reads the same rows, and says a refusal's message.
    assert client.query_sql(query) == body(run(200, query=query))
    with pytest.raises(BadRequestError, match="Object 'nope' not found"):
        client.query_sql("SELECT * FROM nope")
