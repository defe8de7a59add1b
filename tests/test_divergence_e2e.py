"""What Pulumi says is what Polaris holds, after renames, failed tests, interruptions, table
swaps and argument mistakes (issue 11), through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polaris_pulumi.connections._provider import auto_name
from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import Pulumi
from tests.stacks import polaris_stack

pytestmark = pytest.mark.e2e

# One connection and one job whose resource names, aliases and adoption come from config.
RENAME_PROGRAM = """
import json
import pulumi
import polaris_pulumi as polaris

cfg = pulumi.Config()
aliases = json.loads(cfg.get("aliases") or "{}")


def opts(kind):
    old = aliases.get(kind)
    return pulumi.ResourceOptions(aliases=[pulumi.Alias(name=old)]) if old else None


conn = polaris.Connection(
    cfg.get("conn_resource") or "c1",
    opts(\"conn\"),
    name="renamed_conn",
    bootstrap_servers="pkc-1.us-east-1.aws.confluent.cloud:9092",
    topic_name="events",
    secrets={"username": "KEY", "password": cfg.require("kafka_password")},
    adopt_existing=cfg.get_bool("adopt"),
)
job = polaris.StreamingJob(
    cfg.get("job_resource") or "j1",
    opts(\"job\"),
    source={"connection_name": conn.name, "format_settings": {"format": "nd-json"},
            "input_schema": [{"name": "ts", "data_type": "string"}]},
    mappings=[{"column_name": "__time", "expression": 'TIME_PARSE("ts")'}],
    target={"table_name": "renamed-table"},
    create_table_if_not_exists=True,
    adopt_existing=cfg.get_bool("adopt"),
)
pulumi.export("job_id", job.id)
"""


def state_ids(pulumi: Pulumi, kind: str) -> set[str]:
    return {r["id"] for r in pulumi.resources() if r["type"].endswith(f":{kind}")}


def assert_truthful(pulumi: Pulumi, emulator: EmulatorProcess) -> None:
    """Polaris holds exactly the state's objects, running, and preview and refresh agree."""
    client = emulator.client()
    jobs = emulator.active_jobs()
    assert set(jobs) == state_ids(pulumi, "StreamingJob")
    assert all(client.get_job(j).execution_status == "running" for j in jobs)
    assert {c.name for c in client.list_connections()} == state_ids(pulumi, "Connection")
    pulumi.preview("--expect-no-changes")
    pulumi.refresh("--expect-no-changes")


def test_renames_keep_what_the_stack_manages(tmp_path: Path, emulator: EmulatorProcess) -> None:
    pulumi = polaris_stack(tmp_path, emulator, RENAME_PROGRAM)
    pulumi.up()
    first = pulumi.outputs()["job_id"]

    # A rename without aliases meets the connection's fixed name: the message says to use
    # aliases, and nothing in Polaris changes.
    pulumi.config_set_all(plain={"conn_resource": "c2", "job_resource": "j2"})
    refused = pulumi.up(check=False)
    assert refused.returncode != 0 and "aliases=[pulumi.Alias(name=" in refused.output
    assert emulator.active_jobs() == {first: "renamed-table"}

    # With aliases: the same objects, nothing created or deleted.
    pulumi.config_set("aliases", json.dumps({"conn": "c1", "job": "j1"}))
    assert "unchanged" in pulumi.preview().output
    pulumi.up()
    assert pulumi.outputs()["job_id"] == first
    assert_truthful(pulumi, emulator)

    # The old advice, adopt_existing, on a rename: the old resources' deletes must not cancel
    # or delete what the new ones now hold.
    pulumi.run("config", "rm", "--stack", pulumi.stack, "aliases")
    pulumi.config_set_all(plain={"conn_resource": "c3", "job_resource": "j3", "adopt": "true"})
    pulumi.up()
    adopted = pulumi.outputs()["job_id"]
    # The same spec: the job is taken as it is, and the old resource's delete keeps it.
    assert adopted == first
    assert_truthful(pulumi, emulator)

    # A job renamed with no aliases and no adopt_existing: its own spec on the table is taken
    # over, and the old resource's delete cancels nothing it does not hold.
    pulumi.run("config", "rm", "--stack", pulumi.stack, "adopt")
    pulumi.config_set("job_resource", "j4")
    pulumi.up()
    assert_truthful(pulumi, emulator)

    pulumi.destroy()
    assert emulator.active_jobs() == {} and emulator.client().list_connections() == []


def test_a_failed_test_on_update_puts_the_connection_back(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    pulumi = polaris_stack(tmp_path, emulator)
    client = emulator.client()
    pulumi.up()
    name = pulumi.outputs()["connection_name"]

    pulumi.config_set("topic", "missing_topic")
    failed = pulumi.up(check=False)
    assert failed.returncode != 0 and "put back to its previous settings" in failed.output
    assert client.get_connection(name).topic_name == "my_topic"

    pulumi.run("config", "rm", "--stack", pulumi.stack, "topic")
    pulumi.preview("--expect-no-changes")
    pulumi.refresh("--expect-no-changes")
    assert client.get_connection(name).topic_name == "my_topic"
    pulumi.destroy()


def test_preview_shows_the_name_up_creates_and_unknown_connections_fail_preview(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    pulumi = polaris_stack(tmp_path, emulator)
    preview = json.loads(pulumi.preview("--json").stdout)
    names = {
        s["newState"]["inputs"]["name"]
        for s in preview["steps"]
        if s["newState"]["type"].endswith(":Connection")
    }
    assert names == {auto_name("events", "polaris-e2e/test")}
    # Where the resource is declared derives the name; it is not kept as an input.
    assert all("auto_name" not in s["newState"].get("inputs", {}) for s in preview["steps"])
    pulumi.up()
    assert {c.name for c in emulator.client().list_connections()} == names
    [stored] = [r for r in pulumi.resources() if r["type"].endswith(":Connection")]
    assert "auto_name" not in stored["inputs"] and "auto_name" not in stored["outputs"]
    pulumi.config_set("description", "derived, and described")
    assert "auto_name" not in pulumi.preview("--diff").output

    # A literal connection name Polaris does not have fails at preview, naming the property.
    program = (pulumi.workdir / "__main__.py").read_text()
    (pulumi.workdir / "__main__.py").write_text(
        program.replace('"connection_name": conn.name', '"connection_name": "no_such_conn"')
    )
    emulator.reset_counters()
    refused = pulumi.preview(check=False)
    assert refused.returncode != 0
    assert "source.connection_name" in refused.output and "no_such_conn" in refused.output
    writes = [k for k in emulator.counters()["handled"] if not k.startswith("GET")]
    assert writes == []
    (pulumi.workdir / "__main__.py").write_text(program)
    pulumi.destroy()


SWAP_PROGRAM = """
import json
import pulumi
import polaris_pulumi as polaris

cfg = pulumi.Config()
conn = polaris.Connection(
    "conn",
    bootstrap_servers="pkc-1.us-east-1.aws.confluent.cloud:9092",
    topic_name="events",
    secrets={"username": "KEY", "password": cfg.require("kafka_password")},
)
for name, table in json.loads(cfg.require("jobs")).items():
    polaris.StreamingJob(
        name,
        source={"connection_name": conn.name, "format_settings": {"format": "nd-json"},
                "input_schema": [{"name": "ts", "data_type": "string"}]},
        mappings=[{"column_name": "__time", "expression": 'TIME_PARSE("ts")'},
                  {"column_name": "from_job", "expression": f"'{name}'"}],
        target={"table_name": table},
        create_table_if_not_exists=True,
        replace_running=cfg.get_bool("replace_running"),
    )
"""


def test_jobs_swap_tables_in_one_up(tmp_path: Path, emulator: EmulatorProcess) -> None:
    pulumi = polaris_stack(tmp_path, emulator, SWAP_PROGRAM)
    client = emulator.client()

    def tables() -> dict[str, str]:
        """Table -> the job resource whose spec runs there (each job maps its own name)."""
        out = {}
        for job_id, table in emulator.active_jobs().items():
            spec = client.get_job(job_id).spec
            (mapping,) = [m for m in spec.mappings if m.column_name == "from_job"]
            out[table] = mapping.expression.strip("'")
        return out

    pulumi.config_set("jobs", json.dumps({"a": "t1", "b": "t2"}))
    pulumi.up()
    assert tables() == {"t1": "a", "t2": "b"}

    pulumi.config_set("jobs", json.dumps({"a": "t2", "b": "t1"}))
    pulumi.up()
    assert tables() == {"t1": "b", "t2": "a"}
    assert_truthful(pulumi, emulator)

    # Moving onto the table of a job the program removes: Pulumi deletes it only after the
    # create, so the message says how to do it in one up, and replace_running does.
    pulumi.config_set("jobs", json.dumps({"a": "t1"}))
    refused = pulumi.up(check=False)
    assert refused.returncode != 0 and "replace_running=True" in refused.output
    pulumi.config_set("replace_running", "true")
    pulumi.up()
    assert tables() == {"t1": "a"}
    assert_truthful(pulumi, emulator)
    pulumi.destroy()


MIXED_PROGRAM = """
import pulumi
import polaris_pulumi as polaris

cfg = pulumi.Config()
conn_args = polaris.ConnectionArgs(
    bootstrap_servers="pkc-1.us-east-1.aws.confluent.cloud:9092",
    topic_name="events",
    secrets=polaris.SaslPlainSecretsArgs(username="KEY", password="pw-123456"),
)
if cfg.get("case") == "connection":
    polaris.Connection("c", conn_args, description="x", name="n")
else:
    conn = polaris.Connection("c", conn_args)
    polaris.StreamingJob(
        "j",
        polaris.StreamingJobArgs(
            source=polaris.ConnectionSourceArgs(
                connection_name=conn.name,
                format_settings=polaris.FormatSettingsArgs(format="nd-json"),
                input_schema=[polaris.InputFieldArgs(name="ts", data_type="string")],
            ),
            target=polaris.TableTargetArgs(table_name="t"),
            mappings=[polaris.MappingArgs(column_name="__time", expression='TIME_PARSE("ts")')],
        ),
        create_table_if_not_exists=True,
    )
"""


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("connection", "keyword arguments, not both (keywords given with it: description, name)"),
        ("job", "keyword arguments, not both (keywords given with it: create_table_if_not_exists)"),
    ],
)
def test_args_object_and_keywords_together_are_a_type_error(
    tmp_path: Path, emulator: EmulatorProcess, case: str, words: str
) -> None:
    pulumi = polaris_stack(tmp_path, emulator, MIXED_PROGRAM, config={"case": case})
    emulator.reset_counters()
    refused = pulumi.preview(check=False)
    assert refused.returncode != 0 and "TypeError" in refused.output and words in refused.output
    # The program failed; what the engine had already checked made only the access check.
    assert emulator.only_access_checks(), emulator.counters()


def test_a_job_canceled_outside_pulumi_is_replaced_after_refresh(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    """As the docs say: plain `up` does not read Polaris; `up --refresh` sees and replaces."""
    pulumi = polaris_stack(tmp_path, emulator)
    client = emulator.client()
    pulumi.up()
    old = pulumi.outputs()["job_id"]
    client.cancel_job(old)
    client.wait_for_end(old, timeout=10)
    pulumi.preview("--expect-no-changes")  # the state's view: nothing read from Polaris
    pulumi.up("--refresh")
    new = pulumi.outputs()["job_id"]
    assert new != old and set(emulator.active_jobs()) == {new}
    pulumi.destroy()
