"""The provider of `StreamingJob`: creates, changes and cancels jobs without waiting for them
to start (the job is in the state as soon as Polaris has it; `_started.py` waits)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import ValidationError

from polaris_pulumi._base_provider import PolarisProvider, endpoint_moved, within
from polaris_pulumi._contract import TERMINAL_STATUSES
from polaris_pulumi._engine import log
from polaris_pulumi._exceptions import (
    BadRequestError,
    NotFoundError,
    PolarisError,
    PolarisProviderError,
)
from polaris_pulumi._kinds import CONNECTION_TYPES, SCHEMA_TYPES, SOURCE_TYPES
from polaris_pulumi._meta import keys
from polaris_pulumi._problems import Path, Problem
from polaris_pulumi._registry import REGISTRY
from polaris_pulumi._rules import lookup_names
from polaris_pulumi._unknowns import failures, parse, pick, unknown_paths, validate
from polaris_pulumi.jobs._format_model import FormatSettings
from polaris_pulumi.jobs._formats import schema_registry_refs, source_format_problems
from polaris_pulumi.jobs._model import StreamingJob, StreamingJobSettings, StreamingJobSpec
from polaris_pulumi.jobs._rules import job_problems, table_job_problems

SPEC_KEYS = keys(StreamingJobSpec, internal=False)
REPLACE_KEYS = keys(StreamingJobSpec, replaces=True)
SETTINGS_KEYS = keys(StreamingJobSettings, output=False)
# A job's outputs are its inputs as `check` normalized them, so that `preview --diff` compares
# like with like (the engine shows old outputs against new inputs),
# plus `ended_status` once Polaris says the job is over. What Polaris observes of a running job
# (execution status, health) is what `StreamingJobsStarted` saw (`job.started`).
INPUT_KEYS = (*SPEC_KEYS, *SETTINGS_KEYS)
OUTPUT_KEYS = (*INPUT_KEYS, *keys(StreamingJobSettings, output=True))


@dataclass(frozen=True)
class Inputs:
    """A job's props, parsed once: the spec Polaris gets, and our settings."""

    spec: StreamingJobSpec
    settings: StreamingJobSettings

    @classmethod
    def of(cls, props: dict[str, Any]) -> Inputs:
        spec = pick(props, SPEC_KEYS)
        return cls(parse(StreamingJobSpec, spec), _settings(props))

    def key(self) -> str:
        """The spec, as the registry knows a decided replacement by it."""
        return spec_key(self.spec)


def spec_key(spec: StreamingJobSpec) -> str:
    return json.dumps(spec.view(), sort_keys=True)


def _settings(props: dict[str, Any]) -> StreamingJobSettings:
    values = pick(props, SETTINGS_KEYS)
    return parse(StreamingJobSettings, values)


def _outs(props: dict[str, Any], ended: str | None = None) -> dict[str, Any]:
    outs = {k: props.get(k) for k in INPUT_KEYS} | {"ended_status": ended}
    outs["desired_execution_status"] = props.get("desired_execution_status") or "running"
    return outs


def _table(props: dict[str, Any]) -> Any:
    return (props.get("target") or {}).get("table_name")


class StreamingJobProvider(PolarisProvider):
    """Creates, changes and cancels jobs without waiting for them to start: the job is in the
    state as soon as Polaris has it, and `StreamingJobsStarted` waits, all jobs at once."""

    access_kind = "jobs"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self.verify_access()
        inputs = dict(news)
        spec_props = pick(inputs, SPEC_KEYS)
        spec, problems = validate(StreamingJobSpec, spec_props, job_problems)
        settings = pick(inputs, SETTINGS_KEYS)
        problems += validate(StreamingJobSettings, settings)[1]
        if inputs.get("desired_execution_status") is None:
            inputs["desired_execution_status"] = "running"  # shown, so drift reads old => new
        problems += self._missing_connection(inputs.get("source"), problems)
        if spec is not None:
            problems += self._missing_lookups(spec)
        if spec is not None and (table := REGISTRY.table_spec(spec.target.table_name)):
            # The table is declared in this deployment: its schema takes these mappings?
            problems += table_job_problems(spec, table)
            spec = None if problems else spec
        if spec is not None:
            # Integers arrive as floats: store what the API will hold.
            dumped = spec.model_dump(mode="json", exclude_none=True)
            inputs.update({k: v for k, v in dumped.items() if k in inputs})
            self._announce(olds, spec)
        return CheckResult(inputs, failures(problems, frozenset()))

    @staticmethod
    def _announce(olds: dict[str, Any], spec: StreamingJobSpec) -> None:
        """Tell this deployment's later steps what a spec change means for the tables."""
        if not olds:
            return
        old = Inputs.of(olds)
        same_table = old.spec.target.table_name == spec.target.table_name
        if same_table and spec.replace_running is None and not old.spec.same_as(spec):
            # A spec change makes a new job on the same table: it takes the running one's
            # place (replaceRunning), keeping the table's read position. Only create needs
            # to know: the input stays what the program says.
            REGISTRY.replacing(spec_key(spec))
        if not same_table:
            REGISTRY.leaving(old.spec.target.table_name)

    def _missing_connection(self, source: Any, problems: list[Problem]) -> list[Problem]:
        """Known connection names (the source, the Schema Registry its format reads) that
        neither Polaris nor this deployment has, or has of another type, at preview."""
        if not isinstance(source, dict):
            return []
        refs: list[tuple[Path, Any]] = [
            (("source", "connection_name"), source.get("connection_name"))
        ]
        fmt = source.get("format_settings")
        found = []
        if isinstance(fmt, dict) and not unknown_paths(fmt):
            with contextlib.suppress(ValidationError):  # validation names it
                parsed = FormatSettings.model_validate(fmt)
                refs += schema_registry_refs(parsed, ("source", "format_settings"))
                kind = REGISTRY.connection_type(str(source.get("connection_name")))
                if kind is not None:  # declared in this program: its records' format
                    found += source_format_problems(kind, parsed, ("source", "format_settings"))
        for path, name in refs:
            if isinstance(name, str) and not any(p.path[: len(path)] == path for p in problems):
                is_source = path == ("source", "connection_name")
                expected = SOURCE_TYPES if is_source else SCHEMA_TYPES
                if (problem := self._connection_problem(path, name, expected)) is not None:
                    found.append(problem)
        return found

    def _missing_lookups(self, spec: StreamingJobSpec) -> list[Problem]:
        """Lookups a mapping or the filter names that neither this program declares nor
        Polaris holds, at preview (a job that ran would fail on them)."""
        texts: list[tuple[Path, str]] = [
            (("mappings", i, "expression"), m.expression) for i, m in enumerate(spec.mappings)
        ]
        if spec.filter_expression:
            texts.append((("filter_expression",), spec.filter_expression))
        found = []
        for path, text in texts:
            for name in lookup_names(text):
                if REGISTRY.lookup_declared(name) or not self.configured:
                    continue
                try:
                    held = self._polaris_holds_lookup(name)
                except PolarisError:
                    continue  # cannot tell now (e.g. Polaris unreachable): the job's health will
                if not held:
                    found.append(
                        Problem(
                            path,
                            f"LOOKUP names lookup {name!r}, which neither Polaris nor this "
                            "program holds: declare a polaris.Lookup of that name (before this "
                            "job), or fix the name",
                        )
                    )
        return found

    def _polaris_holds_lookup(self, name: str) -> bool:
        """Whether Polaris has a lookup of this name, or one with an alias of it."""
        client = self.client()
        try:
            client.get_lookup(name)
            return True
        except NotFoundError:
            pass
        return any(
            any(a.name == name for a in client.get_lookup(listed.name).aliases or [])
            for listed in client.list_lookups()
        )

    def _connection_problem(
        self, path: Path, name: str, expected: tuple[str, ...]
    ) -> Problem | None:
        """Whether connection `name` exists (declared here, or in Polaris) with the type the
        job reads it as."""
        kind = REGISTRY.connection_type(name)
        if kind is None:
            if not self.configured:
                return None  # not run by the engine (e.g. tests): no lookups
            try:
                kind = self.client().get_connection(name).type
            except NotFoundError:
                return Problem(
                    path,
                    f"connection {name!r} does not exist in Polaris: fix the name, or pass "
                    "the `name` output of the resource that makes it (e.g. `conn.name`), "
                    "so that the job waits for it",
                )
            except PolarisError:
                return None  # cannot tell now (e.g. Polaris unreachable): create will say
        if kind in expected:
            return None
        role = "a streaming source" if expected == SOURCE_TYPES else "a Schema Registry connection"
        classes = " or ".join(str(c.resource) for c in CONNECTION_TYPES if c.name in expected)
        wanted = f"{role} ({classes})"
        return Problem(path, f"connection {name!r} is of type {kind!r}: this takes {wanted}")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if (moved := endpoint_moved(olds, news)) is not None:
            return moved  # another project's object
        # `execution_status`: what the state of an earlier version of this package kept.
        if (olds.get("ended_status") or olds.get("execution_status")) in TERMINAL_STATUSES:
            # A finished job cannot be restarted: make a new one.
            return DiffResult(changes=True, replaces=["ended_status"], delete_before_replace=False)
        unknown = unknown_paths({k: news.get(k) for k in SPEC_KEYS})
        if unknown:
            replaces = sorted({str(p[0]) for p in unknown if p[0] in REPLACE_KEYS})
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        old, new = Inputs.of(olds), Inputs.of(news)
        # Polaris applies no spec change to a streaming job in place: each is a new job.
        replaces = old.spec.changed(new.spec)
        # In place: suspend/resume, a read-position reset, our own settings.
        changed = replaces + [
            k
            for k in SETTINGS_KEYS
            if k != "desired_execution_status" and olds.get(k) != news.get(k)
        ]
        if old.settings.desired != new.settings.desired:  # unset means running
            changed.append("desired_execution_status")
        same_table = old.spec.target.table_name == new.spec.target.table_name
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            # Same table without replaceRunning: the old job must be canceled first.
            delete_before_replace=bool(replaces)
            and same_table
            and new.spec.replace_running is False,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = Inputs.of(props)
        client, spec = self.client(), inputs.spec
        if REGISTRY.take_replacing(inputs.key()) and spec.replace_running is None:
            spec = spec.model_copy(update={"replace_running": True})
        if inputs.settings.adopt_existing and (held := self._adopt_as_is(inputs)):
            return CreateResult(held.id, _outs(props))
        try:
            job = client.create_job(spec)
        except BadRequestError as exc:
            table = spec.target.table_name
            holder = None if spec.replace_running else client.active_job_for_table(table)
            if holder is None:
                raise PolarisProviderError(f"{exc}") from None
            self._may_take_place(holder, Inputs(spec, inputs.settings))
            # Never the holder's own id: a job id belongs to one resource only, so no later
            # delete (of a renamed or moved resource) can cancel what this one now runs.
            job = client.create_job(spec.model_copy(update={"replace_running": True}))
        if inputs.settings.desired != (job.desired_execution_status or "running"):
            client.set_job_status(job.id, inputs.settings.desired)  # e.g. created suspended
        return CreateResult(job.id, _outs(props))

    def _adopt_as_is(self, inputs: Inputs) -> StreamingJob | None:
        """adopt_existing: the job feeding the target table, when it has this spec (it reads
        the same connection), becomes this resource, with no new job; only its desired
        status is set if it differs. None when there is none or it differs (a new job then
        takes its place)."""
        client = self.client()
        holder = client.active_job_for_table(inputs.spec.target.table_name)
        if holder is None or holder.spec is None or not inputs.spec.same_as(holder.spec):
            return None
        log(f"adopting job {holder.id} on {holder.table_name!r}: it has this spec")
        # In a rename, the old resource's delete runs after this create: it must keep the job.
        REGISTRY.adopt(f"job {holder.id}")
        desired = inputs.settings.desired
        if desired != (holder.desired_execution_status or "running"):
            client.set_job_status(holder.id, desired)
        return holder

    def _may_take_place(self, holder: StreamingJob, inputs: Inputs) -> None:
        """Whether a new job may take the place of `holder`, the job on the target table;
        raises with what to do when not."""
        spec = inputs.spec
        table = spec.target.table_name
        if inputs.settings.adopt_existing:
            if holder.connection_name != spec.source.connection_name:
                raise PolarisProviderError(
                    f"adopt_existing: the streaming job feeding table {table!r} ({holder.id}) "
                    f"reads connection {holder.connection_name!r}, not "
                    f"{spec.source.connection_name!r}; it is not the job this program declares."
                )
            log(f"adopt_existing: a new job takes the place of job {holder.id} on {table!r}")
            return
        if spec.same_as(holder.spec):
            # This resource's very spec: a create whose answer never reached the state (an
            # interrupted `up`), or a renamed resource. Its place is taken, nothing else.
            log(f"job {holder.id} on {table!r} has this resource's spec: a new job takes its place")
            return
        if REGISTRY.left(table):
            log(f"job {holder.id} is leaving table {table!r}: a new job takes its place")
            return
        raise PolarisProviderError(
            f"table {table!r} already has a streaming job ({holder.id}, reading connection "
            f"{holder.connection_name!r}) with another spec; Polaris allows one per table. "
            "If you renamed this resource, declare its old name in `opts=pulumi.ResourceOptions("
            "aliases=[pulumi.Alias(name=...)])`. If a job this stack deletes holds the table "
            "(Pulumi deletes old resources only after creating new ones), set replace_running="
            "True so this job takes its place now. To take over a job made outside this stack, "
            "set adopt_existing=True. Or target another table."
        )

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Suspend or resume, reset the read position; spec changes are replacements."""
        client, old, new = self.client(), _settings(olds), _settings(news)
        if old.desired != new.desired:
            client.set_job_status(id_, new.desired)
        trigger = new.read_position_reset_trigger
        if trigger is not None and trigger != old.read_position_reset_trigger:
            log(f"resetting the read position of job {id_}")
            client.reset_job(id_)
        return UpdateResult(_outs(news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Jobs are never deleted in Polaris: cancel and wait until canceled.

        A job a newer one replaced (replaceRunning) is already canceled or on its way.
        """
        table, settings = _table(props), _settings(props)
        if settings.target_table_protected and not REGISTRY.table_declared(table):
            # No check of the table in this deployment: it goes too (`destroy`, or both left
            # the program), and the engine will refuse that (protect). Refuse first, so that
            # the job keeps writing to the table that stays.
            raise PolarisProviderError(
                f"job {id_} writes to table {table!r}, which is protected (deletion_protection) "
                "and would be deleted with it: nothing was canceled. To delete both, set "
                "deletion_protection=False on the Table and run `pulumi up` first (`pulumi "
                "state unprotect` alone does not lift it); to remove only the job, keep the "
                "Table in the program."
            )
        if REGISTRY.adopted(f"job {id_}"):
            log(f"job {id_} now belongs to the resource that adopted it: kept")
            return
        client = self.client()
        try:
            job = client.cancel_job(id_)
        except NotFoundError:
            return
        if job.is_terminal:
            return
        within(settings.wait_timeout, lambda timeout: client.wait_for_end(id_, timeout=timeout))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """One GET. A spec never changes in Polaris (a change is a new job), so the recorded
        one stays; what can drift is the desired status (suspended or resumed outside
        Pulumi), and the job's end. The inputs follow, so the next preview shows the drift
        as old => new."""
        try:
            job = self.client().get_job(id_)
        except NotFoundError:
            return ReadResult(None, {})
        if job.execution_status == "canceled":
            return ReadResult(None, {})  # a canceled job is a deleted one (delete = cancel)
        known = props if props.get("source") is not None else props | _spec_props(job)
        desired = job.desired_execution_status or known.get("desired_execution_status")
        ended = job.execution_status if job.is_terminal else None
        outs = _outs(known | {"desired_execution_status": desired}, ended)
        inputs = pick(outs, INPUT_KEYS)
        return ReadResult(job.id, outs, inputs)


def _spec_props(job: StreamingJob) -> dict[str, Any]:
    """What Polaris holds of a job's spec, as properties."""
    spec = job.spec.model_dump(mode="json", exclude={"type"})
    return {k: spec.get(k) for k in SPEC_KEYS}
