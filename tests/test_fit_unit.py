"""Small things a new user meets first (issue 36, "fit"): each says what to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from polaris_pulumi.api import ConfigurationError, PolarisClient


def test_a_url_with_the_api_path_is_told_to_drop_it() -> None:
    with pytest.raises(ConfigurationError) as raised:
        PolarisClient(api_key="k", url="https://org.us-east-1.aws.api.imply.io/v1", project_id="p")
    assert "'https://org.us-east-1.aws.api.imply.io'" in str(raised.value)
    assert "adds /v1/projects/<projectId>" in str(raised.value)


def test_a_client_without_a_key_names_the_argument_and_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("POLARIS_API_KEY", "POLARIS_BEARER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError) as raised:
        PolarisClient(url="http://127.0.0.1:1", project_id="p")
    assert "api_key=" in str(raised.value) and "POLARIS_API_KEY" in str(raised.value)


def test_the_commands_say_what_they_do() -> None:
    bin_dir = Path(sys.executable).parent
    helped = subprocess.run([bin_dir / "polaris-pulumi", "--help"], capture_output=True, text=True)
    text = " ".join(helped.stdout.split())
    assert "runs a local Polaris (an emulator and a Kafka broker) in your project." in text


def test_broker_status_says_when_nothing_runs(tmp_path: Path) -> None:
    status = subprocess.run(
        [sys.executable, "-m", "polaris_pulumi.emulator.kafka.broker", "status", "--dir", tmp_path],
        capture_output=True,
        text=True,
    )
    assert (status.returncode, status.stdout.strip()) == (1, "not running")
