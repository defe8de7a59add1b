"""A job's logs (`GET /jobs/{id}/logs`, issue 45): each event it rejected or warned about,
where it came from and why; a value its column cannot hold is null, counted as a warning and
logged naming the column and the value, as Druid casts."""

from __future__ import annotations

import time
from typing import Any

from tests import samples
from tests.pushed import BASE, Pushed

NOW_MS = 1_796_000_000_000  # inside the job's ten years of late records


def logs(stack: Pushed) -> list[dict[str, Any]]:
    answer = stack.http.get(f"{BASE}/jobs/{stack.job_id}/logs")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["logs"])


def one_column(table: str, column: str, data_type: str, field: str) -> Pushed:
    """A job mapping the string input field `field` into `column` (of `data_type`) of a
    strict table, `__time` from "ms"."""
    declared = {
        "type": "detail",
        "name": table,
        "schemaMode": "strict",
        "schema": [
            {"name": "__time", "dataType": "timestamp"},
            {"name": column, "dataType": data_type},
        ],
    }
    job = samples.stream_job("c", table, {"ms": "long", field: "string"}, {column: f'"{field}"'})
    job["mappings"][0]["expression"] = 'MILLIS_TO_TIMESTAMP("ms")'
    job["createTableIfNotExists"] = False
    return Pushed(job, tables=[declared])


def test_a_value_its_column_cannot_hold_is_null_warned_and_logged() -> None:
    stack = one_column("orders", "order_id", "long", "order")
    events = [{"ms": NOW_MS, "order": "b1"}, {"ms": NOW_MS + 1, "order": "42"}]
    assert stack.push(*events).status_code == 200
    delta = stack.read_all()
    rows = stack.rows('SELECT "order_id" FROM "orders" ORDER BY "__time"')
    assert rows == [{"order_id": None}, {"order_id": 42}]  # as Druid casts: null, not lost
    assert delta.counts.num_rows_processed == 2
    assert delta.counts.num_rows_processed_with_warning == 1
    assert delta.health is not None and delta.health.status == "warn"
    (entry,) = [e for e in logs(stack) if e["code"] == "cast_failed"]
    assert "'order_id'" in entry["message"] and "'b1'" in entry["message"]
    assert "pushed event 0 of connection 'c'" in entry["message"]
    assert entry["healthStatus"] == "warn" and entry["timestamp"].endswith("Z")


def test_an_event_whose_time_does_not_parse_is_logged_naming_where_and_why() -> None:
    stack = Pushed()
    job = stack.app.state.core.store.get_job(stack.job_id)
    assert job is not None and job.spec is not None
    events = [{"ms": NOW_MS, "i": 1}, {"ms": "yesterday", "i": 2}, {"ms": NOW_MS, "i": 3}]
    assert stack.push(*events).status_code == 200
    delta = stack.read_all()
    assert delta.counts.num_rows_skipped_by_error == 1
    timeless = [e for e in logs(stack) if e["code"] == "unparseable_time"]
    assert len(timeless) == 1
    message = timeless[0]["message"]
    assert message.startswith("pushed event 1 of connection 'c'") and "__time is null" in message
    assert '"i": 2' in message  # an excerpt of the event


def test_late_and_unparseable_events_are_logged_and_counted_as_druid_counts_them() -> None:
    stack = Pushed({"lateMessageRejectionPeriod": "P1D"})
    now_ms = int(time.time() * 1000)  # the job's late period runs back from when it started
    assert stack.push({"ms": 1000, "i": 1}, {"ms": now_ms, "i": 2}).status_code == 200
    assert stack.push_raw(b"not json at all").status_code == 400  # refused at push
    delta = stack.read_all()
    assert delta.counts.num_rows_skipped_by_filter == 1  # Druid's thrownAway
    late = [e for e in logs(stack) if e["code"] == "late_event"]
    assert len(late) == 1 and "lateMessageRejectionPeriod P1D" in late[0]["message"]
    assert "1970-01-01T00:00:01.000Z" in late[0]["message"]


def test_an_unknown_job_has_no_logs() -> None:
    stack = Pushed()
    assert stack.http.get(f"{BASE}/jobs/nope/logs").status_code == 404


def test_a_single_string_bound_for_an_array_column_is_an_array_of_one() -> None:
    stack = one_column("tagged", "tags", "stringArray", "tags")
    events = [{"ms": NOW_MS, "tags": "solo"}, {"ms": NOW_MS + 1, "tags": ["a", "b"]}]
    assert stack.push(*events).status_code == 200
    delta = stack.read_all()
    rows = stack.rows('SELECT "tags" FROM "tagged" ORDER BY "__time"')
    assert rows == [{"tags": ["solo"]}, {"tags": ["a", "b"]}]
    assert delta.counts.num_rows_processed_with_warning == 0
    assert [e for e in logs(stack) if e["code"] == "cast_failed"] == []
