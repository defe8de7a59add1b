"""The client against the emulator over real HTTP."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from polaris_pulumi.api import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ConnectionSpec,
    JobFailedError,
    NotFoundError,
    PermissionDeniedError,
    PolarisClient,
    RateLimitError,
    RetryPolicy,
    ServerError,
    StreamingJobSpec,
    TransportError,
    WaitTimeoutError,
)
from tests import samples
from tests.conftest import BEARER, LIMITED_KEY
from tests.emulator_proc import EmulatorProcess

ISO_MICRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
ISO_NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")


def raw(emulator: EmulatorProcess, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(
        method,
        f"{emulator.url}/v1/projects/{emulator.project_id}{path}",
        headers={"Authorization": f"Basic {emulator.api_key}"},
        timeout=30,
        **kwargs,
    )


def conn_spec(**changes: Any) -> ConnectionSpec:
    return ConnectionSpec.model_validate(samples.connection(**changes))


def job_spec(**kwargs: Any) -> StreamingJobSpec:
    return StreamingJobSpec.model_validate(samples.job(**kwargs))


# --- documented shapes ---------------------------------------------------------------------


def test_seed_connection_create_returns_documented_shape(emulator: EmulatorProcess) -> None:
    response = raw(emulator, "POST", "/connections", json=samples.CONNECTION)
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/connections/my_connection")
    body = response.json()
    assert body["topicNameIsPattern"] is False
    assert body["secrets"] == {"type": "sasl_plain", "username": "CONFLUENTKEY"}
    assert samples.PASSWORD not in response.text
    assert body["description"] is None
    for key in ("submittedByUser", "modifiedByUser"):
        assert set(body[key]) == {"username", "userId"}
    assert ISO_MICRO.match(body["submittedOnTimestamp"])
    assert ISO_MICRO.match(body["modifiedOnTimestamp"])
    assert {k: body[k] for k in ("type", "name", "bootstrapServers", "topicName")} == {
        k: samples.CONNECTION[k] for k in ("type", "name", "bootstrapServers", "topicName")
    }


def test_seed_job_create_returns_documented_shape(emulator: EmulatorProcess) -> None:
    raw(emulator, "POST", "/connections", json=samples.CONNECTION).raise_for_status()
    response = raw(emulator, "POST", "/jobs", json=samples.JOB)
    assert response.status_code == 201
    body = response.json()
    # createTableIfNotExists and replaceRunning live only under `spec` (StreamingJobResponse).
    assert "createTableIfNotExists" not in body and body["spec"]["createTableIfNotExists"] is True
    assert "replaceRunning" not in body
    for view in (body, body["spec"]):
        assert view["source"]["formatSettings"]["flattenSpec"] == {}
        assert view["mappings"][0]["isAggregation"] is None
        assert view["target"]["intervals"] == []
        assert view["filterExpression"] is None
        assert view["lateMessageRejectionPeriod"] == "P30D"
        assert view["earlyMessageRejectionPeriod"] == "P2000D"
        assert view["readFromPoint"] == "latest"
        assert view["maxParseExceptions"] == 2147483647
        assert view["dimensionExclusions"] == ["date", "time"]
    assert body["spec"]["replaceRunning"] is False
    assert body["desiredExecutionStatus"] == "running"
    assert body["executionStatus"] == "pending"
    assert body["health"] == {"status": "ok"}
    assert re.match(r"^[0-9a-f-]{36}$", body["id"])
    assert set(body["createdBy"]) == {"username", "userId"}
    assert ISO_NANO.match(body["createdTimestamp"])
    assert ISO_NANO.match(body["lastUpdatedTimestamp"])
    assert body["startedTimestamp"] is None and body["completedTimestamp"] is None
    # The table was created from the job spec, as a detail table (no aggregation).
    table = raw(emulator, "GET", "/tables/sample-confluent-ingestion").json()
    assert (table["type"], table["schemaMode"]) == ("detail", "flexible")


def test_job_lifecycle_status_and_metrics(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    job = client.create_job(job_spec())
    running = client.wait_for_start(job.id, timeout=10)
    assert running.execution_status == "running" and running.started_timestamp is not None
    assert client.get_job_status(job.id).execution_status == "running"
    assert client.get_job_metrics(job.id).totals.num_rows_processed == 0
    client.reset_job(job.id)  # 200, no body
    canceled = client.cancel_job(job.id)
    assert canceled.desired_execution_status == "canceled"
    ended = client.wait_for_end(job.id, timeout=10)
    assert ended.execution_status == "canceled" and ended.completed_timestamp


def test_idle_job_has_started_and_warn_health_is_not_fatal(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec(name="quiet", topicName="idle_topic"))
    client.create_connection(conn_spec(name="noisy", topicName="warn_topic"))
    idle = client.create_job(job_spec(table="t-idle", connection_name="quiet"))
    assert client.wait_for_start(idle.id, timeout=10).execution_status == "idle"
    noisy = client.create_job(job_spec(table="t-warn", connection_name="noisy"))
    started = client.wait_for_start(noisy.id, timeout=10)
    assert started.execution_status == "running"
    assert started.health is not None and started.health.is_warning
    assert started.health.code == "invalid_rows_found"


def test_suspend_and_resume_through_post_status(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    job = client.create_job(job_spec())
    client.wait_for_start(job.id, timeout=10)
    assert client.set_job_status(job.id, "suspended").execution_status in ("running", "suspended")
    emulator.advance(0.1)  # the emulator's suspend takes --job-cancel-delay (0.1 s)
    assert client.get_job(job.id).execution_status == "suspended"
    client.set_job_status(job.id, "running")
    emulator.advance(0.2)  # --job-start-delay
    assert client.get_job(job.id).execution_status == "running"


def test_unknown_server_fields_are_kept() -> None:
    body = {**samples.CONNECTION, "futureField": {"x": 1}}
    spec = ConnectionSpec.model_validate(body)
    assert spec.to_api()["futureField"] == {"x": 1}


# --- typed errors --------------------------------------------------------------------------


def test_bad_request_carries_details(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    bad = conn_spec(bootstrapServers="SASL_SSL://pkc-1.confluent.cloud:9092", name="bad name")
    with pytest.raises(BadRequestError) as info:
        client.create_connection(bad)
    fields = {d["target"] for d in info.value.details}
    assert fields == {"name", "bootstrapServers"}
    assert "SASL_SSL" in str(info.value) and info.value.status_code == 400
    assert info.value.code == "BadArgument"


def test_unknown_keys_are_refused_by_name(emulator: EmulatorProcess) -> None:
    body = samples.job()
    body["source"]["formatSettings"]["flatenSpec"] = {}
    response = raw(emulator, "POST", "/jobs", json=body)
    assert response.status_code == 400
    assert response.json()["details"][0]["target"] == "source.formatSettings.flatenSpec"


def test_authentication_error(emulator: EmulatorProcess) -> None:
    client = emulator.client(api_key="pok_wrong_key_1234")
    with pytest.raises(AuthenticationError) as info:
        client.list_connections()
    assert "pok_wrong_key_1234" not in str(info.value)
    assert "polaris:apiKey" in str(info.value)


def test_permission_denied_for_missing_permission(emulator: EmulatorProcess) -> None:
    client = emulator.client(api_key=LIMITED_KEY)
    client.list_connections()  # allowed
    with pytest.raises(PermissionDeniedError) as info:
        client.list_jobs()
    assert "ManageIngestionJobs" in str(info.value)


def test_not_found_and_conflict(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    with pytest.raises(NotFoundError):
        client.get_connection("nope")
    with pytest.raises(NotFoundError):
        client.get_job("00000000-0000-0000-0000-000000000000")
    client.create_connection(conn_spec())
    with pytest.raises(ConflictError):
        client.create_connection(conn_spec())
    client.create_job(job_spec())
    # createJob answers 201, 400 or 415: a second job on a table is a 400.
    with pytest.raises(BadRequestError, match="one streaming job per table"):
        client.create_job(job_spec())


def test_rate_limit_and_server_errors_after_bounded_retries(emulator: EmulatorProcess) -> None:
    client = emulator.client(retry=RetryPolicy(max_attempts=3, initial_backoff=0, max_backoff=0))
    emulator.set_faults(rate_429=1.0, retry_after_seconds=0)
    with pytest.raises(RateLimitError) as info:
        client.list_connections()
    assert info.value.retry_after == 0
    emulator.set_faults(rate_429=0.0, rate_503=1.0)
    emulator.reset_counters()
    with pytest.raises(ServerError):
        client.list_connections()
    assert emulator.counters()["total_received"] == 3  # bounded: exactly max_attempts


def test_transport_error_and_configuration_errors(emulator: EmulatorProcess) -> None:
    client = PolarisClient(
        api_key="k",
        url="http://127.0.0.1:9",
        project_id="p",
        retry=RetryPolicy(max_attempts=2, initial_backoff=0),
    )
    with pytest.raises(TransportError):
        client.list_connections()
    with pytest.raises(ConfigurationError, match="plain http"):
        PolarisClient(api_key="k", url="http://polaris.example.com", project_id="p")
    with pytest.raises(ConfigurationError, match="POLARIS_API_KEY"):
        PolarisClient(url=emulator.url, project_id="p", api_key="")
    with pytest.raises(ConfigurationError, match="POLARIS_PROJECT_ID"):
        PolarisClient(api_key="k", url=emulator.url, project_id="")
    assert (
        PolarisClient(
            api_key="k",
            organization="acme",
            region="us-east-1",
            cloud_provider="aws",
            project_id="p",
        ).base_url
        == "https://acme.us-east-1.aws.api.imply.io"
    )


def test_environment_fallbacks(emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in emulator.env().items():
        monkeypatch.setenv(key, value)
    assert PolarisClient().list_connections() == []


def test_basic_user_form_and_bearer_token(emulator: EmulatorProcess) -> None:
    user_form = base64.urlsafe_b64encode(f"{emulator.api_key}:".encode()).decode()
    response = httpx.get(
        f"{emulator.url}/v1/projects/{emulator.project_id}/connections",
        headers={"Authorization": f"Basic {user_form}"},
    )
    assert response.status_code == 200
    client = PolarisClient(bearer_token=BEARER, url=emulator.url, project_id=emulator.project_id)
    assert client.list_connections() == []
    expired = PolarisClient(bearer_token="stale", url=emulator.url, project_id=emulator.project_id)
    with pytest.raises(AuthenticationError, match="Token claims invalid"):
        expired.list_connections()


def test_user_agent_and_auth_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"values": []})

    client = PolarisClient(
        api_key="pok_k",
        url="https://x.example.com",
        project_id="p1",
        transport=httpx.MockTransport(handler),
    )
    client.list_connections()
    assert seen[0].headers["user-agent"].startswith("polaris-pulumi/")
    assert seen[0].headers["authorization"] == "Basic pok_k"
    assert seen[0].url.path == "/v1/projects/p1/connections"


# --- secrets -------------------------------------------------------------------------------


def test_no_secret_in_repr_or_errors(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    spec = conn_spec()
    assert samples.PASSWORD not in repr(spec) and samples.PASSWORD not in str(spec)
    assert emulator.api_key not in repr(client)
    client.create_connection(spec)
    with pytest.raises(ConflictError) as info:
        client.create_connection(spec)
    assert samples.PASSWORD not in str(info.value)
    with pytest.raises(TypeError, match="not picklable"):
        import pickle

        pickle.dumps(client)


def test_server_echoing_a_secret_is_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"message": f"bad password {samples.PASSWORD} for key pok_k"}
        )

    client = PolarisClient(
        api_key="pok_k",
        url="https://x.example.com",
        project_id="p",
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(BadRequestError) as info:
        client.create_connection(conn_spec())
    assert samples.PASSWORD not in str(info.value) and "pok_k" not in str(info.value)


# --- retries and duplicates ----------------------------------------------------------------


def test_transient_faults_are_retried(emulator: EmulatorProcess) -> None:
    emulator.set_faults(rate_429=0.3, rate_503=0.2, seed=7, retry_after_seconds=0)
    client = emulator.client()
    for i in range(15):
        client.create_connection(conn_spec(name=f"conn-{i}"))
    emulator.set_faults(rate_429=0, rate_503=0)
    assert sorted(c.name for c in client.list_connections()) == sorted(
        f"conn-{i}" for i in range(15)
    )
    counters = emulator.counters()
    assert counters["total_received"] > sum(counters["handled"].values())  # faults did happen


def test_retry_after_is_honored(emulator: EmulatorProcess) -> None:
    emulator.set_faults(rate_429=0.5, seed=3, retry_after_seconds=0.2)
    emulator.reset_counters()
    client = emulator.client(retry=RetryPolicy(max_attempts=20, initial_backoff=0, max_backoff=0))
    started = time.monotonic()
    for _ in range(6):
        client.list_connections()
    elapsed = time.monotonic() - started
    counters = emulator.counters()
    throttled = counters["total_received"] - sum(counters["handled"].values())
    assert throttled > 0
    # Each 429 made the client wait the server's Retry-After before trying again.
    assert elapsed >= throttled * 0.2


def test_lost_create_response_makes_no_duplicate_connection(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    emulator.set_faults(lost_write_rate=1.0)
    created = client.create_connection(conn_spec())
    emulator.set_faults(lost_write_rate=0.0)
    assert created.name == "my_connection"
    assert [c.name for c in client.list_connections()] == ["my_connection"]
    handled = emulator.counters()["handled"]
    assert (
        handled["POST /v1/projects/{projectId}/connections"] == 2
    )  # the retry met 409 and adopted


def test_lost_create_response_makes_no_duplicate_job(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    emulator.set_faults(lost_write_rate=1.0)
    job = client.create_job(job_spec())
    emulator.set_faults(lost_write_rate=0.0)
    jobs = client.list_jobs(types=["streaming"])
    assert [j.id for j in jobs] == [job.id]
    assert emulator.counters()["handled"]["POST /v1/projects/{projectId}/jobs"] == 1


def test_a_500_is_retried_on_reads(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    emulator.set_faults(rate_500=0.5, seed=11)
    emulator.reset_counters()
    for _ in range(8):
        assert client.get_connection("my_connection").name == "my_connection"
    emulator.set_faults(rate_500=0.0)
    counters = emulator.counters()
    template = "GET /v1/projects/{projectId}/connections/{id}"
    assert counters["handled"][template] == 8
    assert counters["received"][template] > 8  # some were 500s, and were tried again


def test_a_500_after_a_create_makes_no_duplicate(emulator: EmulatorProcess) -> None:
    """The server did the work and answered 500: the retry finds what it made."""
    client = emulator.client()
    emulator.set_faults(lost_write_rate=1.0, lost_write_status=500)
    conn = client.create_connection(conn_spec())
    job = client.create_job(job_spec())
    emulator.set_faults(lost_write_rate=0.0)
    assert [c.name for c in client.list_connections()] == [conn.name]
    assert [j.id for j in client.list_jobs(types=["streaming"])] == [job.id]
    assert emulator.counters()["handled"]["POST /v1/projects/{projectId}/jobs"] == 1


def test_a_500_on_a_write_a_retry_cannot_recognise_is_not_retried(
    emulator: EmulatorProcess,
) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    job = client.create_job(job_spec())
    emulator.set_faults(rate_500=1.0)
    emulator.reset_counters()
    with pytest.raises(ServerError, match="500"):
        client.reset_job(job.id)
    emulator.set_faults(rate_500=0.0)
    # A reset repeated after the server did it would move the read position back again.
    assert emulator.counters()["received"] == {"POST /v1/projects/{projectId}/jobs/{id}/reset": 1}


def test_a_host_that_does_not_resolve_is_one_error_not_retries() -> None:
    client = PolarisClient(api_key="k", url="https://polaris.invalid", project_id="p")
    with pytest.raises(TransportError, match="does not resolve.*polaris:url") as info:
        client.list_connections()
    assert info.value.permanent


def test_conflict_with_someone_elses_connection_is_not_adopted(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec(topicName="other_topic"))
    # Seed 1 rolls 0.134 then 0.847: the first attempt gets a 503, the retry reaches the handler.
    emulator.set_faults(rate_503=0.5, seed=1)
    emulator.reset_counters()
    with pytest.raises(ConflictError):
        client.create_connection(conn_spec())
    counters = emulator.counters()
    assert counters["received"]["POST /v1/projects/{projectId}/connections"] == 2
    # The retry met 409, looked at the existing connection and refused it: another topic.
    assert counters["handled"]["GET /v1/projects/{projectId}/connections/{id}"] == 1
    assert emulator.client().get_connection("my_connection").topic_name == "other_topic"


def test_concurrent_use_of_one_client(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            client.create_connection(conn_spec(name=f"t-{i}"))
            client.get_connection(f"t-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(client.list_connections()) == 16


# --- lifecycle rules -----------------------------------------------------------------------


def test_job_on_unreachable_brokers_fails_with_health_details(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec(bootstrapServers="broker.invalid:9092"))
    result = client.test_connection("my_connection")
    assert not result.ok and "Unable to reach broker" in result.details[0]
    job = client.create_job(job_spec())
    with pytest.raises(JobFailedError, match="Unable to reach broker"):
        client.wait_for_start(job.id, timeout=10)
    failed = client.list_jobs(health_status=["error"])
    assert [j.id for j in failed] == [job.id]


def test_wait_timeout(tmp_path: Any) -> None:
    proc = EmulatorProcess(tmp_path / "slow", flags=["--job-start-delay", "60"]).start()
    try:
        client = proc.client()
        client.create_connection(conn_spec())
        job = client.create_job(job_spec())
        with pytest.raises(WaitTimeoutError, match="still 'pending'"):
            client.wait_for_start(job.id, timeout=0.5, poll_interval=0.1)
        with pytest.raises(WaitTimeoutError, match=f"job {job.id} .* still 'pending' after 0.5s"):
            client.wait_for_jobs({job.id: ("running", 0.5)}, poll_interval=0.1)
    finally:
        proc.stop()


def test_one_wait_for_many_jobs_names_each_that_failed(emulator: EmulatorProcess) -> None:
    """`wait_for_jobs` polls one list for all jobs: those that start are returned, and one on
    unreachable brokers fails the wait naming it (and only it)."""
    client = emulator.client()
    client.create_connection(conn_spec())
    client.create_connection(conn_spec(name="broken", bootstrapServers="broker.invalid:9092"))
    good = [client.create_job(job_spec(table=f"t{i}")) for i in range(3)]
    assert client.wait_for_jobs({j.id: ("running", 10.0) for j in good}).keys() == {
        j.id for j in good
    }
    bad = client.create_job(job_spec(table="t-bad", connection_name="broken"))
    goals = {j.id: ("running", 10.0) for j in [*good, bad]}
    with pytest.raises(JobFailedError, match="Unable to reach broker") as info:
        client.wait_for_jobs(goals)
    assert bad.id in str(info.value) and not any(j.id in str(info.value) for j in good)
    emulator.reset_counters()
    client.wait_for_jobs({j.id: ("running", 10.0) for j in good})
    assert emulator.counters()["received"] == {"GET /v1/projects/{projectId}/jobs": 1}


def test_connection_in_use_cannot_be_deleted_until_job_canceled(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    job = client.create_job(job_spec())
    with pytest.raises(BadRequestError, match="cancel the job first"):
        client.delete_connection("my_connection")
    client.cancel_job(job.id)
    client.wait_for_end(job.id, timeout=10)
    client.delete_connection("my_connection")
    assert client.list_connections() == []


def test_update_connection_is_a_patch(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    no_password = conn_spec(topicName="new_topic", description="events")
    assert no_password.secrets is not None
    no_password.secrets.password = None
    updated = client.update_connection(no_password)
    assert (updated.topic_name, updated.description) == ("new_topic", "events")
    # PATCH keeps what the body omits; `name` is not part of an update.
    response = raw(emulator, "PATCH", "/connections/my_connection", json={"type": "confluent"})
    assert response.status_code == 200 and response.json()["topicName"] == "new_topic"
    renamed = raw(
        emulator, "PATCH", "/connections/my_connection", json={"type": "confluent", "name": "x"}
    )
    assert renamed.status_code == 400 and renamed.json()["target"] == "name"
    assert raw(emulator, "PUT", "/connections/my_connection", json={}).status_code == 405


def test_job_spec_change_is_a_new_job_with_replace_running(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    old = client.create_job(job_spec())
    client.wait_for_start(old.id, timeout=10)
    # PUT /jobs/{id} takes only desiredExecutionStatus: a spec is never applied in place.
    response = raw(emulator, "PUT", f"/jobs/{old.id}", json=samples.job())
    assert response.status_code == 400 and "replaceRunning" in response.json()["message"]
    spec = job_spec().model_copy(
        update={"late_message_rejection_period": "P90D", "replace_running": True}
    )
    new = client.create_job(spec)
    assert new.spec.late_message_rejection_period == "P90D" and new.spec.replace_running
    assert client.wait_for_end(old.id, timeout=10).execution_status == "canceled"
    assert client.active_job_for_table("sample-confluent-ingestion").id == new.id  # type: ignore[union-attr]


def test_job_list_filters(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    client.create_connection(conn_spec(name="broken", bootstrapServers="x.invalid:9092"))
    ok = client.create_job(job_spec(table="ok-table"))
    bad = client.create_job(job_spec(table="bad-table", connection_name="broken"))
    emulator.advance(0.2)  # --job-start-delay
    assert {j.id for j in client.list_jobs(types=["streaming"])} == {ok.id, bad.id}
    assert [j.id for j in client.list_jobs(health_status=["ok"])] == [ok.id]
    assert {j.id for j in client.list_jobs(health_status=["ok", "error"])} == {ok.id, bad.id}
    assert [j.id for j in client.list_jobs(execution_status=["failed"])] == [bad.id]
    assert [j.id for j in client.list_jobs(connection_name=["broken"])] == [bad.id]
    assert [j.id for j in client.list_jobs(target_table_name="ok-table")] == [ok.id]
    assert client.list_jobs(types=["batch"]) == []
    # Summaries: a streaming summary's source is only {type, connectionName}.
    summary = client.list_jobs(target_table_name="ok-table")[0]
    assert summary.source == {"type": "connection", "connectionName": "my_connection"}


def test_job_list_follows_every_page(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    made = {client.create_job(job_spec(table=f"t-{i}")).id for i in range(7)}
    emulator.reset_counters()
    assert {j.id for j in client.list_jobs(page_size=3)} == made
    assert emulator.counters()["handled"]["GET /v1/projects/{projectId}/jobs"] == 3
    first = raw(emulator, "GET", "/jobs", params={"paginationLimit": 3}).json()
    last = raw(
        emulator, "GET", "/jobs", params={"paginationLimit": 3, "paginationOffset": 6}
    ).json()
    assert first["moreResultsAvailable"] is True and len(first["values"]) == 3
    assert last["moreResultsAvailable"] is False and len(last["values"]) == 1
    too_big = raw(emulator, "GET", "/jobs", params={"paginationLimit": 1001})
    assert too_big.status_code == 400 and too_big.json()["target"] == "paginationLimit"


def test_tables_and_drop(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(conn_spec())
    job = client.create_job(job_spec())
    assert [t.name for t in client.list_tables()] == ["sample-confluent-ingestion"]
    with pytest.raises(BadRequestError, match="cancel it first"):
        client.delete_table("sample-confluent-ingestion")
    client.cancel_job(job.id)
    client.wait_for_end(job.id, timeout=10)
    client.delete_table("sample-confluent-ingestion")
    with pytest.raises(NotFoundError):
        client.get_table("sample-confluent-ingestion")


def test_persistence_across_restart(own_emulator: EmulatorProcess) -> None:
    emulator = own_emulator
    client = emulator.client()
    client.create_connection(conn_spec())
    job = client.create_job(job_spec())
    emulator.restart()
    client = emulator.client()
    assert client.get_connection("my_connection").topic_name == "my_topic"
    assert client.wait_for_start(job.id, timeout=10).id == job.id
    emulator.stop(kill=True)
    emulator.start()
    assert emulator.client().get_job(job.id).execution_status == "running"


def test_admin_refuses_a_fault_it_does_not_know(emulator: EmulatorProcess) -> None:
    response = httpx.put(f"{emulator.url}/_emulator/faults", json={"job_start_delay": 5})
    assert response.status_code == 422 and "job_start_delay" in response.text
    response = httpx.put(f"{emulator.url}/_emulator/faults", json={"rate_429": "lots"})
    assert response.status_code == 422 and "rate_429" in response.text
    assert emulator.set_faults(rate_503=0.0, seed=7) == emulator.admin("GET", "faults")


def test_a_busy_port_is_one_clear_line(emulator: EmulatorProcess) -> None:
    port = emulator.url.rsplit(":", 1)[1]
    run = subprocess.run(
        [sys.executable, "-m", "polaris_pulumi.emulator", "--port", port, "--db", ":memory:"],
        env={**os.environ, "POLARIS_API_KEY": "k"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr and "--port" in run.stderr


def test_a_hung_endpoint_reports_progress_then_fails_in_bounded_time(
    emulator: EmulatorProcess, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.set_faults(latency_ms=1000)
    client = PolarisClient(
        emulator.api_key,
        url=emulator.url,
        project_id=emulator.project_id,
        timeout=0.2,
        retry=RetryPolicy(max_attempts=3, max_seconds=30, initial_backoff=0.01, max_backoff=0.05),
    )
    started = time.monotonic()
    with caplog.at_level("WARNING", logger="polaris_pulumi"), pytest.raises(TransportError):
        client.list_connections()
    assert time.monotonic() - started < 10
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 2 and "attempt 3 of at most 3" in retries[-1], retries
    assert "GET /connections: no response" in retries[0] and emulator.api_key not in retries[0]


def test_a_database_of_an_older_emulator_is_refused_by_name(tmp_path: Path) -> None:
    """Records changed format (typed, not camelCase documents): an older database is refused
    with what to do, never read wrongly."""
    import sqlite3

    db = tmp_path / "old.db"
    old = sqlite3.connect(db)
    old.execute("CREATE TABLE connections (name TEXT PRIMARY KEY, doc TEXT, password_sha256 TEXT)")
    old.commit()
    old.close()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "polaris_pulumi.emulator",
            "--db",
            str(db),
            "--api-key",
            "k",
            "--port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert f"{db} was written by an older emulator" in run.stderr and "delete it" in run.stderr
