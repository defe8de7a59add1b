"""Generated job mappings, filters and pushed events (hypothesis, seeded) against the emulator,
with the invariants issue 44 asks for: never a 5xx, and never a lost event. Every event a
push accepted is, once its batch is read, either in the table or counted (skipped by the
filter, or unparseable); or its batch stalled and its position stayed, to be read again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from polaris_pulumi._druid_functions import FUNCTIONS
from polaris_pulumi.emulator.ingest._commit import Delta
from polaris_pulumi.emulator.ingest._push import held
from tests import samples
from tests.pushed import BASE, Pushed

NOW_MS = 1_796_000_000_000
EVENTS = [{"ms": NOW_MS + i, "i": i} for i in range(3)]
SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- expressions -------------------------------------------------------------------------------

atoms = st.sampled_from(
    ['"i"', '"ms"', '"missing"', '"$keep"', '"a.b"', "1", "-1", "0", "9223372036854775807"]
    + ["1e308", "'x'", "'it''s'", "'2026-01-01T00:00:00Z'", "NULL", "TRUE", "'$.a[0,1]'"]
    + ["ARRAY[1, 2]", "polaris_meta.pushed", "*", "(", ")", "-- '", "/* ' */", "''"]
)
names = st.sampled_from(
    sorted(FUNCTIONS)[::7] + ["TIME_PARSE", "LOOKUP", "JSON_VALUE", "CAST", "UPPER", "TIME_FLOOR"]
) | st.sampled_from(["generate_series", "md5", "len", "current_setting", "read_text", "x"])
operators = st.sampled_from(["+", "-", "*", "/", "||", "=", "<>", "<", "AND", "OR", ",", " "])


def _compose(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(names, st.lists(inner, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(inner, operators, inner).map(" ".join),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"NOT {e}"),
        inner.map(lambda e: f"CAST({e} AS BIGINT)"),
        inner.map(lambda e: f"CASE WHEN {e} THEN 1 ELSE 0 END"),
        inner.map(lambda e: f"(SELECT {e} FROM pushed)"),
    )


expressions = st.recursive(atoms, _compose, max_leaves=8)


@pytest.fixture(scope="module")
def stack() -> Iterator[Pushed]:
    yield Pushed()


def no_event_lost(stack: Pushed, job_id: str) -> None:
    """Read what the job's table has not yet read of its connection: each event is then in
    the table or counted, or the batch stalled and its position stayed."""
    stack.job_id = job_id
    reader = stack.reader()
    reader.stopping.set()  # no wait between tries of a stalled batch
    start = reader.next
    pushed = held(stack.app.state.core.rows, "c") - start
    plan = reader._plan()
    if isinstance(plan, str):  # the job cannot run locally: it reads nothing, loses nothing
        event("the job cannot run locally")
        return
    delta: Delta = reader._read()
    if reader._commit(plan, delta):
        c = delta.counts
        counted = c.num_rows_processed + c.num_rows_skipped_by_error + c.num_rows_skipped_by_filter
        assert counted == pushed, (c, pushed)
        event("read: every event in the table or counted")
    else:
        event("stalled: the position stayed")
        reader._rewind()
        assert reader.next == start  # stalled: to be read again


@SETTINGS
@given(mapping=expressions, condition=st.none() | expressions)
def test_generated_mappings_and_filters_get_no_5xx_and_lose_no_event(
    stack: Pushed, mapping: str, condition: str | None
) -> None:
    table = f"t{abs(hash((mapping, condition))) % 10**9}"
    job = samples.stream_job("c", table, {"i": "long", "ms": "long"}, {"x": mapping})
    job["mappings"][0]["expression"] = 'MILLIS_TO_TIMESTAMP("ms")'
    if condition is not None:
        job["filterExpression"] = condition
    made = stack.http.post(f"{BASE}/jobs", json=job)
    assert made.status_code < 500, (mapping, condition, made.text[:300])
    event(f"POST /jobs {made.status_code}")
    if made.status_code != 201:
        return
    stack.job_id = made.json()["id"]
    assert stack.push(*EVENTS).status_code == 200
    no_event_lost(stack, stack.job_id)
    stack.http.post(
        f"{BASE}/jobs/{stack.job_id}/status", json={"desiredExecutionStatus": "canceled"}
    )


# --- pushed events -----------------------------------------------------------------------------

keys = st.sampled_from(
    ["i", "ms", "", "$keep", "$keep1", "__time", "I", "a.b", "x" * 300]
) | st.text(max_size=6)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(exclude_categories=()), max_size=12),  # surrogates included
)
values = st.recursive(
    leaves, lambda i: st.lists(i, max_size=3) | st.dictionaries(keys, i, max_size=3), max_leaves=6
)
events = st.dictionaries(keys, values, max_size=5).map(lambda e: {"ms": NOW_MS, **e})


@pytest.fixture(scope="module")
def pushes() -> Iterator[Pushed]:
    yield Pushed()


@SETTINGS
@given(batch=st.lists(events, min_size=1, max_size=5))
def test_generated_events_get_no_5xx_and_none_is_lost(
    pushes: Pushed, batch: list[dict[str, Any]]
) -> None:
    body = b"\n".join(json.dumps(e).encode() for e in batch)
    answer = pushes.push_raw(body)
    assert answer.status_code < 500, (batch, answer.text[:300])
    event(f"push {answer.status_code}")
    if answer.status_code != 200:
        assert answer.status_code == 400  # refused whole, naming the line: nothing kept
        return
    no_event_lost(pushes, pushes.job_id)
