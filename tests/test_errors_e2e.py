"""Errors a person reads: a wrong API key, an unreachable or unresolvable URL fail `pulumi
preview` in one paragraph naming the setting, with no Python frame (real CLI)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.emulator_proc import EmulatorProcess
from tests.pulumi_cli import Result
from tests.stacks import polaris_stack

pytestmark = pytest.mark.e2e


def assert_no_frames(result: Result) -> None:
    assert result.returncode != 0, result.output
    assert "Traceback" not in result.output and 'File "' not in result.output, result.output


def test_a_wrong_api_key_fails_preview_in_one_paragraph(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    pulumi = polaris_stack(
        tmp_path, emulator, secrets={"polaris:apiKey": "pok_wrong_key_0123456789"}
    )
    emulator.reset_counters()
    preview = pulumi.preview(check=False)
    assert_no_frames(preview)
    assert "refused the credentials (401" in preview.output and "polaris:apiKey" in preview.output
    up = pulumi.up(check=False)
    assert_no_frames(up)
    # Before: 107 lines with 2 tracebacks (stop 18's CLI output for a wrong key).
    assert len(up.output.splitlines()) <= 25, up.output
    counters = emulator.counters()
    assert counters["writes_received"] == 0
    # One probe GET per kind of object, and the answer kept: a 401 is asked once.
    assert sum(counters["received"].values()) <= 2, counters
    assert "pok_wrong_key_0123456789" not in up.output + preview.output


def test_an_unreachable_url_fails_preview_after_a_few_tries(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pulumi = polaris_stack(tmp_path, emulator, config={"polaris:url": f"http://127.0.0.1:{port}"})
    preview = pulumi.preview(check=False)
    assert_no_frames(preview)
    assert "does not answer" in preview.output and "polaris:url" in preview.output
    diagnostics = preview.output.split("Diagnostics:")[1].splitlines()
    retries = [line for line in diagnostics if line.strip().startswith("polaris-pulumi:")]
    assert all("retrying in" in line for line in retries)
    assert 1 <= len(retries) <= 2, preview.output  # one line per retry, then the paragraph
    # Before: 147 lines for an unreachable URL.
    assert len(preview.output.splitlines()) <= 25, preview.output


def test_a_host_name_that_does_not_resolve_is_one_error(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    pulumi = polaris_stack(
        tmp_path, emulator, config={"polaris:url": "https://polaris-e2e.invalid"}
    )
    preview = pulumi.preview(check=False)
    assert_no_frames(preview)
    assert "does not resolve" in preview.output and "polaris:url" in preview.output
    assert "retrying in" not in preview.output, preview.output
