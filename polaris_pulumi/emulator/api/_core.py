"""The emulator's state: its config, store, accepted credentials, injected faults and request
counters. Each API module (`_connections`, `_jobs`, `_tables`) works on one `Core`."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from polaris_pulumi.emulator.api._auth import Auth
from polaris_pulumi.emulator.state._store import Store

if TYPE_CHECKING:
    from polaris_pulumi.emulator.ingest._rows import Rows

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Rate = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]  # a probability


@pydantic_dataclass(config=ConfigDict(extra="forbid"))
class Faults:
    """Injected failures; rates are probabilities per request. Validated (an unknown key or a
    wrong type is an error), so PUT /_emulator/faults takes exactly these fields."""

    rate_429: Rate = 0.0
    rate_503: Rate = 0.0
    # A 500 before the request is handled (the contract documents 500 for most operations).
    rate_500: Rate = 0.0
    lost_write_rate: Rate = 0.0
    # The status a lost write answers with: 504 (lost on the way back) or 500 (the server
    # failed after it committed), the two a client cannot tell from "nothing happened".
    lost_write_status: Literal[500, 504] = 504
    # Bounded, so that no setting holds requests (or a shutdown) indefinitely.
    latency_ms: Annotated[float, Field(ge=0, le=60_000, allow_inf_nan=False)] = 0.0
    retry_after_seconds: Annotated[float, Field(ge=0, le=3600, allow_inf_nan=False)] = 1.0
    seed: Annotated[int, Field(ge=0, lt=2**63)] | None = None


class SettableClock:
    """The system's time plus an offset that only grows: `advance` moves the emulator into the
    future at once (`POST /_emulator/clock`, with `--settable-clock`), so that a test sees a
    job's next state without sleeping for it."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move on by `seconds` (finite, 0 to one day); the new time."""
        if not 0 <= seconds <= 86400:
            raise ValueError("advance takes 0 to 86400 seconds")
        with self._lock:
            self._offset += seconds
            return time.time() + self._offset


@dataclass
class EmulatorConfig:
    db_path: str = ":memory:"
    api_keys: dict[str, frozenset[str]] = field(default_factory=dict)
    bearer_tokens: frozenset[str] = frozenset()
    project_id: str = "demo-project"
    job_start_delay: float = 1.0
    job_cancel_delay: float = 0.5
    faults: Faults = field(default_factory=Faults)
    # A broker the emulator knows (host:port): connection tests and jobs then use real Kafka
    # (`kafka._live`, `ingest._feed`); None keeps the simulated Kafka (`kafka._simulated`).
    kafka_broker: str | None = None
    # Required by the admin endpoints (/_emulator/...) when set; set whenever the emulator
    # binds an address other than loopback.
    admin_token: str | None = None
    # The host names a request may be addressed to (its Host header): the emulator's own, so
    # that a web page whose name resolves here (DNS rebinding) is refused. None: any (an
    # emulator bound beyond loopback, behind its admin token; an in-process test client).
    allowed_hosts: frozenset[str] | None = None
    # The emulator's clock (epoch seconds): every timestamp, transition and rejection period
    # reads it, so tests move time instead of sleeping.
    clock: Callable[[], float] = time.time


class Core:
    """What every API module shares."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.store = Store(config.db_path)
        self.auth = Auth(config.api_keys, config.bearer_tokens)
        self.faults = config.faults
        self.rng = random.Random(config.faults.seed)
        self.received: Counter[str] = Counter()
        self.handled: Counter[str] = Counter()
        self._counter_lock = threading.Lock()
        self._rows: Rows | None = None
        self._rows_lock = threading.Lock()

    @property
    def rows(self) -> Rows:
        """The tables' rows (DuckDB beside the store), opened once, when first needed (two
        requests may ask at once: the database's settings are locked once set)."""
        with self._rows_lock:
            if self._rows is None:
                from polaris_pulumi.emulator.ingest._rows import Rows

                self._rows = Rows.beside(self.config.db_path)
            return self._rows

    def close(self) -> None:
        """At shutdown: the rows' database is checkpointed and closed."""
        with self._rows_lock:
            if self._rows is not None:
                self._rows.close()
                self._rows = None

    def now(self) -> float:
        """The emulator's time (`EmulatorConfig.clock`)."""
        return self.config.clock()

    # --- counters --------------------------------------------------------------------------

    def count(self, kind: str, key: str) -> None:
        with self._counter_lock:
            (self.received if kind == "received" else self.handled)[key] += 1

    def counters(self) -> dict[str, Any]:
        with self._counter_lock:
            received, handled = dict(self.received), dict(self.handled)

        def writes(counts: dict[str, int]) -> int:
            return sum(
                n
                for key, n in counts.items()
                if key.split(" ")[0] in WRITE_METHODS and not key.endswith("/test")
            )

        return {
            "received": received,
            "handled": handled,
            "total_received": sum(received.values()),
            "writes_received": writes(received),
            "writes_handled": writes(handled),
        }

    def reset_counters(self) -> None:
        with self._counter_lock:
            self.received.clear()
            self.handled.clear()
