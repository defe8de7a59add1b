"""Drives the real `pulumi` CLI built by tools/pulumi-cli, offline, with a file backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv"


def cli_path() -> Path:
    """The CLI the bootstrap linked into the venv; a clear failure (never a skip) if absent."""
    override = os.environ.get("POLARIS_PULUMI_CLI")
    path = Path(override) if override else VENV / "bin" / "pulumi"
    if not path.exists():
        raise RuntimeError(
            f"pulumi CLI not found at {path}. Build it with `bash scripts/bootstrap.sh` "
            "(it builds tools/pulumi-cli from Pulumi's Go modules and links it into .venv/bin)."
        )
    return path


def process_gone(pid: int) -> bool:
    """Whether a process has exited: no /proc entry, or a zombie nobody reaped yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def write_program(directory: Path, source: str, name: str = "test-project") -> Path:
    """A Python Pulumi project using this repo's virtualenv."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(
        textwrap.dedent(
            f"""\
            name: {name}
            runtime:
              name: python
              options:
                virtualenv: {VENV}
            """
        )
    )
    (directory / "__main__.py").write_text(textwrap.dedent(source))
    return directory


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Pulumi:
    """One project directory + one file backend + one stack."""

    workdir: Path
    state_dir: Path
    stack: str = "test"
    passphrase: str = "test-passphrase"
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                # metadata=skip: no `.attrs` sidecar per checkpoint. gocloud's fileblob
                # rewrites it in place, so a CLI killed mid-write leaves it empty and the next
                # command fails with `failed to load checkpoint: EOF`; the checkpoint itself
                # is written to a temp file and renamed (atomic).
                "PULUMI_BACKEND_URL": f"file://{self.state_dir}?metadata=skip",
                "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_HOME": str(self.state_dir / ".pulumi-home"),
                "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
                "NO_COLOR": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> Result:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [str(cli_path()), "--non-interactive", "--color", "never", *args],
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            sys.stderr.write(result.output)
            raise AssertionError(
                f"pulumi {' '.join(args)} exited {proc.returncode}:\n{result.output}"
            )
        return result

    def init(self) -> None:
        self.run("stack", "init", self.stack)

    def config_set(self, key: str, value: str, secret: bool = False) -> None:
        flags = ["--secret"] if secret else []
        self.run("config", "set", "--stack", self.stack, *flags, key, "--", value)

    def config_set_all(
        self, plain: dict[str, str] | None = None, secret: dict[str, str] | None = None
    ) -> None:
        """Several keys in one CLI run (`config set-all`): the same config as one `config
        set` each, for a fraction of the CPU (each run derives the passphrase's key)."""
        pairs = [("--plaintext", k, v) for k, v in (plain or {}).items()]
        pairs += [("--secret", k, v) for k, v in (secret or {}).items()]
        self.run(
            "config",
            "set-all",
            "--stack",
            self.stack,
            *(f for p in pairs for f in (p[0], f"{p[1]}={p[2]}")),
        )

    def up(self, *extra: str, check: bool = True, skip_preview: bool = True) -> Result:
        """`up --yes`; tests skip the preview unless they test what it catches."""
        flags = ["--skip-preview"] if skip_preview else []
        return self.run("up", "--yes", *flags, "--stack", self.stack, *extra, check=check)

    def preview(self, *extra: str, check: bool = True) -> Result:
        return self.run("preview", "--stack", self.stack, *extra, check=check)

    def refresh(self, *extra: str, check: bool = True) -> Result:
        return self.run("refresh", "--yes", "--stack", self.stack, *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> Result:
        return self.run("destroy", "--yes", "--stack", self.stack, *extra, check=check)

    def outputs(self, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json", "--stack", self.stack]
        if show_secrets:
            args.append("--show-secrets")
        return dict(json.loads(self.run(*args).stdout))

    def export(self) -> str:
        return self.run("stack", "export", "--stack", self.stack).stdout

    def resources(self) -> list[dict[str, Any]]:
        deployment = json.loads(self.export())["deployment"]
        return list(deployment.get("resources") or [])

    def stack_rm(self) -> None:
        self.run("stack", "rm", "--yes", "--stack", self.stack)
