"""The package installs into a user's own project: a built wheel in a fresh venv, next to the
newest `pulumi` the index serves (not the version our locally built CLI pins), keeps that
Pulumi, runs a program under Pulumi's mocks, and serves the emulator through `[emulator]`."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from tests.pulumi_cli import REPO
from tests.user_project import UserVenv, run

# A wheel built and installed into a fresh venv (conftest's `user_venv`): slow
# (about 25 s) and real, so it runs with the end-to-end tests.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("install")]  # one venv for both

PROGRAM = textwrap.dedent(
    """\
    import json
    import pulumi
    from importlib.metadata import version


    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            return args.name + "-id", dict(args.inputs)

        def call(self, args):
            return {}


    pulumi.runtime.set_mocks(Mocks(), preview=False)
    import polaris_pulumi as polaris

    conn = polaris.Connection(
        "events",
        bootstrap_servers=polaris.bootstrap_servers("SASL_SSL://pkc-1.example:9092"),
        topic_name="events",
        secrets={"type": "sasl_plain", "username": "KEY", "password": "SECRET"},
    )
    job = polaris.StreamingJob(
        "ingest",
        source={
            "connection_name": conn.name,
            "format_settings": {"format": "nd-json"},
            "input_schema": [{"name": "ts", "data_type": "string"}],
        },
        mappings=[{"column_name": "__time", "expression": 'TIME_PARSE("ts")'}],
        target={"table_name": "events"},
        create_table_if_not_exists=True,
    )
    seen = {}
    done = pulumi.Output.all(conn.bootstrap_servers, job.target).apply(
        lambda v: seen.update(servers=v[0], table=v[1]["table_name"])
    )


    @pulumi.runtime.test
    def _check():
        return done


    _check()
    print(json.dumps(seen | {"pulumi": version("pulumi")}))
    """
)


def test_wheel_keeps_the_users_pulumi_and_runs_under_mocks(user_venv: UserVenv) -> None:
    newest = user_venv.pulumi_version
    pinned = (REPO / "constraints.txt").read_text().split("pulumi==")[1].split()[0]
    # The machine's index serves a newer Pulumi than our CLI's: the test means something.
    assert tuple(map(int, newest.split("."))) > tuple(map(int, pinned.split(".")))
    program = user_venv.root / "program.py"
    program.write_text(PROGRAM)
    out = json.loads(run(user_venv.bin / "python", program, cwd=user_venv.root).splitlines()[-1])
    assert out == {"servers": "pkc-1.example:9092", "table": "events", "pulumi": newest}


def test_emulator_extra_serves_the_api(user_venv: UserVenv) -> None:
    ready = user_venv.root / "ready"
    key = "pok_install_test_key"
    proc = subprocess.Popen(
        [
            user_venv.bin / "polaris-emulator",
            "--port",
            "0",
            "--api-key",
            key,
            "--project-id",
            "p1",
            "--ready-file",
            ready,
            # Its own database: the default is relative to the working directory, which may
            # hold a demo's (a user's run, or this clone's `scripts/demo.sh`).
            "--db",
            user_venv.root / "emulator" / "polaris.db",
        ],
        cwd=user_venv.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        run(
            user_venv.bin / "python",
            "-c",
            textwrap.dedent(
                f"""\
            import pathlib, time
            from polaris_pulumi.api import PolarisClient
            ready = pathlib.Path({str(ready)!r})
            for _ in range(300):
                if ready.exists() and ready.read_text():
                    break
                time.sleep(0.1)
            client = PolarisClient({key!r}, url=ready.read_text(), project_id="p1")
            assert client.list_connections() == []
            """
            ),
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
