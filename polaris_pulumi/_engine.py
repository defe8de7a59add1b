"""What this package does in the provider process that Pulumi's engine starts: follow the
engine (exit once it is gone), show the client's retry warnings, and hand our own errors to
the engine as their message.

Pulumi's dynamic provider host (`pulumi.dynamic.__main__`) answers every exception of a
provider method with `traceback.format_exc()` (`_abort_with_traceback`), so a wrong API key
reaches the CLI as dozens of Python frames, and the progress line shows only `Traceback (most
recent call last):`. Our errors (`PolarisError`) are written for people: for those, the host's
`traceback` name is given a stand-in whose `format_exc()` is the message alone. Any other
exception is a bug and keeps its traceback. tests/test_engine.py fails if a new SDK changes
that mechanism.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
import types
from typing import Any

from polaris_pulumi._exceptions import PolarisError

# The module Pulumi runs as the dynamic provider (`python -m pulumi.dynamic`).
DYNAMIC_HOST = "pulumi.dynamic.__main__"


class _MessageTraceback:
    """Stands in for the `traceback` module in the dynamic provider host's namespace."""

    def __init__(self, real: types.ModuleType) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, PolarisError):
            return str(error)
        text: str = self._real.format_exc(*args, **kwargs)
        return text


def dynamic_host() -> types.ModuleType | None:
    """Pulumi's dynamic provider host, when this process is one."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return main if spec is not None and spec.name == DYNAMIC_HOST else None


def errors_as_messages(host: types.ModuleType | None = None) -> bool:
    """Make the host send our errors as their message; whether it could."""
    host = host if host is not None else dynamic_host()
    if host is None or not hasattr(host, "_abort_with_traceback"):
        return False
    current = getattr(host, "traceback", None)
    if isinstance(current, _MessageTraceback):
        return True
    if current is not traceback:
        return False
    host.traceback = _MessageTraceback(traceback)  # type: ignore[attr-defined]
    return True


_WATCHING = threading.Lock()
_watched: list[tuple[int, str]] = []


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _engine_pid() -> tuple[int, str] | None:
    """The `pulumi` CLI among this process' ancestors, with its start time (against PID reuse)."""
    pid = os.getppid()
    for _ in range(4):
        stat = _proc_stat(pid)
        if stat is None:
            return None
        try:
            exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
        except OSError:
            exe = ""
        if exe == "pulumi":
            return pid, stat[19]
        pid = int(stat[1])
    return None


def attach_to_engine() -> None:
    """In the provider process the engine started (once): our errors as their message, the
    client's warnings on stderr, and exit once the engine is gone (e.g. SIGKILLed); the
    dynamic provider's gRPC server would otherwise serve nobody forever. Linux only (/proc);
    elsewhere, and in any other process (tests, scripts), nothing happens.
    """
    errors_as_messages()
    with _WATCHING:
        if _watched:
            return
        engine = _engine_pid()
        if engine is None:
            return
        _watched.append(engine)
    _show_client_warnings()

    def watch() -> None:
        pid, started = engine
        while (stat := _proc_stat(pid)) is not None and stat[0] != "Z" and stat[19] == started:
            time.sleep(1)
        try:  # stderr led to the engine: it may be a broken pipe now
            log(f"the Pulumi engine (pid {pid}) is gone: the provider exits")
        finally:
            os._exit(1)

    threading.Thread(target=watch, name="polaris-engine-watch", daemon=True).start()


def _show_client_warnings() -> None:
    """The client's warnings (a retry while Polaris does not answer) on stderr, which the CLI
    shows beside the resource: progress instead of minutes of silence."""
    logger = logging.getLogger("polaris_pulumi")
    if any(getattr(h, "polaris_stderr", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("polaris-pulumi: %(message)s"))
    handler.setLevel(logging.WARNING)
    handler.polaris_stderr = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)


def log(message: str) -> None:
    # pulumi.log is not usable inside a dynamic provider (pulumi/pulumi#20409).
    print(f"polaris-pulumi: {message}", file=sys.stderr, flush=True)
