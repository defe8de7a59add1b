"""Runs the emulator as a real server process on an ephemeral loopback port."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from polaris_pulumi._kinds import KINDS
from polaris_pulumi._local import die_with_parent, wait_ingested
from polaris_pulumi.api import PolarisClient, RetryPolicy

FAST_RETRIES = RetryPolicy(max_attempts=8, max_seconds=30, initial_backoff=0.01, max_backoff=0.1)


@dataclass
class EmulatorProcess:
    workdir: Path
    api_key: str = field(default_factory=lambda: "pok_test_" + secrets.token_hex(16))
    project_id: str = "test-project"
    flags: list[str] = field(default_factory=list)
    url: str = ""
    port: int = 0  # 0 on first start; a restart keeps the port, like a real endpoint
    proc: subprocess.Popen[bytes] | None = None
    started_faults: dict[str, Any] | None = None

    @property
    def db(self) -> Path:
        return self.workdir / "polaris.db"

    def start(self) -> EmulatorProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        ready = self.workdir / "ready"
        ready.unlink(missing_ok=True)
        log = (self.workdir / "emulator.log").open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "polaris_pulumi.emulator",
                "--port",
                str(self.port),
                "--db",
                str(self.db),
                "--api-key",
                self.api_key,
                "--project-id",
                self.project_id,
                "--ready-file",
                str(ready),
                *self.flags,
            ],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent,  # no emulator outlives its test run
        )
        deadline = time.monotonic() + 30
        while not ready.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"emulator exited: {(self.workdir / 'emulator.log').read_text()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError("emulator did not start in 30s")
            time.sleep(0.05)
        self.url = ready.read_text()
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def stop(self, kill: bool = False) -> None:
        if self.proc is None:
            return
        if kill:
            self.proc.kill()
        else:
            self.proc.terminate()
        self.proc.wait(timeout=30)
        self.proc = None

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self, **kwargs: Any) -> PolarisClient:
        kwargs.setdefault("retry", FAST_RETRIES)
        return PolarisClient(
            api_key=kwargs.pop("api_key", self.api_key),
            url=self.url,
            project_id=kwargs.pop("project_id", self.project_id),
            **kwargs,
        )

    def configure(self, *providers: Any) -> None:
        """Configure dynamic providers as the engine does, with this emulator's stack config."""
        from pulumi.dynamic import ConfigureRequest
        from pulumi.dynamic.config import Config

        config = {
            "polaris:apiKey": self.api_key,
            "polaris:url": self.url,
            "polaris:projectId": self.project_id,
        }
        for provider in providers:
            provider.configure(ConfigureRequest(Config(config, "proj")))

    def env(self) -> dict[str, str]:
        """What a Pulumi program needs to reach this emulator."""
        return {
            "POLARIS_URL": self.url,
            "POLARIS_API_KEY": self.api_key,
            "POLARIS_PROJECT_ID": self.project_id,
        }

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.url}/_emulator/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def active_jobs(self) -> dict[str, str]:
        """The jobs that are not over: id -> table, in the list's order."""
        return {j.id: j.table_name for j in self.client().list_jobs() if not j.is_terminal}

    def wait_ingested(self, timeout: float = 60) -> None:
        """Until every reading job has ingested what its source holds (the emulator counts)."""
        wait_ingested(lambda path: httpx.get(self.url + path, timeout=10), timeout)

    def counters(self) -> dict[str, Any]:
        return dict(self.admin("GET", "counters"))

    def only_access_checks(self, runs: int = 1) -> bool:
        """Whether all that was received since the counters' reset is the access check of
        preview (`polaris_pulumi._access`): one GET of a list per kind and CLI run, no write."""
        counters = self.counters()
        lists = {f"GET /v1/projects/{{projectId}}{kind.list_path.split('?')[0]}" for kind in KINDS}
        received: dict[str, int] = counters["received"]
        return counters["writes_received"] == 0 and all(
            key in lists and n <= runs for key, n in received.items()
        )

    def reset_counters(self) -> None:
        self.admin("POST", "counters/reset")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return dict(self.admin("PUT", "faults", json=faults))

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock on (it runs with --settable-clock): a job's next state
        is due at once, with no sleep."""
        self.admin("POST", "clock", json={"advance": seconds})

    def reset(self) -> None:
        """As fresh for the next test: no objects or rows, the faults it started with, no
        counts. The clock only moves forward; the port, keys and flags stay."""
        if self.started_faults is None:
            self.started_faults = self.admin("GET", "faults")
        self.admin("POST", "wipe")
        self.admin("PUT", "faults", json=self.started_faults)
        self.reset_counters()
