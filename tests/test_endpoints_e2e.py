"""Several Polaris projects in one stack, through the real CLI: the stack's default endpoint
(`polaris:*` config) and a `polaris.Provider` for a second emulator. Each project holds
exactly its own objects (with the same names in both), pushed events land in their own
project, preview checks access once per endpoint and kind, the no-op preview is clean, no API
key is in the state, moving a resource to the other endpoint replaces it, and destroy empties
both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator_proc import EmulatorProcess
from tests.stacks import polaris_stack

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
import polaris_pulumi as polaris

cfg = pulumi.Config()
staging = polaris.Provider(
    "staging",
    url=cfg.require("stagingUrl"),
    project_id=cfg.require("stagingProject"),
    api_key=cfg.require_secret("stagingKey"),
)


def project(prefix, opts):
    events = polaris.PushStreamingConnection(f"{prefix}-events", name="events", opts=opts)
    polaris.StreamingJob(
        f"{prefix}-events",
        source={
            "connection_name": events.name,
            "format_settings": {"format": "nd-json"},
            "input_schema": [{"name": "ts", "data_type": "string"}, {"name": "n", "data_type": "long"}],
        },
        mappings=[
            {"column_name": "__time", "expression": 'TIME_PARSE("ts")'},
            {"column_name": "n", "expression": '"n"'},
        ],
        target={"table_name": "events"},
        create_table_if_not_exists=True,
        read_from_point="earliest",
        late_message_rejection_period="P3650D",
        opts=opts,
    )


project("production", None)  # the stack's polaris:* project
project("staging", pulumi.ResourceOptions(provider=staging))  # the same names, elsewhere
# One resource that can move between them.
where = staging if cfg.get_bool("moved") else None
polaris.Table(
    "lonely",
    name="lonely",
    type="detail",
    deletion_protection=False,
    opts=pulumi.ResourceOptions(provider=where),
)
"""


@pytest.fixture
def staging(tmp_path: Path) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(tmp_path / "staging", flags=["--job-start-delay", "0"]).start() as proc:
        yield proc


def holds(emulator: EmulatorProcess) -> dict[str, list[str]]:
    client = emulator.client()
    return {
        "connections": sorted(c.name for c in client.list_connections()),
        "tables": sorted(t.name for t in client.list_tables()),
        "jobs": sorted(emulator.active_jobs().values()),
    }


def test_one_stack_two_projects(
    tmp_path: Path, own_emulator: EmulatorProcess, staging: EmulatorProcess
) -> None:
    production = own_emulator
    pulumi = polaris_stack(
        tmp_path,
        production,
        PROGRAM,
        config={"stagingUrl": staging.url, "stagingProject": staging.project_id},
        secrets={"stagingKey": staging.api_key},
    )
    for emulator in (production, staging):
        emulator.reset_counters()
    pulumi.preview()
    for emulator in (production, staging):  # one access check per endpoint and kind
        assert emulator.only_access_checks(runs=1), emulator.counters()
    pulumi.up()
    mine = {"connections": ["events"], "tables": ["events"], "jobs": ["events"]}
    assert holds(production) == mine | {"tables": ["events", "lonely"]}
    assert holds(staging) == mine

    for emulator, n in ((production, 3), (staging, 5)):
        events = [{"ts": "2026-12-01T00:00:00Z", "n": i} for i in range(n)]
        emulator.client().push_events("events", events)
    for emulator, n in ((production, 3), (staging, 5)):
        emulator.wait_ingested()
        got = emulator.client().query_sql('SELECT COUNT(*) AS c, SUM("n") AS s FROM "events"')
        assert got == [{"c": n, "s": sum(range(n))}]

    pulumi.preview("--expect-no-changes")
    exported = pulumi.run("stack", "export").output
    assert staging.api_key not in exported and production.api_key not in exported

    # The same table, served by the other endpoint: another object, so a replacement.
    pulumi.config_set("moved", "true")
    moved = pulumi.up()
    assert "replaced" in moved.output, moved.output
    assert "lonely" not in holds(production)["tables"] and "lonely" in holds(staging)["tables"]

    pulumi.destroy()
    for emulator in (production, staging):
        assert holds(emulator) == {"connections": [], "tables": ["events"], "jobs": []}
