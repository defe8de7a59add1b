"""Preview of the streaming sources beyond Kafka: a `KinesisConnection` or
`PushStreamingConnection` names the property and the fix, changes in place but for its name,
crashes on no unknown value, and a job reads each source in a format its records come in."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi.output import Unknown

from polaris_pulumi.api import StreamingJobSpec
from polaris_pulumi.connections._provider import (
    KinesisConnectionProvider,
    PushStreamingConnectionProvider,
)
from polaris_pulumi.jobs._provider import StreamingJobProvider
from tests import samples

KINESIS = {
    "name": "my_kinesis",
    "stream": "clicks",
    "aws_endpoint": "kinesis.us-east-1.amazonaws.com",
    "aws_assumed_role_arn": "arn:aws:iam::123456789012:role/polaris-kinesis",
}
JOB = StreamingJobSpec.model_validate(samples.job(table="t", connection_name="my_kinesis"))
JOB_PROPS = JOB.model_dump(mode="json", exclude_none=True, exclude={"type"})


def failures(result: Any) -> dict[str, str]:
    return {f.property: f.reason for f in result.failures}


@pytest.mark.parametrize(
    ("change", "prop", "words"),
    [
        ({"stream": " "}, "stream", "must not be empty"),
        ({"aws_endpoint": "not a host/x"}, "aws_endpoint", "kinesis.us-east-1.amazonaws.com"),
        ({"aws_assumed_role_arn": "role/polaris"}, "aws_assumed_role_arn", "IAM role ARN"),
        ({"name": "bad name"}, "name", "1-64 ASCII"),
    ],
)
def test_a_kinesis_connection_names_the_property_and_the_fix(
    change: dict[str, Any], prop: str, words: str
) -> None:
    found = failures(KinesisConnectionProvider().check({}, KINESIS | change))
    assert list(found) == [prop] and words in found[prop], found


def test_a_kinesis_connection_changes_in_place_but_for_its_name() -> None:
    provider = KinesisConnectionProvider()
    old = provider.check({}, KINESIS).inputs
    moved = provider.diff("my_kinesis", old, provider.check(old, KINESIS | {"stream": "b"}).inputs)
    assert moved.changes and moved.replaces == []
    renamed = provider.check(old, KINESIS | {"name": "other"}).inputs
    assert provider.diff("my_kinesis", old, renamed).replaces == ["name"]
    assert provider.diff("my_kinesis", old, provider.check(old, KINESIS).inputs).changes is False
    # Unknown during preview: no crash, nothing sent, an update (a replace if the name is).
    unknown = KINESIS | {"stream": Unknown()}
    assert provider.check(old, unknown).failures == []
    assert provider.diff("my_kinesis", old, unknown).replaces == []


def test_a_push_streaming_connection_is_its_name() -> None:
    provider = PushStreamingConnectionProvider()
    assert failures(provider.check({}, {"name": "pushed"})) == {}
    assert "1-64 ASCII" in failures(provider.check({}, {"name": "a/b"}))["name"]
    derived = provider.check({}, {"auto_name": "clicks-1a2b3c4"}).inputs
    assert derived["name"] == "clicks-1a2b3c4" and "secrets" not in derived


def _job(connection: str, fmt: dict[str, Any]) -> dict[str, Any]:
    job = copy.deepcopy(JOB_PROPS)
    job["source"]["connection_name"] = connection
    job["source"]["format_settings"] = fmt
    return job


def test_a_job_reads_each_source_in_its_records_format() -> None:
    KinesisConnectionProvider().check({}, KINESIS)  # declared in this deployment
    PushStreamingConnectionProvider().check({}, {"name": "pushed"})
    jobs = StreamingJobProvider()
    kinesis_fmt = {"format": "kinesis", "value_format": {"format": "nd-json"}}
    assert failures(jobs.check({}, _job("my_kinesis", kinesis_fmt))) == {}
    assert failures(jobs.check({}, _job("my_kinesis", {"format": "nd-json"}))) == {}
    kafka_fmt = {"format": "kafka", "value_format": {"format": "nd-json"}}
    refused = failures(jobs.check({}, _job("my_kinesis", kafka_fmt)))
    assert "a kinesis connection's records" in refused["source.format_settings.format"]
    assert failures(jobs.check({}, _job("pushed", {"format": "nd-json"}))) == {}
    csv = failures(jobs.check({}, _job("pushed", {"format": "csv", "columns": ["ts"]})))
    assert "use format nd-json" in csv["source.format_settings.format"]
