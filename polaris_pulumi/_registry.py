"""What one resource must know of another within a process, in one place with a `reset()`.

Facts that can travel as inputs the engine orders do (a job's `target_table_protected`). What
cannot stays here:
- in the provider process (one serves the whole deployment): which connections and tables
  this deployment declares (a job may name one before it exists in Polaris), which
  connections a resource took over, and the replacements `check` decided for `create` (the
  engine checks a replacement once more without its old inputs: step_generator.go);
- in the program (per event loop, so that runs in one process never share): which job
  claims which table, the Table resources' `name` outputs, and the current batch of jobs.

Tests call `REGISTRY.reset()` before each test (an autouse fixture).
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from polaris_pulumi.tables._model import TableSpec


@dataclass
class _Program:
    """One program run's facts."""

    # By (endpoint, table): one streaming job per table of a project.
    table_owners: dict[tuple[str, str], str] = field(default_factory=dict)
    table_names: dict[int, tuple[Any, bool]] = field(default_factory=dict)
    # The open batch of jobs per endpoint ("" the default one): each has its own wait.
    batch: dict[str, Any] = field(default_factory=dict)
    batches: dict[str, int] = field(default_factory=dict)


class Registry:
    """Thread-safe: the provider serves up to 4 calls at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._connections: dict[str, str] = {}
            self._derived: set[str] = set()
            self._adopted: set[str] = set()
            self._tables: dict[str, TableSpec | None] = {}
            self._lookups: set[str] = set()
            self._replacing: set[str] = set()
            self._leaving: set[str] = set()
            self._programs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Program] = (
                weakref.WeakKeyDictionary()
            )

    # --- the provider process ---

    def declare_connection(self, name: str, kind: str, *, derived: bool) -> None:
        with self._lock:
            self._connections[name] = kind
            if derived:
                self._derived.add(name)

    def connection_type(self, name: str) -> str | None:
        """The type of a connection this deployment declares, if it does."""
        with self._lock:
            return self._connections.get(name)

    def is_derived(self, name: str) -> bool:
        """Whether `check` derived this connection name (it is its resource's own)."""
        with self._lock:
            return name in self._derived

    def adopt(self, name: str) -> None:
        with self._lock:
            self._adopted.add(name)

    def adopted(self, name: str) -> bool:
        """Whether a resource of this deployment took the connection (or `job <id>`) over: in
        a rename, the old resource's delete runs after the new one's create and must keep it."""
        with self._lock:
            return name in self._adopted

    def declare_table(self, name: str, spec: TableSpec | None) -> None:
        with self._lock:
            self._tables[name] = spec

    def table_declared(self, name: str) -> bool:
        with self._lock:
            return name in self._tables

    def table_spec(self, name: str) -> TableSpec | None:
        """The declared table's spec, when this deployment declares it and it is known."""
        with self._lock:
            return self._tables.get(name)

    def declare_lookup(self, name: str) -> None:
        with self._lock:
            self._lookups.add(name)

    def lookup_declared(self, name: str) -> bool:
        with self._lock:
            return name in self._lookups

    def replacing(self, key: str) -> None:
        """A job's check decided that its new job takes the old one's place (same table)."""
        with self._lock:
            self._replacing.add(key)

    def take_replacing(self, key: str) -> bool:
        with self._lock:
            found = key in self._replacing
            self._replacing.discard(key)
            return found

    def leaving(self, table: str) -> None:
        """A job of this deployment moves away from `table`."""
        with self._lock:
            self._leaving.add(table)

    def left(self, table: str, patience: float = 5.0) -> bool:
        """Whether a job announced (in `check`) that it leaves `table`; in a swap of tables
        the other job's check may still be on its way, so wait a little."""
        deadline = time.monotonic() + patience
        while True:
            with self._lock:
                if table in self._leaving:
                    return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)

    # --- the program ---

    def program(self) -> _Program:
        """This program run's facts (keyed by its event loop)."""
        loop = asyncio.get_event_loop()
        with self._lock:
            return self._programs.setdefault(loop, _Program())


REGISTRY = Registry()
