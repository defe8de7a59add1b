"""A declared aggregate table, a job writing to it, and deletion protection, through the
real CLI against the emulator (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.emulator_proc import EmulatorProcess
from tests.stacks import polaris_stack

pytestmark = pytest.mark.e2e

TABLE_PROGRAM = """
import pulumi
import polaris_pulumi as polaris

cfg = pulumi.Config()
kind = cfg.get("type") or "aggregate"
conn = polaris.Connection(
    "events",
    bootstrap_servers="pkc-1.us-east-1.aws.confluent.cloud:9092",
    topic_name="page_views",
    secrets={"username": "KEY", "password": cfg.require("kafka_password")},
)
hourly = polaris.Table(
    "hourly",
    name="page-views-hourly",
    type=kind,
    schema_mode="strict",
    partitioning_granularity=cfg.get("granularity") or "day",
    time_resolution="hour",
    clustering_columns=["page"],
    schema=[
        polaris.TableColumnArgs(name="__time", data_type="timestamp", type="dimension"),
        polaris.TableColumnArgs(name="page", data_type="string", type="dimension"),
        {"name": "views", "data_type": "long", "type": "measure"},
    ],
    deletion_protection=cfg.get_bool("protect") is not False,
)
job = polaris.StreamingJob(
    "hourly",
    source={
        "connection_name": conn.name,
        "format_settings": {"format": "nd-json"},
        "input_schema": [{"name": "ts", "data_type": "string"}, {"name": "page", "data_type": "string"}],
    },
    mappings=[
        {"column_name": "__time", "expression": "TIME_FLOOR(TIME_PARSE(\\"ts\\"), 'PT1H')"},
        {"column_name": cfg.get("page_column") or "page", "expression": '"page"'},
        {"column_name": "views", "expression": "COUNT(*)", "is_aggregation": True},
    ],
    target=polaris.TableTargetArgs(table_name=hourly.name),
    wait_timeout=30,
)
pulumi.export("table_id", hourly.table_id)
pulumi.export("version", hourly.version)
pulumi.export("job_id", job.id)
"""


def test_declared_table_updates_in_place_and_protection_survives_destroy(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    pulumi = polaris_stack(tmp_path, emulator, TABLE_PROGRAM)
    client = emulator.client()
    pulumi.up()
    first = pulumi.outputs()
    table = client.get_table("page-views-hourly")
    assert (table.type, table.schema_mode, table.time_resolution) == ("aggregate", "strict", "hour")
    assert [c.name for c in table.schema_ or []] == ["__time", "page", "views"]
    assert emulator.active_jobs() == {first["job_id"]: "page-views-hourly"}
    pulumi.preview("--expect-no-changes")

    # The job's mappings are held to the declared strict schema, at preview.
    pulumi.config_set("page_column", "url")
    refused = pulumi.preview(check=False)
    assert refused.returncode != 0
    assert "mappings[1].column_name" in refused.output and "strict" in refused.output
    pulumi.run("config", "rm", "page_column", "--stack", pulumi.stack)

    # Partitioning changes in place: same table, next version, the job untouched.
    pulumi.config_set("granularity", "hour")
    assert "1 to update" in pulumi.preview().output
    pulumi.up()
    table = client.get_table("page-views-hourly")
    assert (table.partitioning_granularity, table.version) == ("hour", 1)
    assert pulumi.outputs()["table_id"] == first["table_id"]
    assert emulator.active_jobs() == {first["job_id"]: "page-views-hourly"}

    # A new type would drop the table: refused at preview while protected.
    pulumi.config_set("type", "detail")
    refused = pulumi.preview(check=False)
    assert refused.returncode != 0 and "deletion_protection=False" in refused.output
    pulumi.run("config", "rm", "type", "--stack", pulumi.stack)

    # Destroy fails before anything is deleted, with or without the engine's preview.
    emulator.reset_counters()
    for extra in ((), ("--skip-preview",)):
        failed = pulumi.destroy(*extra, check=False)
        assert failed.returncode != 0, failed.output
        assert "protect" in failed.output, failed.output
        if extra:  # no preview: the job's delete comes first, and refuses
            assert "nothing was canceled" in failed.output, failed.output
            assert "Traceback" not in failed.output, failed.output  # our error, as its message
        else:  # the engine's preview refuses to delete a protected resource
            assert "because it is protected" in failed.output, failed.output
        assert client.get_table("page-views-hourly").version == 1
        assert emulator.active_jobs() == {first["job_id"]: "page-views-hourly"}
        assert client.get_connection(client.list_connections()[0].name)
    # The engine's hint, `pulumi state unprotect`, ends in our refusal, in one paragraph.
    urn = next(r["urn"] for r in pulumi.resources() if r["type"].endswith(":Table"))
    pulumi.run("state", "unprotect", urn, "--yes", "--stack", pulumi.stack)
    failed = pulumi.destroy(check=False)
    assert failed.returncode != 0 and "deletion_protection" in failed.output, failed.output
    assert "state unprotect` alone does not lift it" in failed.output, failed.output
    assert "Traceback" not in failed.output and 'File "' not in failed.output, failed.output
    assert emulator.counters()["writes_received"] == 0

    # Opting out takes an `up` first; then destroy drops the table after canceling the job.
    pulumi.config_set("protect", "false")
    pulumi.up()
    pulumi.destroy()
    assert client.list_tables() == [] and emulator.active_jobs() == {}
    assert client.list_connections() == []
