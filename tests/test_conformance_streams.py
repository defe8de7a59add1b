"""Conformance of the streaming sources beyond Kafka, and of the connection types the package
does not manage, through Imply's official SDK against the emulator: every answer's status is
one the SDK's operation accepts, with the body of its model (tests/contract.py)."""

from __future__ import annotations

import json
import time
from typing import Any

from polaris.sdk.client import ProjectClient

from tests import samples
from tests.contract import operation, shape_problems
from tests.emulator_proc import EmulatorProcess
from tests.test_conformance import body, call, model, sdk  # noqa: F401 - sdk is a fixture


def pushed(sdk: ProjectClient, name: str, payload: bytes, expect: int) -> Any:  # noqa: F811
    """The events operation: a status it accepts. The SDK reads no body of any answer; a
    refusal carries an ErrorResponse saying why (as Imply's docs show; docs/emulator.md)."""
    method = sdk.events.push_events_using_connection
    assert expect in operation(type(method.__self__).push_events_using_connection).accepted
    response = method(
        name,
        payload,
        content_type="application/json",
        cls=lambda pipeline, _d, _h: pipeline.http_response,
    )
    assert response.status_code == expect, response.text()
    if expect == 200:
        assert response.text() == ""
        return None
    error = json.loads(response.text())
    assert shape_problems(error, "ErrorResponse") == []
    return error


def test_every_connection_type_through_the_official_sdk(sdk: ProjectClient) -> None:  # noqa: F811
    ops = sdk.connections
    for sample in (samples.PUSH, samples.KINESIS, samples.S3, samples.AZURE):
        made = body(
            call(ops.create_connection, model("CreateConnectionRequest", sample), expect=201)
        )
        assert (made["name"], made["type"]) == (sample["name"], sample["type"])
        shown = body(call(ops.get_connection, sample["name"], expect=200))
        assert "secrets" not in shown or shown["secrets"] == {"type": sample["secrets"]["type"]}
    assert body(call(ops.get_connection, "my_push", expect=200))["endpointUrl"].endswith(
        "/events/my_push"
    )
    listed = body(call(ops.list_connections, expect=200))
    assert sorted(c["type"] for c in listed["values"]) == [
        "azure",
        "kinesis",
        "push_streaming",
        "s3",
    ]
    # A Kinesis stream changes in place; a Kinesis connection without its role is refused.
    patch = {"type": "kinesis", "stream": "clicks-v2"}
    changed = body(
        call(
            ops.update_connection, "my_kinesis", model("UpdateConnectionRequest", patch), expect=200
        )
    )
    assert (changed["stream"], changed["awsEndpoint"]) == (
        "clicks-v2",
        samples.KINESIS["awsEndpoint"],
    )
    roleless = {k: v for k, v in samples.KINESIS.items() if k != "awsAssumedRoleArn"}
    roleless["name"] = "no_role"
    refused = body(
        call(ops.create_connection, model("CreateConnectionRequest", roleless), expect=400)
    )
    assert refused["details"][0]["target"] == "awsAssumedRoleArn"
    call(ops.test_connection, "my_kinesis", expect=200)
    for sample in (samples.PUSH, samples.KINESIS, samples.S3, samples.AZURE):
        call(ops.delete_connection, sample["name"], expect=200)


def test_pushed_events_through_the_official_sdk(
    sdk: ProjectClient,  # noqa: F811
    emulator: EmulatorProcess,
) -> None:
    call(
        sdk.connections.create_connection,
        model("CreateConnectionRequest", samples.PUSH),
        expect=201,
    )
    job = samples.stream_job("my_push", "pushed", {"n": "long"}, {"n": '"n"'})
    made = body(call(sdk.jobs.create_job, model("CreateJobRequest", job), expect=201))
    lines = [f'{{"ts": "2026-12-0{d}T00:00:00Z", "n": {d}}}' for d in range(1, 4)]
    pushed(sdk, "my_push", "\n".join(lines).encode(), expect=200)
    pushed(sdk, "nope", b'{"n": 1}', expect=404)
    bad = pushed(sdk, "my_push", b'{"n": 1}\nnot json', expect=400)
    assert "line 2" in bad["message"]  # refused whole: the first line is not kept either
    # Only to a push_streaming connection.
    call(
        sdk.connections.create_connection,
        model("CreateConnectionRequest", samples.KINESIS),
        expect=201,
    )
    assert pushed(sdk, "my_kinesis", b'{"n": 1}', expect=400)["target"] == "connectionName"
    client = emulator.client()
    deadline = time.monotonic() + 30
    while client.get_job_metrics(made["id"]).totals.num_rows_processed < 3:
        assert time.monotonic() < deadline, "the pushed events were not ingested"
        time.sleep(0.1)
    rows = client.query_sql('SELECT SUM("n") AS total, COUNT(*) AS n FROM "pushed"')
    assert rows == [{"total": 1 + 2 + 3, "n": 3}]
