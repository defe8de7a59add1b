"""A local Polaris emulator: a real HTTP server on loopback, its objects in SQLite, rows in DuckDB.

The embedded default of the demo stack and of the tests, and their fault injector. Its public
names load on first use, so a tool that needs one of its parts (the broker, the files the
local stack owns) does not load the HTTP server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polaris_pulumi.emulator.api._app import EmulatorConfig, Faults, create_app

__all__ = ["EmulatorConfig", "Faults", "create_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from polaris_pulumi.emulator.api import _app

        return getattr(_app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
