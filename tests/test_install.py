"""The package installs into a user's own project: a built wheel in a fresh venv, next to the
newest `pulumi` the index serves (not the version our locally built CLI pins), keeps that
Pulumi, runs a program under Pulumi's mocks, and serves the emulator through `[emulator]`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.pulumi_cli import REPO

# A wheel built and installed into a fresh venv with the newest Pulumi the index serves: slow
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


def _run(*args: str | Path, cwd: Path | None = None, timeout: float = 600) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


@pytest.fixture(scope="module")
def user_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A user's venv: the newest pulumi first, then our wheel with its emulator extra (built
    and installed by uv, which bootstrap puts beside the interpreter: the same resolution as
    pip's, several times faster)."""
    root = tmp_path_factory.mktemp("user-project")
    uv = Path(sys.executable).parent / "uv"
    dist = root / "dist"
    _run(uv, "build", "--wheel", "-q", "-o", dist, REPO)
    (wheel,) = dist.glob("polaris_pulumi-*.whl")
    venv = root / "venv"
    _run(uv, "venv", "-q", venv)
    install = [uv, "pip", "install", "-q", "--python", venv / "bin" / "python"]
    _run(*install, "pulumi")
    newest = _run(
        venv / "bin" / "python",
        "-c",
        "import pulumi, importlib.metadata as m; print(m.version('pulumi'))",
    )
    _run(*install, f"{wheel}[emulator]")
    return venv, newest.strip()


def test_wheel_keeps_the_users_pulumi_and_runs_under_mocks(user_venv: tuple[Path, str]) -> None:
    venv, newest = user_venv
    pinned = (REPO / "constraints.txt").read_text().split("pulumi==")[1].split()[0]
    # The machine's index serves a newer Pulumi than our CLI's: the test means something.
    assert tuple(map(int, newest.split("."))) > tuple(map(int, pinned.split(".")))
    program = venv.parent / "program.py"
    program.write_text(PROGRAM)
    out = json.loads(_run(venv / "bin" / "python", program, cwd=venv.parent).splitlines()[-1])
    assert out == {"servers": "pkc-1.example:9092", "table": "events", "pulumi": newest}


def test_emulator_extra_serves_the_api(user_venv: tuple[Path, str]) -> None:
    venv, _ = user_venv
    ready = venv.parent / "ready"
    key = "pok_install_test_key"
    proc = subprocess.Popen(
        [
            venv / "bin" / "polaris-emulator",
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
            venv.parent / "emulator" / "polaris.db",
        ],
        cwd=venv.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        _run(
            venv / "bin" / "python",
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
