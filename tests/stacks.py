"""Pulumi programs and stacks wired to an emulator, for end-to-end tests."""

from __future__ import annotations

from pathlib import Path

from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import Pulumi, write_program

KAFKA_PASSWORD = "kafka-Pw-7Fh2kQ9xLm3"

# The seed example, every knob driven by stack config so one program serves a whole lifecycle.
INGESTION_PROGRAM = """
import json
import pulumi
import polaris_pulumi as polaris

cfg = pulumi.Config()
conn = polaris.Connection(
    "events",
    name=cfg.get("conn_name"),
    description=cfg.get("description"),
    bootstrap_servers=cfg.get("bootstrap") or "pkc-xxxxx.us-east-1.aws.confluent.cloud:9092",
    topic_name=cfg.get("topic") or "my_topic",
    topic_name_is_pattern=cfg.get_bool("pattern"),
    secrets={"type": "sasl_plain", "username": "CONFLUENTKEY", "password": cfg.require("kafka_password")},
    adopt_existing=cfg.get_bool("adopt"),
    test_connection=cfg.get_bool("test_connection"),
)
job = polaris.StreamingJob(
    "events-ingest",
    source={
        "type": "connection",
        "connection_name": conn.name,
        "format_settings": {"format": "nd-json"},
        "input_schema": [{"name": "date", "data_type": "string"}, {"name": "time", "data_type": "string"}],
    },
    mappings=[{"column_name": "__time", "expression": 'TIME_PARSE(CONCAT("date", \\'T\\', "time"))'}],
    target={"type": "table", "table_name": cfg.get("table") or "sample-confluent-ingestion"},
    create_table_if_not_exists=True,
    use_schema_discovery=True,
    dimension_exclusions=json.loads(cfg.get("dims") or '["date", "time"]'),
    late_message_rejection_period=cfg.get("late"),
    max_parse_exceptions=cfg.get_int("max_parse_exceptions"),
    adopt_existing=cfg.get_bool("adopt"),
    desired_execution_status=cfg.get("desired"),
    read_position_reset_trigger=cfg.get("reset"),
    wait_timeout=30,
)
pulumi.export("connection_name", conn.name)
pulumi.export("job_id", job.id)
pulumi.export("status", job.started.execution_status)  # as the wait for it ended
pulumi.export("table", job.target["table_name"])
pulumi.export("health", job.started.health)  # as the wait ended
"""


def polaris_stack(
    tmp_path: Path,
    emulator: EmulatorProcess,
    program: str = INGESTION_PROGRAM,
    stack: str = "test",
    project_dir: Path | None = None,
    config: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> Pulumi:
    """A stack whose provider config points at the emulator (config only, no env), with more
    `config` and `secrets` (which win over these), set in one CLI run."""
    workdir = project_dir or write_program(tmp_path / "program", program, name="polaris-e2e")
    pulumi = Pulumi(workdir, tmp_path / "state", stack=stack)
    pulumi.init()
    plain = {"polaris:url": emulator.url, "polaris:projectId": emulator.project_id}
    secret = {"polaris:apiKey": emulator.api_key, "kafka_password": KAFKA_PASSWORD}
    plain = {k: v for k, v in (plain | (config or {})).items() if k not in (secrets or {})}
    secret = {k: v for k, v in (secret | (secrets or {})).items() if k not in (config or {})}
    pulumi.config_set_all(plain=plain, secret=secret)
    return pulumi


# N connections + N jobs, for chaos, crash and benchmark runs: fixed connection names, or
# derived ones with config `auto_names`.
MANY_PROGRAM = """
import pulumi
import polaris_pulumi as polaris

cfg = pulumi.Config()
adopt = cfg.get_bool("adopt")
for i in range(cfg.get_int("count") or 0):
    conn = polaris.Connection(
        f"conn-{i}",
        name=None if cfg.get_bool("auto_names") else f"conn_{i}",
        bootstrap_servers="pkc-1.us-east-1.aws.confluent.cloud:9092",
        topic_name=f"topic_{i}",
        secrets={"username": "KEY", "password": cfg.require("kafka_password")},
        adopt_existing=adopt,
    )
    polaris.StreamingJob(
        f"job-{i}",
        source={"connection_name": conn.name, "format_settings": {"format": "nd-json"},
                "input_schema": [{"name": "ts", "data_type": "string"}]},
        mappings=[{"column_name": "__time", "expression": 'TIME_PARSE("ts")'}],
        target={"table_name": f"table-{i}"},
        create_table_if_not_exists=True,
        adopt_existing=adopt,
        wait_timeout=120,
    )
"""

# One valid connection + job; stack config `case` (JSON) overrides their arguments.
BAD_INPUT_PROGRAM = """
import json
import pulumi
import polaris_pulumi as polaris

case = json.loads(pulumi.Config().get("case") or "{}")
conn_args = {
    "name": "bad_input_conn",
    "bootstrap_servers": "pkc-1.us-east-1.aws.confluent.cloud:9092",
    "topic_name": "events",
    "secrets": {"type": "sasl_plain", "username": "KEY", "password": "pw-123456"},
} | case.get("conn", {})
conn = polaris.Connection("conn", **conn_args)
job_args = {
    "source": {"connection_name": conn.name, "format_settings": {"format": "nd-json"},
               "input_schema": [{"name": "ts", "data_type": "string"}, {"name": "page", "data_type": "string"}]},
    "mappings": [{"column_name": "__time", "expression": 'TIME_PARSE("ts")'}],
    "target": {"table_name": "bad-input-table"},
    "create_table_if_not_exists": True,
}
for key, value in case.get("job", {}).items():
    if isinstance(value, dict) and isinstance(job_args.get(key), dict):
        job_args[key] = {**job_args[key], **value}
    else:
        job_args[key] = value
polaris.StreamingJob("job", **job_args)
if case.get("second_job_same_table"):
    polaris.StreamingJob("job-2", **job_args)
"""
