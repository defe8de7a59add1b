"""`polaris-pulumi local` and the `polaris_local` pytest plugin, as a user runs them in their own
project, from a fresh venv holding only the wheel (`[emulator]`), pytest and
pulumi-confluentcloud: start prints the config, status shows it, a user's pytest test (the
example's, which docs/local-testing.md shows) deploys a program with Confluent Cloud resources
beside its Polaris ones and checks rows, in a stack of the session's own (the running one, and
its tables, are left as they were); stop leaves nothing running."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from confluent_kafka import Producer

from polaris_pulumi._local import wait_ingested
from polaris_pulumi.emulator.kafka._client import client_config, ensure_topic, produce_all
from polaris_pulumi.emulator.kafka.broker import BrokerInfo
from polaris_pulumi.emulator.state._owned import alive
from tests.pulumi_cli import REPO
from tests.user_project import UserVenv, env

# The user's venv is conftest's `user_venv`, shared with test_install.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("install")]
EXAMPLE = REPO / "examples" / "local-testing"
GUIDE = (REPO / "docs" / "local-testing.md").read_text()
CONFIG_PROGRAM = REPO / "tests" / "programs" / "config_credentials"
CLICKS_TEST = """from pathlib import Path

CLICKS = [{"ts": "2026-12-01T10:00:0%d" % i + "Z", "page": "/p%d" % i} for i in range(3)]
CLOUD = {"kafkaServers": "pkc-1.aws.confluent.cloud:9092", "kafkaKey": "K", "kafkaSecret": "S"}


def test_clicks_deploy_with_credentials_from_config(polaris_local):
    polaris_local.create_topic("clicks")
    polaris_local.deploy(Path(__file__).parent / "clicks", config=CLOUD)
    polaris_local.produce("clicks", CLICKS)
    polaris_local.wait_ingested()
    rows = polaris_local.query('SELECT "page" FROM "clicks" ORDER BY 1')
    assert rows == [{"page": c["page"]} for c in CLICKS]
"""


def documented(action: str) -> str:
    """The guide's own command line for `polaris-pulumi local <action>`, as written."""
    return next(
        line
        for line in GUIDE.split("## In this repository")[0].splitlines()
        if line.startswith(f"polaris-pulumi local {action}")
    )


def shell(venv: UserVenv, line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A guide's command line, run as a user's shell would, with their venv's commands."""
    path = f"{venv.bin}:{env()['PATH']}"
    return subprocess.run(
        ["bash", "-c", line],
        cwd=cwd,
        env=env() | {"PATH": path},
        capture_output=True,
        text=True,
        timeout=300,
    )


def cli(
    venv: UserVenv, *args: str, cwd: Path, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv.bin / "polaris-pulumi"), *args],
        cwd=cwd,
        env=env() | ({"PATH": path} if path else {}),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_local_start_a_users_pytest_then_stop(tmp_path: Path, user_venv: UserVenv) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    # A second test of theirs: a program whose Kafka key and secret come from config.
    shutil.copytree(CONFIG_PROGRAM, project / "clicks")
    (project / "test_clicks.py").write_text(CLICKS_TEST)
    started = shell(user_venv, documented("start"), project)  # as docs/local-testing.md says
    state = project / ".polaris-local"
    try:
        assert started.returncode == 0, started.stderr
        lines = started.stdout.splitlines()
        assert lines[0].startswith("pulumi config set polaris:url http://127.0.0.1:")
        assert lines[1] == "pulumi config set polaris:projectId local-project"
        assert lines[2].startswith("pulumi config set --secret polaris:apiKey pok_local_")
        pids = [
            json.loads((state / "local.json").read_text())["emulator_pid"],
            json.loads((state / "kafka" / "broker.json").read_text())["pid"],
        ]
        env_file = state / "env"
        assert env_file.stat().st_mode & 0o077 == 0
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        assert values["POLARIS_URL"] in lines[0] and values["KAFKA_USERNAME"] == "local"
        status = cli(user_venv, "local", "status", cwd=project)
        assert status.returncode == 0 and values["KAFKA_BOOTSTRAP_SERVERS"] in status.stdout

        # Their development stack holds a table of theirs, which their tests never touch.
        api = httpx.Client(
            base_url=f"{values['POLARIS_URL']}/v1/projects/{values['POLARIS_PROJECT_ID']}",
            headers={"Authorization": f"Basic {values['POLARIS_API_KEY']}"},
        )
        kept = {
            "type": "detail",
            "name": "dev-only",
            "schema": [{"name": "__time", "dataType": "timestamp"}],
        }
        assert api.post("/tables", json=kept).status_code == 201

        # The user's own test, with pytest and the plugin the wheel registers.
        tested = subprocess.run(
            [
                user_venv.bin / "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "test_orders.py",
                "test_clicks.py",
            ],
            cwd=project,
            env=env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-2000:]
        assert "2 passed" in tested.stdout
        assert [t["name"] for t in api.get("/tables").json()["values"]] == ["dev-only"]

        # A program that reads its brokers, key and secret from config, deployed from the
        # command line: its connection reaches the local broker whatever the config says.
        deployed = deploy_from_config(user_venv, project, state, values)
        assert deployed.returncode == 0, deployed.stderr[-2000:]
        assert "job_id" in json.loads(deployed.stdout)
        clicks = [{"ts": f"2026-12-01T10:00:0{i}Z", "page": f"/p{i}"} for i in range(3)]
        producer = Producer(
            client_config(
                values["KAFKA_BOOTSTRAP_SERVERS"],
                values["KAFKA_USERNAME"],
                values["KAFKA_PASSWORD"],
            )
        )
        produce_all(producer, "clicks", [json.dumps(c).encode() for c in clicks])
        headers = {"Authorization": f"Bearer {values['POLARIS_EMULATOR_ADMIN_TOKEN']}"}
        wait_ingested(lambda path: httpx.get(values["POLARIS_URL"] + path, headers=headers))
        pages = api.post("/query/sql", json={"query": 'SELECT "page" FROM "clicks" ORDER BY 1'})
        assert pages.json() == [{"page": c["page"]} for c in clicks]
    finally:
        stopped = cli(user_venv, "local", "stop", cwd=project)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert [alive(pid) for pid in pids] == [False, False]  # nothing left running
    assert cli(user_venv, "local", "status", cwd=project).returncode == 1


def deploy_from_config(
    venv: UserVenv, project: Path, state: Path, values: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`polaris-pulumi local deploy` of tests/programs/config_credentials, its topic made
    first (as the team's Kafka would hold it), with config that names Confluent Cloud."""
    ensure_topic(BrokerInfo.load(state / "kafka").client_config(), "clicks", 1)
    program = REPO / "tests" / "programs" / "config_credentials"
    config = ["kafkaServers=pkc-00000.us-east-1.aws.confluent.cloud:9092", "kafkaKey=CLOUDKEY"]
    config += ["kafkaSecret=cloud-secret"]
    flags = [arg for pair in config for arg in ("--config", pair)]
    return cli(venv, "local", "deploy", str(program), *flags, cwd=project)


def test_local_start_without_java_says_what_to_do(tmp_path: Path, user_venv: UserVenv) -> None:
    no_java = str(user_venv.bin)
    started = cli(
        user_venv, "local", "start", "--dir", str(tmp_path / "l"), cwd=tmp_path, path=no_java
    )
    assert started.returncode == 1
    assert "Java is not on PATH" in started.stderr and "java -version" in started.stderr
