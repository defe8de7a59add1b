"""What the local stack touches is its owner's: the files it writes with secrets in them, the
directory they are in, and the processes it signals. Another local account can plant a
symlink where a file will be written, or leave a PID in a state file; neither is followed.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class NotOwned(RuntimeError):
    """A path the local stack would write in is not its owner's alone."""


def own_directory(directory: Path) -> None:
    """Make (or take) a directory only its owner can enter: never a symlink, never one of
    another account's."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = os.lstat(directory)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise NotOwned(f"{directory} is a symlink or not a directory: remove it, then retry")
    if st.st_uid != os.getuid():
        raise NotOwned(f"{directory} belongs to another account: remove it, then retry")
    os.chmod(directory, 0o700)


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only: a new file of a fresh name in the same
    directory (created exclusively, so no planted name is followed), renamed over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def started(pid: int) -> str:
    """The process's start time (clock ticks since boot: /proc/<pid>/stat, field 22), which
    with its PID names it uniquely; "" when it is not running (or there is no /proc)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def is_ours(pid: int, start: str, marker: str) -> bool:
    """Whether `pid` is still the process we started: the same start time, and a command line
    holding `marker` (a PID reused by another process, or named in a planted state file, is
    not)."""
    if pid <= 1 or not start or started(pid) != start:
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return marker in command


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie does not; one of ours is reaped)."""
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        waited = 0
    if waited == pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: it runs
        return True
    return Path(f"/proc/{pid}").exists() and "Z" not in _proc_state(pid)


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (OSError, IndexError):
        return ""
