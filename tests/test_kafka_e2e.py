"""The local stack on a real Kafka broker, through the real CLI: connection tests log in with
the connection's own secrets, and jobs consume their topics for real (counted by metrics).

Each wait below is for a state the emulator reports (metrics, status), with a deadline; the one
window that waits for something not to happen (a suspended job reads nothing) is bounded."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from polaris_pulumi.api import ConnectionSpec, PolarisClient, StreamingJobSpec
from scripts.demo_kafka import day
from tests.emulator_proc import EmulatorProcess
from tests.kafka_broker import (
    KAFKA_USER,
    KAFKA_USER_PASSWORD,
    ROTATING_PASSWORD,
    ROTATING_USER,
    SCRAM512_PASSWORD,
    SCRAM512_USER,
    LocalKafka,
)
from tests.pulumi_cli import Pulumi
from tests.stacks import polaris_stack

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
import polaris_pulumi as polaris

cfg = pulumi.Config()
conn = polaris.Connection(
    "events",
    name="live-events",
    bootstrap_servers=cfg.require("bootstrap"),
    topic_name=cfg.require("topic"),
    secrets={"type": "sasl_plain", "username": cfg.require("user"), "password": cfg.require_secret("password")},
)
job = polaris.StreamingJob(
    "views",
    source={
        "connection_name": conn.name,
        "format_settings": {"format": "nd-json"},
        "input_schema": [{"name": "ts", "data_type": "string"}, {"name": "bytes", "data_type": "long"}],
    },
    mappings=[{"column_name": "__time", "expression": 'TIME_PARSE("ts")'}],
    target={"table_name": "live-views"},
    create_table_if_not_exists=True,
    use_schema_discovery=True,
    read_from_point="earliest",
    desired_execution_status=cfg.get("desired"),
    read_position_reset_trigger=cfg.get("reset"),
    late_message_rejection_period=cfg.get("late"),
    wait_timeout=60,
)
pulumi.export("job_id", job.id)
"""


def events(n: int, start: int = 0) -> list[bytes]:
    """Yesterday's: inside the jobs' late-message rejection period (P30D, or P90D)."""
    return [
        json.dumps({"ts": f"{day()}T10:{i % 60:02d}:00Z", "bytes": 100 + i}).encode()
        for i in range(start, start + n)
    ]


def live_stack(
    tmp_path: Path,
    emulator: EmulatorProcess,
    kafka: LocalKafka,
    topic: str,
    program: str = PROGRAM,
) -> Pulumi:
    """A stack of `program` on the emulator and the broker, as the PLAIN test user."""
    pulumi = polaris_stack(
        tmp_path,
        emulator,
        program,
        config={"bootstrap": kafka.bootstrap, "topic": topic, "user": KAFKA_USER},
        secrets={"password": KAFKA_USER_PASSWORD},
    )
    return pulumi


def until(
    what: str, probe: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = 45
) -> Any:
    """Poll the emulator until `ok(probe())`, or fail with the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value!r} after {timeout:g}s")
        time.sleep(0.2)


def totals(client: PolarisClient, job_id: str) -> dict[str, int]:
    return client.get_job_metrics(job_id).totals.model_dump()


def test_job_consumes_suspends_resumes_and_resets(
    tmp_path: Path, live_emulator: EmulatorProcess, kafka: LocalKafka
) -> None:
    topic = kafka.topic("views")
    produced = kafka.produce(topic, events(7))
    pulumi = live_stack(tmp_path, live_emulator, kafka, topic)
    pulumi.up()
    client = live_emulator.client()
    job_id = pulumi.outputs()["job_id"]
    got = until("7 rows", lambda: totals(client, job_id), lambda t: t["num_rows_processed"] >= 7)
    assert got["num_rows_processed"] == produced == 7
    assert got["num_bytes_processed"] == sum(len(e) for e in events(7))
    job = until(
        "running", lambda: client.get_job(job_id), lambda j: j.execution_status == "running"
    )
    assert job.health.status == "ok"

    # A malformed record is counted as unparseable, and health turns warn.
    kafka.produce(topic, [b'{"ts": "2026-12-01T11:00:00Z", "bytes": '])
    until(
        "unparseable", lambda: totals(client, job_id), lambda t: t["num_rows_skipped_by_error"] == 1
    )
    job = client.get_job(job_id)
    assert (job.health.status, job.health.code) == ("warn", "invalid_rows_found")
    assert "could not be parsed" in (job.health.message or "")

    # Suspended: what arrives is not read; resumed: it is, from where it stopped.
    pulumi.config_set("desired", "suspended")
    pulumi.up()
    assert client.get_job(job_id).execution_status == "suspended"
    kafka.produce(topic, events(3, start=7))
    time.sleep(3)  # a window in which a consumer would have read them; none may
    assert totals(client, job_id)["num_rows_processed"] == 7
    pulumi.config_set("desired", "running")
    pulumi.up()
    until("10 rows", lambda: totals(client, job_id), lambda t: t["num_rows_processed"] >= 10)
    assert totals(client, job_id)["num_rows_processed"] == 10

    # A reset goes back to readFromPoint (earliest): every record is read again.
    pulumi.config_set("reset", "again")
    pulumi.up()
    want = {"num_rows_processed": 20, "num_rows_skipped_by_error": 2}
    got = until("re-read", lambda: totals(client, job_id), lambda t: t["num_rows_processed"] >= 20)
    assert {k: got[k] for k in want} == want

    # A spec change replaces the job (replaceRunning); the new one reads on from the table's
    # position, not from readFromPoint: only what arrives after it.
    pulumi.config_set("late", "P90D")
    pulumi.up()
    new_id = pulumi.outputs()["job_id"]
    assert new_id != job_id and client.get_job(job_id).execution_status == "canceled"
    kafka.produce(topic, events(2, start=10))
    got = until(
        "2 new rows", lambda: totals(client, new_id), lambda t: t["num_rows_processed"] >= 2
    )
    assert (got["num_rows_processed"], got["num_rows_skipped_by_error"]) == (2, 0)
    pulumi.destroy()
    assert client.get_job(new_id).execution_status == "canceled"


def test_wrong_password_rolls_back_and_rotation_keeps_consuming(
    tmp_path: Path, own_live_emulator: EmulatorProcess, own_kafka: LocalKafka
) -> None:
    # The rotation restarts the broker: this test's own, so no other test sees it go.
    live_emulator, kafka = own_live_emulator, own_kafka
    topic = kafka.topic("rotate")
    pulumi = live_stack(tmp_path, live_emulator, kafka, topic)
    pulumi.config_set_all(plain={"user": ROTATING_USER}, secret={"password": ROTATING_PASSWORD})
    pulumi.up()
    client = live_emulator.client()
    job_id = pulumi.outputs()["job_id"]
    kafka.produce(topic, events(2))
    until("2 rows", lambda: totals(client, job_id), lambda t: t["num_rows_processed"] >= 2)

    # A wrong password: the connection test fails with Kafka's reason, the old one is kept.
    pulumi.config_set("password", "not-the-password", secret=True)
    failed = pulumi.up(check=False)
    assert failed.returncode != 0
    assert "Authentication failed: Invalid username or password" in failed.output
    assert "not-the-password" not in failed.output
    kafka.produce(topic, events(1, start=2))
    until("3 rows", lambda: totals(client, job_id), lambda t: t["num_rows_processed"] >= 3)
    assert client.get_job(job_id).health.status == "ok"

    # Rotated in Kafka and in the program, in one up: the job goes on consuming.
    kafka.rotate(ROTATING_USER, "rotated-Pw-5tR1wQ")
    # Until the program has the new password, the job's credentials no longer work.
    health = until(
        "auth error", lambda: client.get_job(job_id).health, lambda h: h.status == "error"
    )
    assert health.code == "could_not_connect_to_source"
    assert "Authentication failed" in (health.message or "")
    pulumi.config_set("password", "rotated-Pw-5tR1wQ", secret=True)
    pulumi.up()
    # Its credentials work again: healthy as soon as its consumer has its partitions, with no
    # new record (the health follows the present, not the last record).
    healed = until(
        "health ok", lambda: client.get_job(job_id).health, lambda h: h.status == "ok", timeout=10
    )
    assert healed.code is None
    assert totals(client, job_id)["num_rows_processed"] == 3  # nothing new was read
    kafka.produce(topic, events(2, start=3))
    got = until("5 rows", lambda: totals(client, job_id), lambda t: t["num_rows_processed"] >= 5)
    assert got["num_rows_processed"] == 5
    # The status follows the batch its metrics count (a moment later: metrics commit with the
    # rows, then the job's record is updated).
    job = until(
        "running", lambda: client.get_job(job_id), lambda j: j.execution_status == "running"
    )
    assert (job.id, job.health.status) == (job_id, "ok")
    state = pulumi.export()
    for secret in (
        ROTATING_PASSWORD,
        "not-the-password",
        "rotated-Pw-5tR1wQ",
        live_emulator.api_key,
    ):
        assert secret not in state


def test_a_deleted_topic_turns_health_to_error(
    live_emulator: EmulatorProcess, kafka: LocalKafka
) -> None:
    """Through the client (no CLI): the health comes from Kafka's own error."""
    topic = kafka.topic("gone")
    client = live_emulator.client()
    client.create_connection(
        ConnectionSpec.model_validate(
            {
                "name": "gone",
                "bootstrapServers": kafka.bootstrap,
                "topicName": topic,
                "secrets": {
                    "type": "sasl_plain",
                    "username": KAFKA_USER,
                    "password": KAFKA_USER_PASSWORD,
                },
            }
        )
    )
    client.test_connection("gone")
    spec = StreamingJobSpec.model_validate(
        {
            "source": {"connectionName": "gone", "formatSettings": {"format": "nd-json"}},
            "mappings": [{"columnName": "__time", "expression": "CURRENT_TIMESTAMP"}],
            "target": {"tableName": "gone"},
            "createTableIfNotExists": True,
        }
    )
    job = client.create_job(spec)
    until("idle", lambda: client.get_job(job.id).execution_status, lambda s: s == "idle")
    kafka.delete_topic(topic)
    health = until(
        "error", lambda: client.get_job(job.id).health, lambda h: h.status == "error", timeout=60
    )
    assert health.code == "topic_not_found", health


# The same job, from a `kafka` connection that logs in with SASL/SCRAM.
PLAIN_CONNECTION = PROGRAM[PROGRAM.index("conn = ") : PROGRAM.index("job = ")]
SCRAM_PROGRAM = (
    PROGRAM.replace(
        PLAIN_CONNECTION,
        """conn = polaris.KafkaConnection(
    "events",
    bootstrap_servers=cfg.require("bootstrap"),
    topic_name=cfg.require("topic"),
    client_rack="rack-1",
    secrets=polaris.SaslScramSecretsArgs(
        mechanism=cfg.get("mechanism") or "SCRAM-SHA-512",
        username=cfg.require("user"),
        password=cfg.require_secret("password"),
    ),
)
""",
    )
    + 'pulumi.export("connection", conn.name)\n'
)


def test_kafka_connection_with_scram_feeds_a_job(
    tmp_path: Path, live_emulator: EmulatorProcess, kafka: LocalKafka
) -> None:
    """A `KafkaConnection` logs in with SCRAM-SHA-512; a wrong mechanism or password fails
    its test with Kafka's reason, and the connection keeps working."""
    topic = kafka.topic("scram")
    produced = kafka.produce(topic, events(4))
    pulumi = live_stack(tmp_path, live_emulator, kafka, topic, SCRAM_PROGRAM)
    pulumi.config_set_all(plain={"user": SCRAM512_USER}, secret={"password": SCRAM512_PASSWORD})
    pulumi.up()
    client = live_emulator.client()
    job_id = pulumi.outputs()["job_id"]
    got = until("4 rows", lambda: totals(client, job_id), lambda t: t["num_rows_processed"] >= 4)
    assert got["num_rows_processed"] == produced == 4
    conn = client.get_connection(pulumi.outputs()["connection"])
    assert (conn.type, conn.secrets.mechanism if conn.secrets else None) == (
        "kafka",
        "SCRAM-SHA-512",
    )

    # The wrong mechanism (the user has a SCRAM-SHA-512 credential only), then the wrong
    # password: each fails the test with Kafka's reason, and the update is put back.
    for key, value in (("mechanism", "SCRAM-SHA-256"), ("password", "not-the-scram-password")):
        pulumi.config_set(key, value, secret=key == "password")
        failed = pulumi.up(check=False)
        assert failed.returncode != 0
        assert (
            "Authentication failed during authentication due to invalid credentials"
            in failed.output
        )
        assert "put back to its previous settings" in failed.output
        assert "not-the-scram-password" not in failed.output
        pulumi.config_set(key, "SCRAM-SHA-512" if key == "mechanism" else SCRAM512_PASSWORD,
                          secret=key == "password")  # fmt: skip
    kafka.produce(topic, events(2, start=4))
    got = until("6 rows", lambda: totals(client, job_id), lambda t: t["num_rows_processed"] >= 6)
    assert got["num_rows_processed"] == 6
    assert client.get_job(job_id).health.status == "ok"
    state = pulumi.export()
    assert SCRAM512_PASSWORD not in state and "not-the-scram-password" not in state
    pulumi.destroy()
