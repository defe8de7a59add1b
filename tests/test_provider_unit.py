"""Provider methods called directly, with values shaped the way the engine sends them."""

from __future__ import annotations

import base64
import copy
from typing import Any

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown

from polaris_pulumi._meta import with_defaults
from polaris_pulumi._registry import REGISTRY
from polaris_pulumi.api import ConnectionSpec, StreamingJobSpec
from polaris_pulumi.connections._provider import (
    ConnectionProvider,
    SchemaRegistryConnectionProvider,
    auto_name,
)
from polaris_pulumi.jobs._provider import Inputs, StreamingJobProvider
from polaris_pulumi.jobs._started import StreamingJobsStartedProvider
from polaris_pulumi.lookups._model import LookupSpec
from polaris_pulumi.tables._model import TableSpec
from polaris_pulumi.tables._provider import TableProvider
from tests import samples
from tests.bad_inputs import BAD_CASES, CLI_CASES, PROGRAM_ONLY, merged
from tests.conftest import HELD
from tests.emulator_proc import EmulatorProcess
from tests.stacks import KAFKA_PASSWORD


def _snake(
    model: type[ConnectionSpec] | type[StreamingJobSpec], body: dict[str, Any]
) -> dict[str, Any]:
    """A reference sample in the snake_case a program passes, derived through the models."""
    dumped = model.model_validate(body).model_dump(
        mode="json", exclude_none=True, exclude={"type"}, context={"reveal_secrets": True}
    )
    return dict(dumped)


SECRETS = {"type": "sasl_plain", "username": "KEY", "password": KAFKA_PASSWORD}
CONN = _snake(
    ConnectionSpec,
    samples.connection(
        name="events", bootstrapServers="pkc-1.us-east-1.aws.confluent.cloud:9092", secrets=SECRETS
    ),
)
JOB = _snake(StreamingJobSpec, samples.job(table="t1", connection_name="events"))


def job(**changes: Any) -> dict[str, Any]:
    return copy.deepcopy(JOB) | changes


def failures(result: Any) -> dict[str, str]:
    return {f.property: f.reason for f in result.failures}


# --- check ---------------------------------------------------------------------------------

# The valid connection and job of BAD_INPUT_PROGRAM, as the engine's check sees them in a
# first preview (the job's connection name is the connection's output: unknown).
BAD_BASE_CONN = {
    "name": "bad_input_conn",
    "bootstrap_servers": "pkc-1.us-east-1.aws.confluent.cloud:9092",
    "topic_name": "events",
    "secrets": {"type": "sasl_plain", "username": "KEY", "password": "pw-123456"},
}
BAD_BASE_JOB = {
    "source": {
        "connection_name": Unknown(),
        "format_settings": {"format": "nd-json"},
        "input_schema": [
            {"name": "ts", "data_type": "string"},
            {"name": "page", "data_type": "string"},
        ],
    },
    "mappings": [{"column_name": "__time", "expression": 'TIME_PARSE("ts")'}],
    "target": {"table_name": "bad-input-table"},
    "create_table_if_not_exists": True,
}


def test_bad_input_matrix_has_at_least_30_cases_and_its_cli_subset_exists() -> None:
    names = [c[0] for c in BAD_CASES]
    assert len(names) >= 30 and set(CLI_CASES) <= set(names)


@pytest.mark.parametrize(
    ("case", "override", "prop", "words"),
    [c for c in BAD_CASES if c[0] not in PROGRAM_ONLY],
    ids=[c[0] for c in BAD_CASES if c[0] not in PROGRAM_ONLY],
)
def test_bad_input_is_refused_by_check(
    case: str, override: dict[str, Any], prop: str, words: str
) -> None:
    conn = ConnectionProvider().check({}, BAD_BASE_CONN | override.get("conn", {}))
    job_ = StreamingJobProvider().check({}, merged(BAD_BASE_JOB, override.get("job", {})))
    found = [f"{f.property}: {f.reason}" for f in [*conn.failures, *job_.failures]]
    assert any(prop in f and words in f for f in found), (case, found)
    assert not any("pw-123456" in f for f in found)


def test_check_accepts_the_seed_and_normalizes_floats() -> None:
    result = StreamingJobProvider().check({}, job(max_parse_exceptions=100.0))
    assert result.failures == []
    assert result.inputs["max_parse_exceptions"] == 100
    assert isinstance(result.inputs["max_parse_exceptions"], int)


def test_check_reports_properties_and_fixes() -> None:
    bad = job(late_message_rejection_period="30d", read_from_point="oldest")
    bad["source"]["format_settings"]["format"] = "jsonl"
    bad["mappings"] = [{"column_name": "x", "expression": 'UPPER("nope")'}]
    bad["use_schema_discovery"] = False
    found = failures(StreamingJobProvider().check({}, bad))
    assert "read_from_point" in found and "'latest'" in found["read_from_point"]
    # Type errors stop rule checks; fix them and the rules speak.
    bad.pop("read_from_point")
    found = failures(StreamingJobProvider().check({}, bad))
    assert "ISO-8601" in found["late_message_rejection_period"]
    assert "nd-json" in found["source.format_settings.format"]
    assert "'nope'" in found["mappings[0].expression"]
    assert "__time" in found["mappings"]


def test_check_with_unknowns_skips_them_and_still_checks_the_rest() -> None:
    news = job(late_message_rejection_period="bad")
    news["source"]["connection_name"] = Unknown()
    news["source"]["input_schema"][0]["name"] = Unknown()
    news["target"] = {"type": "table", "table_name": Unknown()}
    result = StreamingJobProvider().check({}, news)
    found = failures(result)
    assert set(found) == {"late_message_rejection_period"}  # no false alarm from the unknowns
    assert isinstance(result.inputs["source"]["connection_name"], Unknown)  # passed through


def test_check_with_whole_objects_unknown_does_not_crash() -> None:
    assert (
        StreamingJobProvider().check({}, job(source=Unknown(), mappings=Unknown())).failures == []
    )
    conn = CONN | {"secrets": Unknown(), "bootstrap_servers": Unknown()}
    assert ConnectionProvider().check({}, conn).failures == []
    bad = CONN | {"secrets": Unknown(), "topic_name": "(", "topic_name_is_pattern": True}
    assert set(failures(ConnectionProvider().check({}, bad))) == {"topic_name"}


def test_connection_auto_name_is_derived_stable_and_valid() -> None:
    derived = auto_name("my events/stream", "proj/dev")
    news = {k: v for k, v in CONN.items() if k != "name"} | {"auto_name": derived}
    first = ConnectionProvider().check({}, news)
    name = first.inputs["name"]
    assert first.failures == [] and name.startswith("my-events-stream-")
    # Used, not kept: an input in the state would show in every `preview --diff`.
    assert "auto_name" not in first.inputs and REGISTRY.is_derived(name)
    # The same wherever it is computed (preview, then up), different for another scope.
    assert (
        name
        == auto_name("my events/stream", "proj/dev")
        != auto_name("my events/stream", "proj/prod")
    )
    # A name in the state wins, so a later change of the derivation renames nothing.
    again = ConnectionProvider().check({"name": "events-old123"}, news)
    assert again.inputs["name"] == "events-old123"
    assert len(auto_name("x" * 100, "p/s")) <= 64


def test_check_follows_the_contract() -> None:
    provider = StreamingJobProvider()
    typo = job()
    typo["source"]["format_settings"]["flaten_spec"] = {}
    assert failures(provider.check({}, typo)) == {
        "source.format_settings.flaten_spec": "is not a known property; did you mean 'flatten_spec'?"
    }
    kafka = job()
    kafka["source"]["format_settings"] = {"format": "kafka"}
    assert (
        "required for format 'kafka'"
        in failures(provider.check({}, kafka))["source.format_settings.value_format"]
    )
    kafka["source"]["format_settings"]["value_format"] = {"format": "nd-json"}
    kafka["source"]["input_schema"][0]["data_type"] = "timestamp"
    assert provider.check({}, kafka).failures == []
    wrong = job()
    wrong["source"]["format_settings"] = {"format": "nd-json", "delimiter": ","}
    assert (
        "not a setting of format 'nd-json'"
        in failures(provider.check({}, wrong))["source.format_settings.delimiter"]
    )
    tsv = job()
    tsv["source"]["format_settings"] = {"format": "tsv"}
    assert "csv" in failures(provider.check({}, tsv))["source.format_settings.format"]
    # A topic is literal unless topic_name_is_pattern: then it must compile.
    assert ConnectionProvider().check({}, CONN | {"topic_name": "a("}).failures == []
    pattern = CONN | {"topic_name": "a(", "topic_name_is_pattern": True}
    assert "regular expression" in failures(ConnectionProvider().check({}, pattern))["topic_name"]


def test_suspend_resume_and_reset_are_in_place() -> None:
    provider = StreamingJobProvider()
    old = outs_from(JOB) | {"desired_execution_status": "running"}
    suspend = provider.diff("j1", old, job(desired_execution_status="suspended"))
    assert suspend.changes and suspend.replaces == []
    assert provider.diff("j1", old, job()).changes is False  # unset means running
    reset = provider.diff("j1", old, job(read_position_reset_trigger="2026-11-25"))
    assert reset.changes and reset.replaces == []
    found = failures(provider.check({}, job(desired_execution_status="canceled")))
    assert "destroy" in found["desired_execution_status"]


def test_typos_name_the_closest_key_and_misspelt_required_keys_both_ways() -> None:
    provider = StreamingJobProvider()
    misspelt = job(target={"table_nme": "t1"})
    assert failures(provider.check({}, misspelt)) == {
        "target.table_nme": "is not a known property; did you mean 'table_name'?",
        "target.table_name": "is required",
    }
    elsewhere = job()
    elsewhere["target"]["filter_expression"] = "x"
    assert failures(provider.check({}, elsewhere)) == {
        "target.filter_expression": "is not a known property; "
        "TableTarget takes intervals, table_name, type"
    }


@pytest.mark.parametrize(
    "secrets",
    [
        {"type": "sasl_plain", "username": "K", "password": 98765432101.0},
        {"type": "sasl_plain", "username": "K", "password": ["98765432101"]},
        "KEY:98765432101",
    ],
)
def test_a_mistyped_secret_is_never_echoed(secrets: Any) -> None:
    found = failures(ConnectionProvider().check({}, CONN | {"secrets": secrets}))
    assert found and all("98765432101" not in reason for reason in found.values()), found


def test_check_flags_types() -> None:
    found = failures(
        StreamingJobProvider().check({}, job(wait_timeout=-1.0, wait_for_running="yes"))
    )
    assert set(found) == {"wait_timeout", "wait_for_running"}


# --- diff ----------------------------------------------------------------------------------


def outs_from(props: dict[str, Any], **server: Any) -> dict[str, Any]:
    """Old outputs as the engine keeps them: spec with server defaults, plus server fields."""
    spec = with_defaults(Inputs.of(props).spec).model_dump(mode="json", exclude={"type"})
    return spec | {"job_id": "j1", "execution_status": "running"} | server


def test_diff_no_changes_when_server_filled_defaults() -> None:
    result = StreamingJobProvider().diff("j1", outs_from(JOB), job())
    assert result.changes is False


def test_every_spec_change_is_a_replacement_that_takes_the_running_jobs_place() -> None:
    provider = StreamingJobProvider()
    for change in ({"late_message_rejection_period": "P90D"}, {"dimension_exclusions": ["date"]}):
        news = provider.check(JOB, job(**change)).inputs
        # The new job replaces ours on the same table: create knows it, the input stays what
        # the program says (a preview shows no replace_running change).
        assert news.get("replace_running") is None
        assert REGISTRY.take_replacing(Inputs.of(news).key())
        result = provider.diff("j1", outs_from(JOB), news)
        assert result.replaces == list(change) and not result.delete_before_replace
        # The engine checks a replacement again without olds; create still knows.
        again = provider.check({}, job(**change)).inputs
        assert "replace_running" not in again
        provider.check(JOB, job(**change))  # decided again (taking it above forgot it)
        assert REGISTRY.take_replacing(Inputs.of(again).key())
    # Unchanged spec: no replaceRunning, no diff; replaceRunning itself never makes a diff.
    assert "replace_running" not in provider.check(JOB, job()).inputs
    assert provider.diff("j1", outs_from(JOB), job(replace_running=True)).changes is False
    # Another table: nothing to take over there.
    moved = job()
    moved["target"] = {"type": "table", "table_name": "t2"}
    assert "replace_running" not in provider.check(JOB, moved).inputs
    other_table = provider.diff("j1", outs_from(JOB), moved)
    assert other_table.replaces == ["target"] and not other_table.delete_before_replace
    # replace_running=False said explicitly: the old job is canceled first.
    explicit = provider.check(JOB, job(late_message_rejection_period="P1D", replace_running=False))
    assert provider.diff("j1", outs_from(JOB), explicit.inputs).delete_before_replace
    # Our own settings change in place.
    waits = provider.diff("j1", outs_from(JOB), job(wait_timeout=5.0))
    assert waits.changes and waits.replaces == []


def test_diff_with_unknowns() -> None:
    news = job()
    news["target"]["table_name"] = Unknown()
    result = StreamingJobProvider().diff("j1", outs_from(JOB), news)
    assert result.changes and result.replaces == ["target"] and not result.delete_before_replace
    conn = ConnectionProvider().diff("events", CONN, CONN | {"bootstrap_servers": Unknown()})
    assert conn.changes and conn.replaces == []


@pytest.mark.parametrize("key", ["ended_status", "execution_status"])  # now, and older states
def test_diff_failed_job_is_replaced(key: str) -> None:
    result = StreamingJobProvider().diff("j1", outs_from(JOB, **{key: "failed"}), job())
    assert result.replaces == ["ended_status"]


def test_connection_diff() -> None:
    provider = ConnectionProvider()
    assert provider.diff("events", CONN, copy.deepcopy(CONN)).changes is False
    spaced = CONN | {"bootstrap_servers": "pkc-1.us-east-1.aws.confluent.cloud:9092 "}
    assert (
        provider.diff(
            "events", CONN, spaced | {"bootstrap_servers": spaced["bootstrap_servers"].strip()}
        ).changes
        is False
    )
    new_pw = CONN | {"secrets": CONN["secrets"] | {"password": "rotated"}}
    rotated = provider.diff("events", CONN, new_pw)
    assert rotated.changes and rotated.replaces == []
    renamed = provider.diff("events", CONN, CONN | {"name": "events2"})
    assert renamed.replaces == ["name"] and not renamed.delete_before_replace


# --- serialization and configuration -------------------------------------------------------


@pytest.mark.parametrize(
    "provider_class",
    [ConnectionProvider, SchemaRegistryConnectionProvider, StreamingJobProvider, TableProvider],
)
def test_serialized_provider_is_small_and_by_reference(provider_class: type) -> None:
    blob = serialize_provider(provider_class())
    raw = base64.b64decode(blob)
    assert len(raw) < 200, len(raw)
    assert provider_class.__module__.encode() in raw  # a reference to the installed class
    assert type(dill.loads(raw)) is provider_class


def test_configured_provider_pickles_without_credentials(emulator: EmulatorProcess) -> None:
    provider = ConnectionProvider()
    emulator.configure(provider)
    assert provider.client().list_connections() == []
    raw = base64.b64decode(serialize_provider(provider))
    assert emulator.api_key.encode() not in raw and len(raw) < 200


def test_provider_lifecycle_directly(
    held_emulator: EmulatorProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator = held_emulator
    conn_provider, job_provider = ConnectionProvider(), StreamingJobProvider()
    start_provider = StreamingJobsStartedProvider()
    emulator.configure(conn_provider, job_provider, start_provider)
    created = conn_provider.create(conn_provider.check({}, CONN).inputs)
    assert created.id == "events" and created.outs is not None
    assert created.outs["secrets"]["password"] == KAFKA_PASSWORD  # kept for diffs; secret in state
    made = job_provider.create(job_provider.check({}, job(wait_timeout=10.0)).inputs)
    # Create does not wait: the job is recorded at once, its outputs its inputs; the one
    # wait of the program (StreamingJobsStarted) waits, and holds what Polaris observes.
    assert made.outs is not None and made.outs["ended_status"] is None
    assert emulator.client().get_job(made.id).execution_status == "pending"
    emulator.advance(HELD)  # the start is due
    start = {"jobs": {"job": {"job_id": made.id, "goal": "running", "wait_timeout": 10.0}}}
    started = start_provider.create(start)
    assert started.outs is not None
    assert started.outs["observed"] == {
        "job": {"execution_status": "running", "health": {"status": "ok"}}
    }
    read = job_provider.read(made.id, made.outs)
    assert read.id == made.id and read.outs is not None
    assert read.inputs == {
        k: v for k, v in made.outs.items() if v is not None and k != "ended_status"
    }
    assert job_provider.diff(made.id, read.outs, job(wait_timeout=10.0)).changes is False
    # Suspended outside Pulumi: both reads follow, and the wait is due again.
    emulator.client().set_job_status(made.id, "suspended")
    emulator.client().wait_for_start(made.id, goal="suspended", timeout=10)
    drifted = job_provider.read(made.id, made.outs)
    assert drifted.outs is not None and drifted.outs["desired_execution_status"] == "suspended"
    assert job_provider.diff(made.id, drifted.outs, job(wait_timeout=10.0)).changes is True
    observed = start_provider.read(made.id, started.outs)
    assert observed.outs is not None
    assert observed.outs["observed"]["job"]["execution_status"] == "suspended"
    # Refresh counts the wait unchanged (it compares with the program's wish): it says it.
    said = f"job {made.id} (job) changed since it was recorded: running, health ok => suspended"
    assert said in capsys.readouterr().err
    assert start_provider.diff(made.id, observed.outs, start).changes is True
    assert start_provider.diff(made.id, started.outs, start).changes is False
    job_provider.delete(made.id, made.outs)
    assert job_provider.read(made.id, made.outs).id is None  # canceled == gone
    conn_provider.delete("events", created.outs)
    assert conn_provider.read("events", created.outs).id is None


def test_a_refresh_says_a_changed_health() -> None:
    from polaris_pulumi.jobs._started import _changes

    jobs = {"a": {"job_id": "j1"}, "b": {"job_id": "j2"}, "c": {"job_id": "j3"}}
    ok = {"execution_status": "running", "health": {"status": "ok"}}
    failing = {
        "execution_status": "running",
        "health": {"status": "error", "code": "KAFKA_AUTH", "message": "bad password"},
    }
    gone = {"execution_status": None, "health": None}
    lines = _changes(jobs, {"a": ok, "b": ok, "c": ok}, {"a": ok, "b": failing, "c": gone})
    assert lines == [
        "job j2 (b) changed since it was recorded: running, health ok => running, health "
        "error (KAFKA_AUTH: bad password)",
        "job j3 (c) changed since it was recorded: running, health ok => gone, health "
        "unknown: Polaris no longer has it",
    ]


# --- resource arguments ----------------------------------------------------------------------


def test_an_args_object_or_keywords_never_both() -> None:
    from polaris_pulumi import ConnectionArgs, SaslPlainSecretsArgs
    from polaris_pulumi._declare import arguments as _arguments

    args = ConnectionArgs(
        bootstrap_servers="b:9092", topic_name="t", secrets=SaslPlainSecretsArgs("K", "p")
    )
    props, opts = _arguments("Connection", ConnectionArgs, (args, None), {})
    assert props["topic_name"] == "t" and opts is None
    props, _ = _arguments("Connection", ConnectionArgs, (), {"topic_name": "t", "name": None})
    assert props == {"topic_name": "t"}
    with pytest.raises(TypeError, match="not both .*: description, name"):
        _arguments("Connection", ConnectionArgs, (args,), {"description": "x", "name": "n"})
    with pytest.raises(TypeError, match="'topic' \\(did you mean 'topic_name'\\?\\)"):
        _arguments("Connection", ConnectionArgs, (), {"topic": "t"})
    with pytest.raises(TypeError, match="positional"):
        _arguments("Connection", ConnectionArgs, ({"topic_name": "t"},), {})
    with pytest.raises(TypeError, match="positional"):  # given twice: neither is dropped
        _arguments("Connection", ConnectionArgs, (args,), {"args": args})


def test_table_claims_are_per_program_run_and_a_polaris_error() -> None:
    import asyncio

    from polaris_pulumi.api import PolarisError
    from polaris_pulumi.jobs._resource import _claim_table

    previous = asyncio.get_event_loop_policy().get_event_loop()
    for _ in range(2):  # a second run in the same process starts afresh
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            _claim_table("a", {"table_name": "t"}, "")
            _claim_table("a", {"table_name": "t"}, "")  # the same resource again is fine
            with pytest.raises(PolarisError, match="also the target of StreamingJob 'a'"):
                _claim_table("b", {"table_name": "t"}, "")
            _claim_table("b", {"table_name": "t"}, "staging")  # another project's table t
        finally:
            asyncio.set_event_loop(previous)
            loop.close()


def test_state_of_earlier_versions_still_unpickles() -> None:
    """Stacks made before the rooms pickled their providers as `polaris_pulumi._provider.X`:
    the engine unpickles that blob to delete or refresh, so the name must keep resolving."""
    import pickle

    from polaris_pulumi import _provider

    for name in _provider.__all__:
        blob = pickle.dumps(getattr(_provider, name)(), protocol=0)
        old = blob.replace(
            getattr(_provider, name).__module__.encode(), b"polaris_pulumi._provider"
        )
        assert type(dill.loads(old)) is getattr(_provider, name)


def test_client_warnings_reach_stderr_in_the_provider_process(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import logging

    from polaris_pulumi._engine import _show_client_warnings

    logger = logging.getLogger("polaris_pulumi")
    before = list(logger.handlers)
    try:
        _show_client_warnings()
        _show_client_warnings()  # once only
        logging.getLogger("polaris_pulumi").warning("GET /jobs: no response; retrying in 1.0s")
        assert (
            capsys.readouterr().err == "polaris-pulumi: GET /jobs: no response; retrying in 1.0s\n"
        )
    finally:
        for handler in set(logger.handlers) - set(before):
            logger.removeHandler(handler)


# --- mistakes named at preview (issue 45) ---------------------------------------------------


def test_a_filter_on_a_field_the_schema_lacks_fails_preview_naming_it() -> None:
    declared_only = job(filter_expression="\"countryy\" = 'FR'", use_schema_discovery=False)
    found = failures(StreamingJobProvider().check({}, declared_only))
    declared = sorted(f["name"] for f in JOB["source"]["input_schema"])
    assert "'countryy'" in found["filter_expression"]
    assert all(name in found["filter_expression"] for name in declared)
    # With schema discovery, any field of the events may be read: not a mistake.
    discovering = job(filter_expression="\"countryy\" = 'FR'", use_schema_discovery=True)
    assert "filter_expression" not in failures(StreamingJobProvider().check({}, discovering))


def test_a_lookup_neither_polaris_nor_the_program_holds_fails_preview(
    emulator: EmulatorProcess,
) -> None:
    provider = StreamingJobProvider()
    emulator.configure(provider)
    REGISTRY.declare_connection("events", "kafka", derived=False)  # the program makes it
    mapping = {"column_name": "name", "expression": "LOOKUP(\"date\", 'countriez')"}
    news = job(mappings=[*JOB["mappings"], mapping])
    reason = failures(provider.check({}, news))[f"mappings[{len(JOB['mappings'])}].expression"]
    assert "'countriez'" in reason and "neither Polaris nor this program" in reason
    REGISTRY.declare_lookup("countriez")  # the program declares it (its Lookup's check ran)
    assert failures(provider.check({}, news)) == {}


def test_a_lookup_alias_polaris_holds_passes_preview(emulator: EmulatorProcess) -> None:
    """LOOKUP takes a lookup's name or one of its aliases (samples.LOOKUP's `countries`)."""
    client = emulator.client()
    client.create_table(TableSpec.model_validate(samples.LOOKUP_TABLE))
    client.create_lookup(LookupSpec.model_validate(samples.LOOKUP))
    provider = StreamingJobProvider()
    emulator.configure(provider)
    REGISTRY.declare_connection("events", "kafka", derived=False)
    alias = samples.LOOKUP["aliases"][0]["name"]
    mapping = {"column_name": "name", "expression": f"LOOKUP(\"date\", '{alias}')"}
    assert failures(provider.check({}, job(mappings=[*JOB["mappings"], mapping]))) == {}
