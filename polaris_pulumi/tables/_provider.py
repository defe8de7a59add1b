"""The provider of `Table`: creates, changes and drops tables; never drops a protected one."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from polaris_pulumi._base_provider import (
    PolarisProvider,
    name_taken,
    object_diff,
    within,
)
from polaris_pulumi._endpoints import ENDPOINT_KEY
from polaris_pulumi._engine import log
from polaris_pulumi._exceptions import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    PolarisProviderError,
)
from polaris_pulumi._meta import keys, property_name, with_defaults
from polaris_pulumi._problems import Problem
from polaris_pulumi._registry import REGISTRY
from polaris_pulumi._unknowns import failures, parse, pick, validate
from polaris_pulumi.tables._model import Table, TableSettings, TableSpec
from polaris_pulumi.tables._rules import table_problems

SPEC_KEYS = keys(TableSpec)
SETTINGS_KEYS = keys(TableSettings)
# Fields a table keeps for life (TablePayload: "the unique, immutable name"; the docs: name
# and type cannot change): a change to one is a new table, and its data is lost.
IMMUTABLE = keys(TableSpec, replaces=True)
OUTPUT_KEYS = (*SPEC_KEYS, *keys(Table, output=True), *SETTINGS_KEYS)


@dataclass(frozen=True)
class Inputs:
    """A table's props, parsed once: the spec Polaris gets, and our settings."""

    spec: TableSpec
    settings: TableSettings

    @classmethod
    def of(cls, props: dict[str, Any]) -> Inputs:
        spec = pick(props, SPEC_KEYS)
        settings = pick(props, SETTINGS_KEYS)
        return cls(parse(TableSpec, spec), parse(TableSettings, settings))

    def view(self) -> dict[str, Any]:
        """The spec with server defaults, as a diff compares it."""
        return with_defaults(self.spec).model_dump(mode="json", by_alias=True)


def _outs(table: Table, settings: TableSettings) -> dict[str, Any]:
    """State of a table: what the server holds (its id as `table_id`), and our settings."""
    fields = Table.model_fields
    dumped = table.model_dump(mode="json")
    server = {property_name(Table, n): v for n, v in dumped.items() if n in fields}
    return server | settings.model_dump()


class TableProvider(PolarisProvider):
    access_kind = "tables"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self.verify_access()
        inputs = dict(news)
        spec_props = pick(inputs, SPEC_KEYS)
        spec, problems = validate(TableSpec, spec_props, lambda s: table_problems(s, new=not olds))
        settings = pick(inputs, SETTINGS_KEYS)
        problems += validate(TableSettings, settings)[1]
        problems += _replace_problems(olds or {}, inputs)
        if isinstance(inputs.get("name"), str):
            REGISTRY.declare_table(inputs["name"], spec)
        return CheckResult(inputs, failures(problems, frozenset()))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = (SPEC_KEYS, SETTINGS_KEYS, IMMUTABLE)
        return object_diff(olds, news, keys, lambda props: Inputs.of(props).view())

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = Inputs.of(props)
        spec, client = inputs.spec, self.client()
        if inputs.settings.adopt_existing:
            with contextlib.suppress(NotFoundError):
                existing = client.get_table(spec.name)
                if spec.same_as(existing):  # its type included
                    # It holds this spec already: taken with no write.
                    log(f"adopting existing table {spec.name!r}: nothing to change")
                    return CreateResult(existing.name, _outs(existing, inputs.settings))
        try:
            table = client.create_table(spec)
        except ConflictError as exc:
            table = self._take_over(inputs, exc)
        return CreateResult(table.name, _outs(table, inputs.settings))

    def _take_over(self, inputs: Inputs, exc: ConflictError) -> Table:
        """A create met a table of the name: adopt it when asked to, take it when it holds
        this very spec (an interrupted `up` made it), else fail saying what to do."""
        spec, client = inputs.spec, self.client()
        if inputs.settings.adopt_existing:
            existing = client.get_table(spec.name)
            if existing.type != spec.type:
                raise PolarisProviderError(
                    f"adopt_existing: table {spec.name!r} exists as a {existing.type} table, "
                    f"not {spec.type}; a table's type cannot change. Declare "
                    f"type={existing.type!r}, or choose another name."
                ) from None
            log(f"adopting existing table {spec.name!r}")
            return client.update_table(spec)
        reclaimed = client.reclaim_table(spec)
        if reclaimed is None:
            raise name_taken("table", spec.name, exc, "another name") from None
        log(f"table {spec.name!r} exists with this resource's spec: taking it")
        return reclaimed

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client, new = self.client(), Inputs.of(news)
        if Inputs.of(olds).view() == new.view():
            return UpdateResult(_outs(client.get_table(_id), new.settings))  # settings only
        return UpdateResult(_outs(client.update_table(new.spec), new.settings))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Drop (a `drop_table` job, soft: Polaris keeps the data 30 days), then wait until
        the table is gone; never a protected table."""
        name = props.get("name") or _id
        settings = _settings(props)
        if settings.protected:
            raise PolarisProviderError(
                f"table {name!r} is protected (deletion_protection, on by default): dropping "
                "it would delete its data. Nothing was deleted. `pulumi state unprotect` lifts "
                "only Pulumi's own flag, which deletion_protection sets: to drop the table, set "
                "deletion_protection=False in the program and run `pulumi up` (it lifts both), "
                "then delete it."
            )
        client = self.client()
        try:
            client.delete_table(name)
        except BadRequestError as exc:
            try:
                client.get_table(name)
            except NotFoundError:
                return  # already gone
            raise PolarisProviderError(
                f"table {name!r} was not dropped: {exc.server_message}. A streaming job still "
                "writes to it: cancel the job, or declare it in this stack."
            ) from None
        within(settings.wait_timeout, lambda t: client.wait_for_table_gone(name, timeout=t))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            table = self.client().get_table(id_)
        except NotFoundError:
            return ReadResult(None, {})  # dropped outside Pulumi: drop from state
        outs = _outs(table, _settings(props))
        inputs = {k: outs[k] for k in (*SPEC_KEYS, *SETTINGS_KEYS) if outs.get(k) is not None}
        return ReadResult(table.name, outs, inputs)


def _settings(props: dict[str, Any]) -> TableSettings:
    """The settings alone (a state recorded by `Table.get` holds no spec)."""
    return parse(TableSettings, pick(props, SETTINGS_KEYS))


def _replace_problems(olds: dict[str, Any], news: dict[str, Any]) -> list[Problem]:
    """A change that makes a new table (and drops the old one, with its data) is refused
    while the table is protected, at preview: the protection in force is the one `up` last
    recorded, as with Terraform's deletion_protection."""
    if not olds or not _settings(olds).protected:
        return []
    moved = [
        Problem(
            (ENDPOINT_KEY,),
            f"table {olds.get('name')!r} would move to another polaris.Provider: a new table "
            "there, and this one dropped with its data; it is protected (deletion_protection). "
            "To do it anyway, set deletion_protection=False and run `pulumi up` first.",
        )
    ]
    if olds.get(ENDPOINT_KEY) != news.get(ENDPOINT_KEY):
        return moved
    return [
        Problem(
            (key,),
            f"changing {key} from {olds[key]!r} to {news[key]!r} drops table {olds.get('name')!r} "
            f"and its data (Polaris cannot change a table's {key}), and the table is protected "
            "(deletion_protection). To do it anyway, set deletion_protection=False and run "
            "`pulumi up` first.",
        )
        for key in IMMUTABLE
        if isinstance(news.get(key), str) and olds.get(key) is not None and olds[key] != news[key]
    ]
