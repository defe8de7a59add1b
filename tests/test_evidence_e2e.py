"""Evidence under faults: chaos, crash, emulator restart, bad input, secrets (real CLI)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bad_inputs import BAD_CASES, CLI_CASES
from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import Pulumi, cli_path, process_gone
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


def exe_name(pid: int) -> str:
    """The executable's file name of a process, or "" once it is gone."""
    try:
        return Path(os.readlink(f"/proc/{pid}/exe")).name
    except OSError:
        return ""


def server_objects(emulator: EmulatorProcess) -> tuple[list[str], list[Any]]:
    client = emulator.client()
    return sorted(c.name for c in client.list_connections()), client.list_jobs()


def assert_matches_declared(pulumi: Pulumi, emulator: EmulatorProcess, n: int) -> None:
    """Polaris holds exactly what the state records: no orphan, no duplicate, either side."""
    conns, jobs = server_objects(emulator)
    active = [j for j in jobs if not j.is_terminal]
    state = pulumi.resources()
    state_conns = {r["id"] for r in state if r["type"].endswith(":Connection")}
    assert len(conns) == n and set(conns) == state_conns
    assert sorted(j.table_name for j in active) == sorted(f"table-{i}" for i in range(n))
    state_jobs = {r["id"] for r in state if r["type"].endswith(":StreamingJob")}
    assert state_jobs == {j.id for j in active}


CHAOS = {
    # 20% of requests answered 429/503, 5% of writes committed but their answer lost (504).
    "throttled": (20, {"rate_429": 0.1, "rate_503": 0.1, "lost_write_rate": 0.05}),
    # 10% answered 500 before any work, 10% of writes answered 500 after the work was done.
    "server-errors": (8, {"rate_500": 0.1, "lost_write_rate": 0.1, "lost_write_status": 500}),
}


@pytest.mark.parametrize("case", list(CHAOS))
def test_chaos_up_and_destroy(tmp_path: Path, emulator: EmulatorProcess, case: str) -> None:
    """Under faults, the retries recognise what was done: nothing is made twice or left."""
    count, faults = CHAOS[case]
    quiet = {k: 0 for k in faults if k.startswith(("rate_", "lost_write_rate"))}
    pulumi = polaris_stack(tmp_path, emulator, MANY_PROGRAM, config={"count": str(count)})
    emulator.set_faults(**faults, retry_after_seconds=0, seed=CHAOS_SEED)
    pulumi.up()
    emulator.set_faults(**quiet)
    counters = emulator.counters()
    assert counters["total_received"] > sum(counters["handled"].values()), "no fault was injected"
    _, jobs = server_objects(emulator)
    assert len(jobs) == count  # exactly 2 x count server objects: no duplicate job
    assert_matches_declared(pulumi, emulator, count)
    pulumi.preview("--expect-no-changes")

    emulator.set_faults(**faults)
    pulumi.destroy()
    emulator.set_faults(**quiet)
    conns, jobs = server_objects(emulator)
    assert conns == [] and all(j.is_terminal for j in jobs)


def test_emulator_restart_mid_life(tmp_path: Path, own_emulator: EmulatorProcess) -> None:
    emulator = own_emulator
    pulumi = polaris_stack(tmp_path, emulator, MANY_PROGRAM, config={"count": "3"})
    pulumi.up()
    emulator.stop(kill=True)
    emulator.start()  # same port and database: the stack does not notice
    pulumi.preview("--expect-no-changes")
    pulumi.refresh("--expect-no-changes")
    pulumi.config_set("count", "4")
    pulumi.up()
    assert_matches_declared(pulumi, emulator, 4)
    pulumi.destroy()


def test_crash_mid_up_then_the_next_up_converges(tmp_path: Path, emulator: EmulatorProcess) -> None:
    pulumi = polaris_stack(tmp_path, emulator, MANY_PROGRAM, config={"count": "12"})
    pulumi.config_set("auto_names", "true")  # derived names, and no adopt_existing
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
    # The CLI, halfway. Plugins get their own process groups, so collect the tree first.
    tree = descendants(proc.pid)
    providers = [p for p in tree if b"pulumi.dynamic" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert providers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    hosts = [p for p in tree if exe_name(p) == "pulumi-language-python"]
    assert hosts
    # Nothing of the stack outlives the engine: our provider process and our language host
    # (with the program it runs) notice that it is gone and exit on their own.
    deadline = time.monotonic() + 15
    while not all(process_gone(p) for p in tree):
        left = [exe_name(p) for p in tree if not process_gone(p)]
        assert time.monotonic() < deadline, f"outlived the engine: {left}"
        time.sleep(0.1)
    emulator.set_faults(latency_ms=0)
    conns, jobs = server_objects(emulator)
    assert 0 < len(conns) < 12 or 0 < len(jobs) < 12  # it really was halfway

    # The dead run's lock is released; then a plain `up` finds what the interrupted creates
    # made (same derived names, same specs) and records it, creating no duplicate.
    pulumi.run("cancel", "--yes", "--stack", pulumi.stack)
    pulumi.up()
    assert_matches_declared(pulumi, emulator, 12)
    pulumi.preview("--expect-no-changes")
    pulumi.destroy()


# --- bad input -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_input_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Pulumi, EmulatorProcess]]:
    tmp = tmp_path_factory.mktemp("bad-input")
    emulator = EmulatorProcess(tmp / "emulator").start()
    pulumi = polaris_stack(tmp, emulator, BAD_INPUT_PROGRAM)
    yield pulumi, emulator
    emulator.stop()


@pytest.mark.parametrize(
    ("case", "override", "prop", "words"),
    [c for c in BAD_CASES if c[0] in CLI_CASES],
    ids=[c[0] for c in BAD_CASES if c[0] in CLI_CASES],
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
    # Nothing was sent but the access check's reads, so nothing was created.
    assert emulator.only_access_checks(), emulator.counters()
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
