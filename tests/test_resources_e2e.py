"""Connection and StreamingJob through the real pulumi CLI against the emulator."""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path

import dill
import pytest

from polaris_pulumi.api import ConnectionSpec, StreamingJobSpec
from tests import samples
from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import Pulumi, Result, write_program
from tests.stacks import INGESTION_PROGRAM, KAFKA_PASSWORD, polaris_stack

pytestmark = pytest.mark.e2e


def active_jobs(emulator: EmulatorProcess) -> list[str]:
    return list(emulator.active_jobs())


def assert_no_secrets(emulator: EmulatorProcess, texts: list[str]) -> None:
    for text in texts:
        assert emulator.api_key not in text
        assert KAFKA_PASSWORD not in text


def by_type(pulumi: Pulumi, kind: str) -> list[dict[str, object]]:
    return [r for r in pulumi.resources() if r["type"].endswith(kind)]


def test_full_lifecycle(tmp_path: Path, emulator: EmulatorProcess) -> None:
    pulumi = polaris_stack(tmp_path, emulator, config={"conn_name": "events_conn"})
    client = emulator.client()
    seen: list[Result] = []

    # up: one connection and one running job, made from config alone.
    seen.append(pulumi.up())
    out = pulumi.outputs()
    assert out["status"] == "running" and out["connection_name"] == "events_conn"
    first_job = out["job_id"]
    assert active_jobs(emulator) == [first_job]
    assert client.get_job(first_job).connection_name == "events_conn"

    # An unchanged program is a no-op, and costs no write.
    emulator.reset_counters()
    seen.append(pulumi.preview("--expect-no-changes"))
    seen.append(pulumi.up("--expect-no-changes"))
    assert emulator.counters()["writes_received"] == 0

    # A spec change: Polaris applies none in place. Preview says replace and names the field;
    # the new job takes the running one's place (replaceRunning), then the old one is gone.
    pulumi.config_set("late", "P90D")
    preview = pulumi.preview("--diff")
    seen.append(preview)
    assert "late_message_rejection_period" in preview.output and "replace" in preview.output
    # replace_running is not the program's change: the provider uses it, the diff does not say it.
    assert "replace_running" not in preview.output
    result = pulumi.up()
    seen.append(result)
    assert "1 replaced" in result.output
    second_job = pulumi.outputs()["job_id"]
    assert second_job != first_job
    new = client.get_job(second_job)
    assert new.spec.late_message_rejection_period == "P90D" and new.spec.replace_running
    assert client.get_job(first_job).execution_status == "canceled"
    assert active_jobs(emulator) == [second_job]
    pulumi.preview("--expect-no-changes")

    # dimensionExclusions too: another replacement, on the same table.
    pulumi.config_set("dims", '["date"]')
    result = pulumi.up()
    seen.append(result)
    assert "1 replaced" in result.output
    third_job = pulumi.outputs()["job_id"]
    assert client.get_job(second_job).execution_status == "canceled"
    assert active_jobs(emulator) == [third_job]
    pulumi.preview("--expect-no-changes")

    # Drift made outside Pulumi: refresh shows and absorbs it; up brings the spec back.
    drifted = (
        client.get_connection("events_conn")
        .spec()
        .model_copy(update={"description": "edited by hand"})
    )
    client.update_connection(drifted)
    result = pulumi.refresh()
    seen.append(result)
    assert "1 updated" in result.output
    connection_state = by_type(pulumi, "Connection")[0]["outputs"]
    assert connection_state["description"] == "edited by hand"  # type: ignore[index]
    preview = pulumi.preview("--diff")
    assert "description" in preview.output and "edited by hand" in preview.output
    pulumi.up()
    assert client.get_connection("events_conn").description is None

    # Deleted outside Pulumi (a job's delete is a cancel): refresh drops both, up recreates.
    client.cancel_job(third_job)
    client.wait_for_end(third_job, timeout=10)
    client.delete_connection("events_conn")
    result = pulumi.refresh()
    seen.append(result)
    assert "2 deleted" in result.output
    assert by_type(pulumi, "Connection") == [] and by_type(pulumi, "StreamingJob") == []
    seen.append(pulumi.up())
    fourth_job = pulumi.outputs()["job_id"]
    assert active_jobs(emulator) == [fourth_job]

    # Renaming the connection replaces it, and the job with it (a new job reading the new
    # connection takes the table); then the old job and the old connection go.
    pulumi.config_set("conn_name", "events_conn_v2")
    result = pulumi.up()
    seen.append(result)
    assert "2 replaced" in result.output
    assert [c.name for c in client.list_connections()] == ["events_conn_v2"]
    [fifth_job] = active_jobs(emulator)
    assert client.get_job(fifth_job).connection_name == "events_conn_v2"

    # destroy: the job is canceled, the connection removed; nothing left running.
    seen.append(pulumi.destroy())
    assert client.list_connections() == []
    assert active_jobs(emulator) == []
    export = pulumi.export()
    assert_no_secrets(emulator, [export] + [r.output for r in seen])


def test_adopt_existing_connection_and_job(tmp_path: Path, emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(
        ConnectionSpec.model_validate(samples.connection(name="legacy_conn", topicName="old_topic"))
    )
    legacy = client.create_job(
        StreamingJobSpec.model_validate(
            samples.job(table="legacy-table", connection_name="legacy_conn")
        )
    )
    client.wait_for_start(legacy.id, timeout=10)

    pulumi = polaris_stack(
        tmp_path, emulator, config={"conn_name": "legacy_conn", "table": "legacy-table"}
    )
    # Without adoption, Pulumi refuses to touch what it does not own, and says how.
    refused = pulumi.up(check=False)
    assert refused.returncode != 0
    assert "adopt_existing=True" in refused.output
    assert client.get_connection("legacy_conn").topic_name == "old_topic"

    pulumi.config_set_all(plain={"adopt": "true", "topic": "new_topic", "late": "P7D"})
    pulumi.refresh()
    pulumi.up()
    # Its spec differed (late period): a new job took the adopted one's place on the table.
    adopted = pulumi.outputs()["job_id"]
    assert client.get_connection("legacy_conn").topic_name == "new_topic"
    assert client.get_job(adopted).spec.late_message_rejection_period == "P7D"
    assert active_jobs(emulator) == [adopted]
    assert client.get_job(legacy.id).execution_status == "canceled"
    pulumi.preview("--expect-no-changes")
    pulumi.destroy()
    assert client.list_connections() == [] and active_jobs(emulator) == []


def test_adopt_refuses_a_job_reading_another_connection(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    client = emulator.client()
    client.create_connection(ConnectionSpec.model_validate(samples.connection(name="other_conn")))
    other = client.create_job(
        StreamingJobSpec.model_validate(
            samples.job(table="shared-table", connection_name="other_conn")
        )
    )
    pulumi = polaris_stack(tmp_path, emulator, config={"adopt": "true", "table": "shared-table"})
    result = pulumi.up(check=False)
    assert result.returncode != 0
    assert "not the job this program declares" in result.output
    assert active_jobs(emulator) == [other.id]
    pulumi.destroy()  # removes the connection that was created
    assert [c.name for c in client.list_connections()] == ["other_conn"]


UNKNOWN_BOOTSTRAP_PROGRAM = """
import pulumi
import polaris_pulumi as polaris
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

class ClusterProvider(ResourceProvider):
    def create(self, props):
        return CreateResult("lkc-1", {"bootstrap_endpoint": "SASL_SSL://pkc-9z9z9.us-east-1.aws.confluent.cloud:9092"})

class KafkaCluster(Resource):
    bootstrap_endpoint: pulumi.Output[str]
    def __init__(self, name):
        super().__init__(ClusterProvider(), name, {"bootstrap_endpoint": None})

cluster = KafkaCluster("cluster")
conn = polaris.Connection(
    "events",
    bootstrap_servers=polaris.bootstrap_servers(cluster.bootstrap_endpoint),
    topic_name="my_topic",
    secrets={"username": "KEY", "password": pulumi.Config().require_secret("kafka_password")},
)
job = polaris.StreamingJob(
    "ingest",
    source={"connection_name": conn.name, "format_settings": {"format": "nd-json"},
            "input_schema": [{"name": "ts", "data_type": "string"}]},
    mappings=[{"column_name": "__time", "expression": 'TIME_PARSE("ts")'}],
    target={"table_name": "events"},
    create_table_if_not_exists=True,
)
pulumi.export("bootstrap", conn.bootstrap_servers)
"""


def test_preview_with_unknown_bootstrap_servers(tmp_path: Path, emulator: EmulatorProcess) -> None:
    pulumi = polaris_stack(tmp_path, emulator, UNKNOWN_BOOTSTRAP_PROGRAM)
    emulator.reset_counters()
    preview = pulumi.preview()
    # The stack, cluster, connection, job, and the one wait for the jobs.
    assert "+ 5 to create" in preview.output
    # Unknowns never reach the API: only the access check's reads were made.
    assert emulator.only_access_checks(), emulator.counters()
    pulumi.up()
    assert pulumi.outputs()["bootstrap"] == "pkc-9z9z9.us-east-1.aws.confluent.cloud:9092"
    conn = emulator.client().list_connections()[0]
    assert conn.bootstrap_servers == "pkc-9z9z9.us-east-1.aws.confluent.cloud:9092"
    pulumi.destroy()


@pytest.mark.parametrize(
    ("config", "prop", "words"),
    [
        ({"late": "30 days"}, "late_message_rejection_period", "ISO-8601"),
        ({"topic": "events[(", "pattern": "true"}, "topic_name", "not a valid regular expression"),
        (
            {"bootstrap": "SASL_SSL://pkc-1.confluent.cloud:9092"},
            "bootstrap_servers",
            "drop the 'SASL_SSL://' prefix",
        ),
        ({"conn_name": "bad name!"}, "name", "1-64 ASCII letters"),
        ({"max_parse_exceptions": "-1"}, "max_parse_exceptions", "between 0 and"),
    ],
)
def test_bad_input_is_rejected_at_preview_with_zero_writes(
    tmp_path: Path, emulator: EmulatorProcess, config: dict[str, str], prop: str, words: str
) -> None:
    pulumi = polaris_stack(tmp_path, emulator)
    for key, value in config.items():
        pulumi.config_set(key, value)
    emulator.reset_counters()
    for result in (pulumi.preview(check=False), pulumi.up(check=False, skip_preview=False)):
        assert result.returncode != 0
        assert prop in result.output and words in result.output
    assert emulator.only_access_checks(runs=2), emulator.counters()  # no write, reads to check
    assert pulumi.resources() == [] or all(
        r["type"] == "pulumi:pulumi:Stack" for r in pulumi.resources()
    )


def test_failed_connection_test_creates_nothing(tmp_path: Path, emulator: EmulatorProcess) -> None:
    pulumi = polaris_stack(tmp_path, emulator, config={"topic": "missing_topic"})
    result = pulumi.up(check=False)
    assert result.returncode != 0
    assert "Unknown topic" in result.output and "Nothing was created" in result.output
    assert emulator.client().list_connections() == []
    assert emulator.client().list_jobs() == []


def test_state_secrets_and_provider_size(tmp_path: Path, emulator: EmulatorProcess) -> None:
    pulumi = polaris_stack(tmp_path, emulator)
    up = pulumi.up("--diff")
    export = pulumi.export()
    outputs = pulumi.run("stack", "output", "--json").stdout
    assert_no_secrets(emulator, [up.output, export, outputs])
    resources = json.loads(export)["deployment"]["resources"]
    conn = next(r for r in resources if r["type"].endswith(":Connection"))
    # The password given as a plain config string is a secret in inputs and outputs alike.
    assert "ciphertext" in conn["outputs"]["secrets"]
    assert "ciphertext" in conn["inputs"]["secrets"]["password"]
    for r in resources:
        if "dynamic" in r["type"]:
            # By reference and empty: stored plain, since it provably holds nothing secret.
            blob = r["inputs"]["__provider"]
            assert isinstance(blob, str) and len(blob) < 120, blob
            provider = dill.loads(base64.b64decode(blob))
            assert type(provider).__module__.startswith("polaris_pulumi.")
            assert vars(provider) == {}
    # The engine's source position is the program's line that declared each resource, not
    # our constructor's.
    lines = textwrap.dedent(INGESTION_PROGRAM).splitlines()  # as write_program writes it
    for kind in ("Connection", "StreamingJob"):
        r = next(r for r in resources if r["type"].endswith(f":{kind}"))
        line = next(i for i, text in enumerate(lines, 1) if f"polaris.{kind}(" in text)
        assert r["sourcePosition"] == f"project:///__main__.py#{line}", r["sourcePosition"]
    pulumi.destroy()


def test_get_reads_existing_objects(tmp_path: Path, emulator: EmulatorProcess) -> None:
    client = emulator.client()
    client.create_connection(ConnectionSpec.model_validate(samples.CONNECTION))
    job = client.create_job(StreamingJobSpec.model_validate(samples.JOB))
    program = f"""
import pulumi
import polaris_pulumi as polaris
conn = polaris.Connection.get("existing", "my_connection")
job = polaris.StreamingJob.get("existing-job", "{job.id}")
pulumi.export("topic", conn.topic_name)
pulumi.export("table", job.target["table_name"])
pulumi.export("late", job.late_message_rejection_period)
"""
    pulumi = polaris_stack(tmp_path, emulator, program)
    pulumi.up()
    assert pulumi.outputs() == {
        "topic": "my_topic",
        "table": "sample-confluent-ingestion",
        "late": "P30D",
    }
    pulumi.destroy()  # read resources are not deleted
    assert [c.name for c in client.list_connections()] == ["my_connection"]
    assert active_jobs(emulator) == [job.id]


def test_program_errors_do_not_leak_the_password(tmp_path: Path, emulator: EmulatorProcess) -> None:
    program = INGESTION_PROGRAM + "\nraise RuntimeError('boom')\n"
    pulumi = polaris_stack(tmp_path, emulator, program)
    result = pulumi.up(check=False)
    assert result.returncode != 0 and "boom" in result.output
    assert_no_secrets(emulator, [result.output, pulumi.export()])


def test_write_program_helper_uses_repo_venv(tmp_path: Path) -> None:
    workdir = write_program(tmp_path / "p", "print('x')")
    assert "virtualenv:" in (workdir / "Pulumi.yaml").read_text()
