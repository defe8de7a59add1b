"""`polaris-pulumi import`, round trip through the real CLI: a project made with raw API calls
is written out as a program, whose first `pulumi up` adopts everything with no API write, and
whose later edit of one job replaces that job only."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import samples
from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import VENV, Pulumi, write_program

pytestmark = pytest.mark.e2e

NDJSON = {"format": "nd-json"}
CSV = {"format": "csv", "columns": ["date", "time"]}
AVRO = {
    "format": "avro_stream",
    "parseSchemaProvider": {"type": "connection", "connectionName": "reg-0"},
}
KAFKA = {"format": "kafka", "valueFormat": {"format": "nd-json"}, "timestampColumnName": "kafka.ts"}
FORMATS = [NDJSON] * 4 + [CSV] * 3 + [AVRO, AVRO | {"parseSchemaProvider": {"type": "connection", "connectionName": "reg-1"}}] + [KAFKA] * 2 + [NDJSON]  # fmt: skip


def password(name: str) -> str:
    return f"pw-{name}-5Tq"


def make_project(emulator: EmulatorProcess) -> None:
    """8 Confluent connections (one a topic pattern), 2 registries, 4 declared tables (one an
    aggregate), 12 jobs in nd-json, csv, avro and kafka formats (one suspended)."""
    api = httpx.Client(
        base_url=f"{emulator.url}/v1/projects/{emulator.project_id}",
        headers={"Authorization": f"Basic {emulator.api_key}"},
        timeout=30,
    )

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = api.post(path, json=body)
        assert answer.status_code in (200, 201), answer.text
        return dict(answer.json()) if answer.text else {}

    for i in range(8):
        name = f"conn-{i}"
        topic = (
            {"topicName": r"events\..+", "topicNameIsPattern": True}
            if i == 7
            else {"topicName": f"topic-{i}"}
        )
        secrets = {"type": "sasl_plain", "username": f"KEY{i}", "password": password(name)}
        post("/connections", samples.connection(name=name, secrets=secrets, **topic))
    for i in range(2):
        post("/connections", samples.REGISTRY | {
            "name": f"reg-{i}", "secrets": {**samples.REGISTRY["secrets"], "password": password(f"reg-{i}")},
        })  # fmt: skip
    post("/tables", samples.AGGREGATE_TABLE | {"version": 0})
    for i in range(3):
        post("/tables", samples.DETAIL_TABLE | {"name": f"declared-{i}", "version": 0})
    declared = [samples.AGGREGATE_TABLE["name"], "declared-0", "declared-1", "declared-2"]
    for i, fmt in enumerate(FORMATS):
        table = declared[i] if i < 4 else f"auto-{i}"
        job = samples.job(table=table, connection_name=f"conn-{i % 8}")
        job["source"]["formatSettings"] = fmt
        if i == 0:  # the aggregate table: strict, so no schema discovery
            job["useSchemaDiscovery"] = False
            job["source"]["inputSchema"].append({"name": "page", "dataType": "string"})
            job["mappings"] = [
                {"columnName": "__time", "expression": "TIME_FLOOR(TIME_PARSE(CONCAT(\"date\", 'T', \"time\")), 'PT1H')"},
                {"columnName": "page", "expression": '"page"'},
                {"columnName": "views", "expression": "COUNT(*)", "isAggregation": True},
            ]  # fmt: skip
        job["createTableIfNotExists"] = i >= 4
        job_id = post("/jobs", job)["id"]
        if i == 5:
            post(f"/jobs/{job_id}/status", {"desiredExecutionStatus": "suspended"})


def test_import_adopts_a_project_with_no_write_and_a_change_replaces_one_job(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    make_project(emulator)
    time.sleep(0.5)  # the jobs start (--job-start-delay 0.2)
    program = tmp_path / "program"
    write_program(program, "", "imported")
    run = subprocess.run(
        [str(VENV / "bin" / "polaris-pulumi"), "import", "--out", str(program / "__main__.py")],
        env={"PATH": f"{VENV / 'bin'}:/usr/bin:/bin", **emulator.env()},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    text = (program / "__main__.py").read_text()
    assert (
        text.count("polaris.Connection(") == 8
        and text.count("polaris.SchemaRegistryConnection(") == 2
    )
    assert text.count("polaris.StreamingJob(") == 12 and text.count("polaris.Table(") == 12
    assert text.count("    adopt_existing=True,\n") == 34 and "deletion_protection" not in text
    assert "connection_name=conn_conn_0.name" in text.replace(
        '"connection_name": ', "connection_name="
    )
    assert emulator.api_key not in text and "pw-" not in text and "pw-" not in run.stderr
    # Formatted by ruff, clean under mypy strict.
    check = [sys.executable, "-m", "ruff", "format", "--check", str(program / "__main__.py")]
    assert subprocess.run(check, capture_output=True, text=True).returncode == 0
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", str(program / "__main__.py")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert typed.returncode == 0, typed.stdout

    # The secrets, as printed (placeholders only), then the first up: no write.
    keys = re.findall(r"pulumi config set --secret (\S+) '<[^>]+>'", run.stderr)
    assert sorted(keys) == sorted(
        [f"conn-{i}-password" for i in range(8)] + ["reg-0-password", "reg-1-password"]
    )
    pulumi = Pulumi(program, tmp_path / "state")
    pulumi.init()
    pulumi.config_set_all(
        plain={"polaris:url": emulator.url, "polaris:projectId": emulator.project_id},
        secret={"polaris:apiKey": emulator.api_key},
    )
    for key in keys:
        pulumi.config_set(key, password(key.removesuffix("-password")), secret=True)
    jobs_before = emulator.active_jobs()
    emulator.reset_counters()
    pulumi.up()
    counters = emulator.counters()
    assert counters["writes_received"] == 0, counters["received"]
    assert emulator.active_jobs() == jobs_before
    pulumi.preview("--expect-no-changes")

    # One field of one job changed in the program: that job alone is replaced.
    block = re.search(r"job_auto_6 = polaris\.StreamingJob\(.*?\n\)\n", text, re.S)
    assert block is not None
    edited = block.group(0).replace(
        'late_message_rejection_period="P30D"', 'late_message_rejection_period="P60D"'
    )
    assert edited != block.group(0)
    (program / "__main__.py").write_text(text.replace(block.group(0), edited))
    shown = pulumi.up().output
    # The job, and the one wait that holds every job's id; the 34 others are unchanged.
    assert "+-1 replaced" in shown and "~ 1 updated" in shown and "34 unchanged" in shown, shown
    after = emulator.active_jobs()
    assert len(after) == 12 and set(after.values()) == set(jobs_before.values())
    assert [t for j, t in jobs_before.items() if j not in after] == ["auto-6"]
    # Imported tables are protected: destroy fails before it cancels anything.
    refused = pulumi.destroy(check=False)
    assert refused.returncode != 0
    assert re.search(r"cannot be deleted\s+because it is protected", refused.output)
    assert emulator.active_jobs() == after
