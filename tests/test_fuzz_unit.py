"""Generated requests against the emulator, seeded so that the suite runs the same ones each
time: no 5xx, nothing half-stored (`tests/api_fuzz.py`; benchmarks/fuzz_api.py runs more)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.api_fuzz import Fuzzed, requests


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[Fuzzed]:
    target = Fuzzed()
    yield target
    target.close()


@settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
def test_no_generated_request_gets_a_5xx_or_half_stores(
    fuzzed: Fuzzed, request: tuple[str, str, Any]
) -> None:
    fuzzed.check(*request)
