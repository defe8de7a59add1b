"""A user's own project: a fresh venv holding only what a user installs (the newest `pulumi`
the index serves, our wheel with `[emulator]`, pytest and pulumi-confluentcloud), built by uv,
which bootstrap puts beside the interpreter (pip's resolution, several times faster)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.pulumi_cli import REPO


@dataclass(frozen=True)
class UserVenv:
    root: Path
    pulumi_version: str  # the newest the index serves, which our wheel must keep

    @property
    def bin(self) -> Path:
        return self.root / "venv" / "bin"


def env() -> dict[str, str]:
    """This run's environment without what points at the repository's venv."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def run(*args: str | Path, cwd: Path | None = None, timeout: float = 600) -> str:
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def build(root: Path) -> UserVenv:
    """The newest pulumi first, then the wheel and the rest: the wheel must keep that Pulumi."""
    uv = Path(sys.executable).parent / "uv"
    dist = root / "dist"
    run(uv, "build", "--wheel", "-q", "-o", dist, REPO)
    (wheel,) = dist.glob("polaris_pulumi-*.whl")
    venv = root / "venv"
    run(uv, "venv", "-q", venv)
    install = [uv, "pip", "install", "-q", "--python", venv / "bin" / "python"]
    run(*install, "pulumi")
    script = "import importlib.metadata as m; print(m.version('pulumi'))"
    newest = run(venv / "bin" / "python", "-c", script).strip()
    run(*install, f"{wheel}[emulator]", "pytest>=8", "pulumi-confluentcloud>=2.87,<3")
    return UserVenv(root, newest)
