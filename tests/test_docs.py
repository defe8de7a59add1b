"""Every code block of the docs is exercised: Python under mocks, config keys against the
provider, and README's first command for real."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pydantic import BaseModel

from polaris_pulumi._base_provider import CONFIG_KEYS
from polaris_pulumi._kinds import KINDS
from polaris_pulumi._meta import keys, prop, property_name
from polaris_pulumi.emulator.kafka import broker
from polaris_pulumi.jobs._provider import StreamingJobProvider
from scripts.demo_kafka import events as demo_events
from tests.pulumi_cli import REPO, process_gone
from tests.test_examples import ConfluentMocks

DOCS = [
    REPO / "README.md",
    *sorted((REPO / "docs").glob("*.md")),
    *sorted((REPO / "examples").glob("*/README.md")),
]
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def blocks(language: str) -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for i, (lang, body) in enumerate(BLOCK.findall(doc.read_text())):
            if lang == language:
                found.append((f"{doc.relative_to(REPO)}#{i}", body))
    return found


# What the docs' snippets assume exists: a Confluent cluster and API key of the user's stack.
PRELUDE = """
import pulumi_confluentcloud as confluent
cluster = confluent.KafkaCluster("cluster", availability="SINGLE_ZONE", cloud="AWS",
    region="us-east-2", basic=confluent.KafkaClusterBasicArgs(),
    environment=confluent.KafkaClusterEnvironmentArgs(id="env-1"))
api_key = confluent.ApiKey("api-key", owner=confluent.ApiKeyOwnerArgs(id="sa-1", api_version="iam/v2",
    kind="ServiceAccount"))
"""


@pytest.mark.parametrize(
    ("where", "code"), blocks("python"), ids=lambda v: v if "#" in str(v) else ""
)
def test_python_blocks_run_under_mocks(where: str, code: str) -> None:
    mocks = ConfluentMocks()
    pulumi.runtime.set_mocks(mocks, project="docs", stack="test", preview=False)
    namespace: dict[str, Any] = {}
    exec(compile(PRELUDE + code, where, "exec"), namespace)

    @pulumi.runtime.test
    def registered() -> Any:
        def check(_: Any) -> None:
            kinds = {key.split("/")[0] for key in mocks.order}
            polaris_kinds = {r.name for kind in KINDS for r in kind.resources}
            assert polaris_kinds & kinds, f"{where} declares no Polaris resource"
            for key, inputs in mocks.inputs.items():
                if key.startswith("StreamingJob/"):  # the documented settings pass preview
                    failures = StreamingJobProvider().check({}, inputs).failures
                    assert failures == [], (where, [(f.property, f.reason) for f in failures])
                if key.startswith("Connection/"):
                    assert (
                        inputs["bootstrap_servers"]
                        == "pkc-abc12.us-east-2.aws.confluent.cloud:9092"
                    )

        return pulumi.Output.from_input(namespace["job"].id).apply(check)

    registered()


def test_documented_config_keys_are_the_ones_the_provider_reads() -> None:
    documented = set()
    for _, body in blocks("sh"):
        documented |= set(re.findall(r"pulumi config set (?:--secret )?(polaris:\w+)", body))
    tables = "".join(doc.read_text() for doc in DOCS)
    documented |= set(re.findall(r"`(polaris:\w+)`", tables))
    assert documented, "the docs show no polaris config"
    assert documented <= set(CONFIG_KEYS), documented - set(CONFIG_KEYS)
    assert set(CONFIG_KEYS) <= documented, set(CONFIG_KEYS) - documented  # every key is documented


@pytest.mark.e2e
def test_readme_demo_command(tmp_path: Path) -> None:
    """README's first command, as a newcomer runs it (state and emulator data in tmp)."""
    stack = f"docs-test-{os.getpid()}"
    env = {
        **os.environ,
        "POLARIS_DEMO_HOME": str(tmp_path),
        "POLARIS_EMULATOR_PORT": "0",  # the emulator picks a free port: no race for one
        "POLARIS_DEMO_STACK": stack,
        "POLARIS_DEMO_EVENTS": "40",
        "NO_COLOR": "1",
    }
    for key in ("POLARIS_URL", "POLARIS_API_KEY", "POLARIS_PROJECT_ID"):
        env.pop(key, None)
    run = subprocess.run(
        ["bash", "scripts/demo.sh"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    try:
        assert run.returncode == 0, run.stdout + run.stderr
        match = re.search(r"^\{$.*?^\}$", run.stdout, re.S | re.M)  # `pulumi stack output --json`
        assert match, run.stdout
        outputs = json.loads(match.group(0))
        assert outputs["connection"] == "demo_events"
        # The wait ends once each job reads (idle or running); then each has read the 40
        # page views produced before `up` (read_from_point earliest), by its metrics.
        assert {j["status"] for j in outputs["jobs"].values()} <= {"running", "idle"}
        for job in ("page-views", "page-views-hourly"):
            assert re.search(
                rf"^{job}: running, health ok: 40 rows processed ", run.stdout, re.M
            ), run.stdout
        # Then one query per table; the hourly one, as computed here from the events.
        per_hour: dict[tuple[str, str], list[int]] = {}
        for e in demo_events(40):
            key = (f"{e['date']}T{str(e['time'])[:2]}:00:00.000Z", str(e["page"]))
            views_bytes = per_hour.setdefault(key, [0, 0])
            views_bytes[0] += 1
            views_bytes[1] += int(str(e["bytes"]))
        printed = run.stdout.split("page-views-hourly: SELECT", 1)[1].split("\n\n")[0]
        table = [line.split() for line in printed.splitlines()[1:]]
        assert table[0] == ["hour", "page", "views", "total_bytes"], printed
        assert table[1:] == [[h, p, str(v), str(b)] for (h, p), (v, b) in sorted(per_hour.items())]
        assert "bash scripts/demo.sh destroy" in run.stdout
        assert run.stderr.count("starting the Polaris emulator") == 1
        assert run.stderr.count("starting a Kafka broker") == 1
        url = (tmp_path / ".polaris-emulator" / "url").read_text()
        assert f"serves {url}" in run.stderr
        broker_pid = json.loads((tmp_path / ".polaris-kafka" / "broker.json").read_text())["pid"]
        pid = int((tmp_path / ".polaris-emulator" / "emulator.pid").read_text())
        # The key is not on the emulator's command line.
        key = (tmp_path / ".polaris-emulator" / "api-key").read_text().strip()
        assert key not in Path(f"/proc/{pid}/cmdline").read_bytes().decode()

        # README's query snippet, on the demo's emulator: views per page, as computed here.
        [snippet] = [code for at, code in blocks("py") if at.startswith("README.md")]
        queried = subprocess.run(
            [sys.executable, "-c", snippet.replace("http://127.0.0.1:8765", url)],
            cwd=REPO, env={**env, "POLARIS_API_KEY": key}, capture_output=True, text=True,
        )  # fmt: skip
        assert queried.returncode == 0, queried.stderr
        views = Counter(str(e["page"]) for e in demo_events(40))
        assert sorted(queried.stdout.splitlines()) == sorted(f"{p} {n}" for p, n in views.items())

        # Another checkout's demo (another key) on the same port is refused, not reused.
        port = url.rsplit(":", 1)[1]
        other = {**env, "POLARIS_DEMO_HOME": str(tmp_path / "other"), "POLARIS_EMULATOR_PORT": port}
        foreign = subprocess.run(
            ["bash", "scripts/demo.sh"], cwd=REPO, env=other, capture_output=True, text=True
        )
        assert foreign.returncode != 0 and "not as this demo's emulator" in foreign.stderr

        def demo(action: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                ["bash", "scripts/demo.sh", action],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )

        destroy = demo("destroy")
        assert destroy.returncode == 0, destroy.stdout + destroy.stderr
        assert "Resources:" in destroy.stdout and "deleted" in destroy.stdout
        stop = demo("stop")
        assert stop.returncode == 0 and "stopped the emulator" in stop.stderr
        for _ in range(50):
            if process_gone(pid):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the emulator still runs after `demo.sh stop`")
        assert process_gone(broker_pid), "the broker still runs after `demo.sh stop`"
    finally:
        (REPO / f"Pulumi.{stack}.yaml").unlink(missing_ok=True)
        pid_file = tmp_path / ".polaris-emulator" / "emulator.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):  # already gone: the failure says why
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
        broker.stop(tmp_path / ".polaris-kafka")


# --- the resource pages against the models ----------------------------------------------------


def _sections() -> dict[str, str]:
    """docs/resources.md by `## Heading`."""
    text = (REPO / "docs" / "resources.md").read_text()
    parts = re.split(r"^## (\w+)\s*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _args(model: type[BaseModel]) -> set[str]:
    """The property names a program sets of a model (not internal, not output)."""
    return {
        property_name(model, name)
        for name in model.model_fields
        if not (prop(model, name).internal or prop(model, name).output)
    }


@pytest.mark.parametrize("res", [r for kind in KINDS for r in kind.resources], ids=lambda r: r.name)
def test_each_resource_page_names_every_arg(res: Any) -> None:
    """Each Args field is named on its resource's page (or on the page it refers to, for the
    connection types that say "as for `Connection`"), so a field added to the model and not
    to the docs fails here."""
    sections = _sections()
    page = sections.get(res.name, "")
    if res.name == "SchemaRegistryConnection":  # documented in Connection's section
        page = sections["Connection"]
    if "as for `Connection`" in page:
        page += sections["Connection"]
    assert page, f"docs/resources.md has no section for {res.name}"
    named = set(re.findall(r"`([a-z_]+)", page))
    missing = (_args(res.spec) | _args(res.settings)) - named
    assert missing == set(), f"{res.name}: {sorted(missing)}"


def test_change_tables_say_what_the_models_say() -> None:
    """A field in a row that says "replace" replaces (`Prop(replaces=True)`, or the derived
    `name`); one in an "update in place" row does not."""
    checked = 0
    for kind in KINDS:
        for res in kind.resources:
            page = _sections().get(res.name, "")
            for row in re.findall(r"^\| (`[^|]*) \| ([^|]*) \|$", page, flags=re.M):
                fields = set(re.findall(r"`([a-z_.]+)`", row[0])) & (
                    _args(res.spec) | _args(res.settings)
                )
                replaces = set(keys(res.spec, replaces=True))
                if row[1].startswith("replace"):
                    assert fields <= replaces, (res.name, row)
                elif row[1].startswith("update in place"):
                    assert not fields & replaces, (res.name, row)
                checked += len(fields)
    assert checked > 10


def test_the_local_testing_guide_shows_the_test_the_suite_runs() -> None:
    """docs/local-testing.md's pytest example is examples/local-testing/test_orders.py, which
    tests/test_local_e2e.py runs as a user would; its commands are the CLI's."""
    guide = (REPO / "docs" / "local-testing.md").read_text()
    example = (REPO / "examples" / "local-testing" / "test_orders.py").read_text()
    assert f"```py\n{example}```" in guide
    for action in ("start", "status", "stop"):
        assert f"polaris-pulumi local {action}" in guide
    assert guide.index("## In your own project") < guide.index("## In this repository")
