"""A local Polaris emulator: a real HTTP server on loopback, persistent in SQLite.

The embedded default of the demo stack and of the tests, and their fault injector.
"""

from polaris_pulumi.emulator.api._app import EmulatorConfig, Faults, create_app

__all__ = ["EmulatorConfig", "Faults", "create_app"]
