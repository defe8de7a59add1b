"""The Table provider and its rules, called directly with values shaped as the engine sends
them; the lifecycle against the emulator."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi.output import Unknown

from polaris_pulumi.api import StreamingJobSpec, TableSpec
from polaris_pulumi.jobs._provider import StreamingJobProvider
from polaris_pulumi.tables._provider import TableProvider
from tests import samples
from tests.emulator_proc import EmulatorProcess


def _snake(body: dict[str, Any]) -> dict[str, Any]:
    """A sample API body in the snake_case a program passes, derived through the model."""
    dumped = TableSpec.model_validate(body).model_dump(mode="json", exclude_none=True)
    return {k.rstrip("_"): v for k, v in dumped.items()}


HOURLY = _snake(samples.AGGREGATE_TABLE)


def table(**changes: Any) -> dict[str, Any]:
    return copy.deepcopy(HOURLY) | changes


def failures(result: Any) -> dict[str, str]:
    return {f.property: f.reason for f in result.failures}


def column(i: int, **changes: Any) -> list[dict[str, Any]]:
    schema = copy.deepcopy(HOURLY["schema"])
    schema[i] |= changes
    return schema


BAD_TABLES: list[tuple[str, dict[str, Any], str, str]] = [
    ("name with slash", {"name": "a/b"}, "name", "'/'"),
    ("unknown type", {"type": "rollup"}, "type", "'detail' or 'aggregate'"),
    (
        "misspelt nested key",
        {"query_granularity": {"type": "simple", "granularty": "hour"}},
        "query_granularity.granularty",
        "did you mean 'granularity'",
    ),
    ("unknown granularity", {"partitioning_granularity": "fortnight"}, "partitioning", "one of"),
    ("week on create", {"partitioning_granularity": "week"}, "partitioning", "deprecated"),
    ("bad mode", {"schema_mode": "loose"}, "schema_mode", "'flexible' or 'strict'"),
    ("column type", {"schema": column(1, data_type="text")}, "schema[1].data_type", "one of"),
    ("measure type", {"schema": column(2, data_type="json")}, "schema[2].data_type", "one of"),
    ("timestamp off __time", {"schema": column(1, data_type="timestamp")}, "schema[1]", "__time"),
    ("column kind missing", {"schema": column(1, type=None)}, "schema[1].type", "dimension or"),
    ("column twice", {"schema": column(2, name="page")}, "schema[2].name", "twice"),
    ("cluster undeclared", {"clustering_columns": ["url"]}, "clustering_columns[0]", "declare"),
    ("cluster measure", {"clustering_columns": ["views"]}, "clustering_columns[0]", "measure"),
    ("rollup", {"time_resolution": "fortnight"}, "time_resolution", "one of"),
    (
        "granularity period",
        {"query_granularity": {"type": "period", "period": "1 hour"}},
        "query_granularity.period",
        "ISO-8601",
    ),
    (
        "retain without period",
        {"storage_policy": {"retain": {"type": "period"}}},
        "storage_policy.retain.period",
        "required",
    ),
    (
        "interval",
        {"storage_policy": {"cached": {"type": "intervals", "intervals": ["2026"]}}},
        "storage_policy.cached.intervals[0]",
        "start/end",
    ),
    ("protection not a bool", {"deletion_protection": "yes"}, "deletion_protection", "bool"),
]


@pytest.mark.parametrize(
    ("case", "override", "prop", "words"), BAD_TABLES, ids=[c[0] for c in BAD_TABLES]
)
def test_bad_tables_are_refused_by_check(
    case: str, override: dict[str, Any], prop: str, words: str
) -> None:
    props = {k: v for k, v in table(**override).items() if v is not None}
    found = [f"{f.property}: {f.reason}" for f in TableProvider().check({}, props).failures]
    assert any(f.startswith(prop) and words in f for f in found), (case, found)


def test_detail_table_rules() -> None:
    detail = _snake(samples.DETAIL_TABLE)
    assert failures(TableProvider().check({}, detail)) == {}
    found = failures(
        TableProvider().check({}, detail | {"time_resolution": "hour", "schema": column(1)[:2]})
    )
    assert "aggregate" in found["time_resolution"] and "aggregate" in found["schema[0].type"]


def test_check_with_unknowns_checks_the_rest() -> None:
    result = TableProvider().check({}, table(name=Unknown(), schema_mode="loose"))
    assert list(failures(result)) == ["schema_mode"]
    assert TableProvider().check({}, table(schema=Unknown())).failures == []
    assert TableProvider().check({}, table(type=Unknown())).failures == []


def test_name_and_type_replace_and_the_rest_is_in_place() -> None:
    outs = table(partitioning_granularity="day", table_id="x", version=3)
    provider = TableProvider()
    assert provider.diff("t", outs, table()).changes is False  # server defaults are no change
    in_place = provider.diff("t", outs, table(partitioning_granularity="hour", description="d"))
    assert in_place.changes and in_place.replaces == []
    retyped = provider.diff("t", outs, _snake(samples.DETAIL_TABLE) | {"name": HOURLY["name"]})
    assert retyped.replaces == ["type"] and retyped.delete_before_replace
    renamed = provider.diff("t", outs, table(name="other"))
    assert renamed.replaces == ["name"] and not renamed.delete_before_replace
    assert provider.diff("t", outs, table(name=Unknown())).replaces == ["name"]


def test_a_protected_table_is_never_replaced_or_dropped() -> None:
    provider = TableProvider()
    detail = _snake(samples.DETAIL_TABLE) | {"name": HOURLY["name"]}
    refused = failures(provider.check(table(), detail))
    assert "deletion_protection=False" in refused["type"] and "data" in refused["type"]
    renamed = failures(provider.check(table(deletion_protection=True), table(name="other")))
    assert "drops table 'page-views-hourly'" in renamed["name"]
    # Unprotected by the last `up`: the change is planned as a replacement.
    assert provider.check(table(deletion_protection=False), detail).failures == []
    with pytest.raises(Exception, match="protected .* Nothing was deleted"):
        provider.delete("page-views-hourly", table())


def _job_on(table_name: str, **changes: Any) -> dict[str, Any]:
    dumped = StreamingJobSpec.model_validate(
        samples.job(table=table_name, connection_name="events")
    ).model_dump(mode="json", exclude_none=True, exclude={"type"})
    return dumped | changes


def test_job_mappings_are_held_to_a_declared_table() -> None:
    TableProvider().check({}, table())  # declares it in this deployment
    inputs = [
        {"name": "ts", "data_type": "string"},
        {"name": "page", "data_type": "string"},
        {"name": "bytes", "data_type": "long"},
    ]
    source = {
        "connection_name": "events",
        "format_settings": {"format": "nd-json"},
        "input_schema": inputs,
    }
    good = [
        {"column_name": "__time", "expression": "TIME_FLOOR(TIME_PARSE(\"ts\"), 'PT1H')"},
        {"column_name": "page", "expression": '"page"'},
        {"column_name": "views", "expression": "COUNT(*)", "is_aggregation": True},
    ]
    job = _job_on(HOURLY["name"], source=source, mappings=good, use_schema_discovery=False)
    assert StreamingJobProvider().check({}, job).failures == []
    bad = [
        *good[:2],
        {"column_name": "views", "expression": "COUNT(*)"},
        {"column_name": "url", "expression": '"page"'},
    ]
    found = failures(StreamingJobProvider().check({}, job | {"mappings": bad}))
    assert "measure" in found["mappings[2].is_aggregation"]
    assert "strict" in found["mappings[3].column_name"]
    found = failures(StreamingJobProvider().check({}, job | {"use_schema_discovery": True}))
    assert "flexible" in found["use_schema_discovery"]


def test_a_job_on_a_protected_table_leaving_with_it_is_not_canceled() -> None:
    outs = _job_on("kept-by-protection") | {"target_table_protected": True}
    with pytest.raises(Exception, match="nothing was canceled"):
        StreamingJobProvider().delete("job-1", outs)


def test_table_lifecycle_directly(emulator: EmulatorProcess) -> None:
    provider = TableProvider()
    emulator.configure(provider)
    props = provider.check({}, table(deletion_protection=False)).inputs
    made = provider.create(props)
    assert made.id == HOURLY["name"] and made.outs is not None
    assert (made.outs["version"], made.outs["schema"]) == (0, HOURLY["schema"])
    assert provider.diff(made.id, made.outs, props).changes is False
    # A create whose answer was lost: the retry finds the same table and takes it.
    again = provider.create(props)
    assert again.outs is not None and again.outs["table_id"] == made.outs["table_id"]
    with pytest.raises(Exception, match="already exists .* adopt_existing"):
        provider.create(props | {"description": "another table of the same name"})
    hourly = props | {"partitioning_granularity": "hour"}
    updated = provider.update(made.id, made.outs, hourly)
    assert updated.outs is not None and updated.outs["version"] == 1
    read = provider.read(made.id, updated.outs)
    assert read.outs is not None and provider.diff(made.id, read.outs, hourly).changes is False
    provider.delete(made.id, updated.outs)
    assert provider.read(made.id, updated.outs).id is None
