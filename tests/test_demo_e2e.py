"""The root demo program (README's first command) through the real CLI, against a test emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import REPO
from tests.stacks import polaris_stack

pytestmark = pytest.mark.e2e


def test_demo_program_up_noop_refresh_destroy(tmp_path: Path, emulator: EmulatorProcess) -> None:
    program = (REPO / "__main__.py").read_text()
    pulumi = polaris_stack(
        tmp_path, emulator, program, secrets={"kafkaApiSecret": "demo-secret-value-42"}
    )
    pulumi.up()
    jobs = pulumi.outputs()["jobs"]
    assert {name: (j["status"], j["table"]) for name, j in jobs.items()} == {
        "page-views": ("running", "page-views"),
        "page-views-hourly": ("running", "page-views-hourly"),
    }
    client = emulator.client()
    assert {t.name: t.type for t in client.list_tables()} == {
        "page-views": "detail",
        "page-views-hourly": "aggregate",
    }
    emulator.reset_counters()
    pulumi.up("--expect-no-changes")
    # A no-op up makes no write, and reads only for the access check of preview.
    assert emulator.only_access_checks(), emulator.counters()
    emulator.reset_counters()
    pulumi.refresh("--skip-preview", "--expect-no-changes")
    reads = emulator.counters()
    # One read per connection, table and job, and one list of the jobs for the one wait.
    assert reads["writes_received"] == 0 and reads["total_received"] == 1 + 1 + 2 + 1
    # A spec change: a new job takes the running one's place on the table (replaceRunning).
    hourly = client.get_job(jobs["page-views-hourly"]["id"])
    pulumi.config_set("lateMessageRejectionPeriod", "P90D")
    assert "1 replaced" in pulumi.up().output
    new_hourly = client.get_job(pulumi.outputs()["jobs"]["page-views-hourly"]["id"])
    assert (
        new_hourly.spec.replace_running and new_hourly.spec.late_message_rejection_period == "P90D"
    )
    assert client.get_job(hourly.id).execution_status == "canceled"
    pulumi.preview("--expect-no-changes")
    pulumi.destroy()
    # The declared table is dropped (the demo opts out of protection); the one the detail
    # job had Polaris create is not the stack's.
    assert [t.name for t in client.list_tables()] == ["page-views"]
    assert client.list_connections() == []
    assert all(j.is_terminal for j in client.list_jobs())
    assert "demo-secret-value-42" not in pulumi.export()


def test_multi_topic_example(tmp_path: Path, emulator: EmulatorProcess) -> None:
    program = (REPO / "examples" / "multi-topic" / "__main__.py").read_text()
    pulumi = polaris_stack(
        tmp_path,
        emulator,
        program,
        config={
            "bootstrapServers": "pkc-1.eu-west-1.aws.confluent.cloud:9092,pkc-2.eu-west-1.aws.confluent.cloud:9092"
        },
    )
    pulumi.config_set_all(
        plain={"kafkaApiKey": "CLICKSKEY"}, secret={"kafkaApiSecret": "clicks-secret-1"}
    )
    pulumi.up()
    conn = emulator.client().get_connection(pulumi.outputs()["connection"])
    assert (conn.topic_name, conn.topic_name_is_pattern) == (r"clicks\..+", True)
    job = emulator.client().get_job(pulumi.outputs()["job_id"])
    assert (job.spec.read_from_point, job.spec.late_message_rejection_period) == (
        "earliest",
        "P365D",
    )
    pulumi.preview("--expect-no-changes")
    pulumi.destroy()


def test_schema_registry_example(tmp_path: Path, emulator: EmulatorProcess) -> None:
    program = (REPO / "examples" / "schema-registry" / "__main__.py").read_text()
    pulumi = polaris_stack(
        tmp_path,
        emulator,
        program,
        secrets={"kafkaApiSecret": "kafka-secret-1", "registryApiSecret": "registry-secret-1"},
    )
    shown = pulumi.up().output
    assert "registry-secret-1" not in shown and "kafka-secret-1" not in shown
    client, outputs = emulator.client(), pulumi.outputs()
    registry = client.get_connection(outputs["registry"])
    assert registry.type == "confluent_schema_registry"
    orders = client.get_job(outputs["jobs"]["orders"]).spec.source.format_settings
    assert orders.parse_schema_provider is not None
    assert orders.parse_schema_provider.connection_name == outputs["registry"]
    clicks = client.get_job(outputs["jobs"]["clicks"]).spec.source.format_settings
    assert clicks.value_format is not None and clicks.value_format.format == "protobuf"
    assert (clicks.header_format, clicks.timestamp_column_name) == ("utf-8", "kafka.timestamp")
    assert emulator.active_jobs().keys() == set(outputs["jobs"].values())
    pulumi.preview("--expect-no-changes")
    state = pulumi.export()
    assert "registry-secret-1" not in state and "kafka-secret-1" not in state
    pulumi.destroy()
    assert client.list_connections() == []


def test_self_managed_kafka_example(tmp_path: Path, emulator: EmulatorProcess) -> None:
    """The `kafka` connection example: SCRAM over TLS with a private CA, then a job on it."""
    from tests import samples

    program = (REPO / "examples" / "self-managed-kafka" / "__main__.py").read_text()
    pulumi = polaris_stack(
        tmp_path,
        emulator,
        program,
        config={
            "bootstrapServers": "kafka-1.internal.example.com:9094",
            "kafkaUser": "polaris-ingest",
            "caCertificates": samples.PEM_CERT,
        },
        secrets={"kafkaPassword": "scram-example-secret-7"},
    )
    pulumi.up()
    client = emulator.client()
    conn = client.get_connection(pulumi.outputs()["connection"])
    assert conn.type == "kafka" and conn.secrets is not None
    assert (conn.secrets.type, conn.secrets.mechanism, conn.secrets.username) == (
        "sasl_scram",
        "SCRAM-SHA-512",
        "polaris-ingest",
    )
    assert conn.ssl is not None and conn.ssl.truststore is not None
    assert conn.ssl.truststore.certificates == samples.PEM_CERT
    job = client.get_job(pulumi.outputs()["job_id"])
    assert job.spec.source.connection_name == conn.name
    pulumi.preview("--expect-no-changes")
    # A rotated password is an in-place update (PATCH), tested again.
    pulumi.config_set("kafkaPassword", "scram-example-secret-8", secret=True)
    shown = pulumi.preview("--diff").output
    assert "1 to update" in shown
    assert "scram-example-secret" not in shown
    assert "1 updated" in pulumi.up().output
    assert "scram-example-secret" not in pulumi.export()
    pulumi.destroy()
