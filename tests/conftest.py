from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from polaris_pulumi._registry import REGISTRY
from tests.emulator_proc import EmulatorProcess

LIMITED_KEY = "pok_limited_connections_only"
BEARER = "oauth-test-token"


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    """Each test starts with a provider process and a program that know nothing yet."""
    REGISTRY.reset()
    yield
    REGISTRY.reset()


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """A fresh emulator process with fast job transitions."""
    proc = EmulatorProcess(
        tmp_path / "emulator",
        flags=[
            "--job-start-delay",
            "0.2",
            "--job-cancel-delay",
            "0.1",
            "--retry-after",
            "0",
            "--api-key",
            f"{LIMITED_KEY}=ManageConnections",
            "--bearer-token",
            BEARER,
        ],
    )
    proc.flags.extend(["--api-key", proc.api_key])
    proc.start()
    yield proc
    proc.stop()
