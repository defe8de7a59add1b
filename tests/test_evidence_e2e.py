"""Evidence under faults: chaos, crash, emulator restart, bad input, secrets (real CLI)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import Pulumi, cli_path
from tests.stacks import BAD_INPUT_PROGRAM, KAFKA_PASSWORD, MANY_PROGRAM, polaris_stack

pytestmark = pytest.mark.e2e

CHAOS_SEED = int(os.environ.get("POLARIS_CHAOS_SEED", "20261125"))


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def server_objects(emulator: EmulatorProcess) -> tuple[list[str], list[Any]]:
    client = emulator.client()
    return sorted(c.name for c in client.list_connections()), client.list_jobs()


def assert_matches_declared(pulumi: Pulumi, emulator: EmulatorProcess, n: int) -> None:
    conns, jobs = server_objects(emulator)
    active = [j for j in jobs if not j.is_terminal]
    assert conns == sorted(f"conn_{i}" for i in range(n))
    assert sorted(j.table_name for j in active) == sorted(f"table-{i}" for i in range(n))
    state_jobs = {r["id"] for r in pulumi.resources() if r["type"].endswith(":StreamingJob")}
    assert state_jobs == {j.id for j in active}  # no orphan on either side


def test_chaos_up_and_destroy(tmp_path: Path, emulator: EmulatorProcess) -> None:
    """20% of requests answered 429/503, 5% of writes committed but their answer lost."""
    pulumi = polaris_stack(tmp_path, emulator, MANY_PROGRAM)
    pulumi.config_set("count", "20")
    faults = {
        "rate_429": 0.1,
        "rate_503": 0.1,
        "lost_write_rate": 0.05,
        "retry_after_seconds": 0,
        "seed": CHAOS_SEED,
    }
    emulator.set_faults(**faults)
    pulumi.up()
    emulator.set_faults(rate_429=0, rate_503=0, lost_write_rate=0)
    counters = emulator.counters()
    assert counters["total_received"] > sum(counters["handled"].values()), "no fault was injected"
    _, jobs = server_objects(emulator)
    assert len(jobs) == 20  # exactly 40 server objects: no duplicate job was ever created
    assert_matches_declared(pulumi, emulator, 20)
    pulumi.preview("--expect-no-changes")

    emulator.set_faults(**faults)
    pulumi.destroy()
    emulator.set_faults(rate_429=0, rate_503=0, lost_write_rate=0)
    conns, jobs = server_objects(emulator)
    assert conns == [] and all(j.is_terminal for j in jobs)


def test_emulator_restart_mid_life(tmp_path: Path, emulator: EmulatorProcess) -> None:
    pulumi = polaris_stack(tmp_path, emulator, MANY_PROGRAM)
    pulumi.config_set("count", "3")
    pulumi.up()
    emulator.stop(kill=True)
    emulator.start()  # same port and database: the stack does not notice
    pulumi.preview("--expect-no-changes")
    pulumi.refresh("--expect-no-changes")
    pulumi.config_set("count", "4")
    pulumi.up()
    assert_matches_declared(pulumi, emulator, 4)
    pulumi.destroy()


def test_crash_mid_up_then_refresh_and_up_converge(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    pulumi = polaris_stack(tmp_path, emulator, MANY_PROGRAM)
    pulumi.config_set("count", "6")
    pulumi.config_set("adopt", "true")  # fixed names + adoption: how orphans of a crash rejoin
    emulator.set_faults(latency_ms=150)
    proc = subprocess.Popen(
        [
            str(cli_path()),
            "--non-interactive",
            "up",
            "--yes",
            "--skip-preview",
            "--stack",
            pulumi.stack,
        ],
        cwd=pulumi.workdir,
        env=pulumi.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while emulator.counters()["handled"].get("POST /v1/projects/{projectId}/jobs", 0) < 2:
        assert proc.poll() is None, "up finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # The CLI, language host and provider, halfway. Plugins get their own process groups, so
    # collect the whole tree first.
    tree = descendants(proc.pid)
    for pid in [proc.pid, *tree]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()
    emulator.set_faults(latency_ms=0)
    conns, jobs = server_objects(emulator)
    assert 0 < len(conns) < 6 or 0 < len(jobs) < 6  # it really was halfway

    # What Pulumi tells the user: release the dead run's lock, then clear its pending creates.
    pulumi.run("cancel", "--yes", "--stack", pulumi.stack)
    pulumi.refresh("--clear-pending-creates", "--skip-preview")
    pulumi.up()
    assert_matches_declared(pulumi, emulator, 6)
    pulumi.preview("--expect-no-changes")
    pulumi.destroy()


# --- bad input -----------------------------------------------------------------------------

BAD_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("empty connection name", {"conn": {"name": ""}}, "name", "1-64 ASCII"),
    ("connection name too long", {"conn": {"name": "x" * 65}}, "name", "1-64 ASCII"),
    ("connection name with space", {"conn": {"name": "bad name"}}, "name", "1-64 ASCII"),
    ("connection name wrong type", {"conn": {"name": 123}}, "name", "valid string"),
    (
        "bootstrap with scheme",
        {"conn": {"bootstrap_servers": "SASL_SSL://h.example.com:9092"}},
        "bootstrap_servers",
        "SASL_SSL",
    ),
    (
        "bootstrap without port",
        {"conn": {"bootstrap_servers": "broker.example.com"}},
        "bootstrap_servers",
        "host:port",
    ),
    (
        "bootstrap port out of range",
        {"conn": {"bootstrap_servers": "h.example.com:99999"}},
        "bootstrap_servers",
        "host:port",
    ),
    (
        "bootstrap empty",
        {"conn": {"bootstrap_servers": ""}},
        "bootstrap_servers",
        "must not be empty",
    ),
    (
        "topic regex does not compile",
        {"conn": {"topic_name": "events[(", "topic_name_is_pattern": True}},
        "topic_name",
        "regular expression",
    ),
    ("topic empty", {"conn": {"topic_name": ""}}, "topic_name", "must not be empty"),
    (
        "username empty",
        {"conn": {"secrets": {"username": "", "password": "p"}}},
        "secrets.username",
        "must not be empty",
    ),
    (
        "password empty",
        {"conn": {"secrets": {"username": "K", "password": ""}}},
        "secrets.password",
        "is required",
    ),
    (
        "unknown secrets type",
        {"conn": {"secrets": {"type": "scram", "username": "K", "password": "p"}}},
        "secrets.type",
        "sasl_plain",
    ),
    (
        "test_connection wrong type",
        {"conn": {"test_connection": "yes"}},
        "test_connection",
        "must be bool",
    ),
    ("description wrong type", {"conn": {"description": 5}}, "description", "valid string"),
    (
        "unknown format",
        {"job": {"source": {"format_settings": {"format": "jsonl"}}}},
        "source.format_settings.format",
        "nd-json",
    ),
    (
        "misspelt nested key",
        {"job": {"source": {"format_settings": {"format": "nd-json", "flaten_spec": {}}}}},
        "source.format_settings.flaten_spec",
        "not a known property",
    ),
    (
        "typo in a mapping key",
        {
            "job": {
                "mappings": [
                    {
                        "column_name": "__time",
                        "expression": 'TIME_PARSE("ts")',
                        "is_aggregaton": False,
                    }
                ]
            }
        },
        "mappings[0].is_aggregaton",
        "did you mean 'is_aggregation'",
    ),
    (
        "typo in input_schema",
        {"job": {"source": {"input_shema": [{"name": "ts", "data_type": "string"}]}}},
        "source.input_shema",
        "did you mean 'input_schema'",
    ),
    (
        "a key in the wrong object",
        {"job": {"target": {"filter_expression": "1=1"}}},
        "target.filter_expression",
        "TableTarget takes intervals, table_name, type",
    ),
    (
        "kafka format without its value format",
        {"job": {"source": {"format_settings": {"format": "kafka"}}}},
        "source.format_settings.value_format",
        "required for format 'kafka'",
    ),
    (
        "unknown data type",
        {"job": {"source": {"input_schema": [{"name": "ts", "data_type": "integer"}]}}},
        "source.input_schema[0].data_type",
        "not a data type of Polaris",
    ),
    (
        "duplicate input field",
        {"job": {"source": {"input_schema": [{"name": "ts", "data_type": "string"}] * 2}}},
        "source.input_schema[1].name",
        "declared twice",
    ),
    (
        "no __time mapping",
        {"job": {"mappings": [{"column_name": "page", "expression": '"page"'}]}},
        "mappings",
        "__time",
    ),
    (
        "undeclared field",
        {"job": {"mappings": [{"column_name": "__time", "expression": 'TIME_PARSE("when")'}]}},
        "mappings[0].expression",
        "not declared",
    ),
    (
        "unbalanced parentheses",
        {"job": {"mappings": [{"column_name": "__time", "expression": 'TIME_PARSE("ts"'}]}},
        "mappings[0].expression",
        "unbalanced",
    ),
    (
        "column mapped twice",
        {"job": {"mappings": [{"column_name": "__time", "expression": 'TIME_PARSE("ts")'}] * 2}},
        "mappings[1].column_name",
        "mapped twice",
    ),
    (
        "empty table name",
        {"job": {"target": {"table_name": ""}}},
        "target.table_name",
        "must not be empty",
    ),
    (
        "table name starting with dot",
        {"job": {"target": {"table_name": ".hidden"}}},
        "target.table_name",
        "start with '.'",
    ),
    (
        "table name with slash",
        {"job": {"target": {"table_name": "a/b"}}},
        "target.table_name",
        "'/'",
    ),
    (
        "table name too long",
        {"job": {"target": {"table_name": "t" * 256}}},
        "target.table_name",
        "at most 255",
    ),
    (
        "late period not ISO-8601",
        {"job": {"late_message_rejection_period": "30 days"}},
        "late_message_rejection_period",
        "ISO-8601",
    ),
    (
        "early period not ISO-8601",
        {"job": {"early_message_rejection_period": "P2000"}},
        "early_message_rejection_period",
        "ISO-8601",
    ),
    ("unknown read point", {"job": {"read_from_point": "oldest"}}, "read_from_point", "'latest'"),
    (
        "negative max parse exceptions",
        {"job": {"max_parse_exceptions": -1}},
        "max_parse_exceptions",
        "between 0 and",
    ),
    (
        "max parse exceptions wrong type",
        {"job": {"max_parse_exceptions": "many"}},
        "max_parse_exceptions",
        "valid integer",
    ),
    ("non-positive wait timeout", {"job": {"wait_timeout": 0}}, "wait_timeout", "positive"),
    (
        "dimension excluded twice",
        {"job": {"dimension_exclusions": ["page", "page"]}},
        "dimension_exclusions[1]",
        "listed twice",
    ),
    (
        "bad filter expression",
        {"job": {"filter_expression": "(page = 'x'"}},
        "filter_expression",
        "unbalanced",
    ),
    (
        "flag wrong type",
        {"job": {"create_table_if_not_exists": "sure"}},
        "create_table_if_not_exists",
        "valid boolean",
    ),
    (
        "second streaming job on one table",
        {"second_job_same_table": True},
        "target.table_name",
        "one streaming job per table",
    ),
]


@pytest.fixture(scope="module")
def bad_input_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Pulumi, EmulatorProcess]]:
    tmp = tmp_path_factory.mktemp("bad-input")
    emulator = EmulatorProcess(tmp / "emulator").start()
    pulumi = polaris_stack(tmp, emulator, BAD_INPUT_PROGRAM)
    yield pulumi, emulator
    emulator.stop()


def test_bad_input_matrix_has_at_least_30_cases() -> None:
    assert len(BAD_CASES) >= 30


@pytest.mark.parametrize(
    ("case", "override", "prop", "words"), BAD_CASES, ids=[c[0] for c in BAD_CASES]
)
def test_bad_input_rejected_at_preview(
    bad_input_stack: tuple[Pulumi, EmulatorProcess],
    case: str,
    override: dict[str, Any],
    prop: str,
    words: str,
) -> None:
    pulumi, emulator = bad_input_stack
    pulumi.config_set("case", json.dumps(override))
    emulator.reset_counters()
    result = pulumi.up(check=False, skip_preview=False)
    assert result.returncode != 0, case
    assert prop in result.output and words in result.output, result.output[-3000:]
    assert emulator.counters()["total_received"] == 0  # nothing was sent, so nothing was created
    assert "pw-123456" not in result.output


SECRET_TYPO_CASES = [
    {"type": "sasl_plain", "username": "KEY", "password": 98765432101},
    {"type": "sasl_plain", "username": "KEY", "password": ["98765432101"]},
    "KEY:98765432101",
]


@pytest.mark.parametrize("secrets", SECRET_TYPO_CASES, ids=["number", "list", "string"])
def test_a_mistyped_secret_is_never_printed(
    bad_input_stack: tuple[Pulumi, EmulatorProcess], secrets: Any
) -> None:
    pulumi, emulator = bad_input_stack
    pulumi.config_set("case", json.dumps({"conn": {"secrets": secrets}}))
    result = pulumi.up(check=False, skip_preview=False)
    assert result.returncode != 0 and "secrets" in result.output
    assert "98765432101" not in result.output, result.output[-2000:]


def test_secrets_at_debug_verbosity(tmp_path: Path, emulator: EmulatorProcess) -> None:
    pulumi = polaris_stack(tmp_path, emulator)
    texts = [
        pulumi.up("--diff", "--debug").output,
        pulumi.preview("--diff", "--debug", "--expect-no-changes").output,
        pulumi.refresh("--debug").output,
        pulumi.export(),
        pulumi.run("stack", "output", "--json").stdout,
        pulumi.run("config", "--stack", pulumi.stack).stdout,
        pulumi.destroy("--debug").output,
    ]
    for text in texts:
        assert emulator.api_key not in text and KAFKA_PASSWORD not in text
    log = (emulator.workdir / "emulator.log").read_text()
    assert (
        emulator.api_key not in log.replace(f"--api-key {emulator.api_key}", "")
        and KAFKA_PASSWORD not in log
    )
