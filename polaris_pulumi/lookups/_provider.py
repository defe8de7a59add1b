"""The provider of `Lookup`: creates, changes and deletes lookups, and keeps their aliases.
Deleting a lookup loses no data (its table stays): queries and mappings that name it fail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from polaris_pulumi._base_provider import PolarisProvider, name_taken, object_diff
from polaris_pulumi._engine import log
from polaris_pulumi._exceptions import ConflictError, NotFoundError
from polaris_pulumi._meta import keys
from polaris_pulumi._registry import REGISTRY
from polaris_pulumi._unknowns import failures, parse, pick, validate
from polaris_pulumi.lookups._model import Lookup, LookupSettings, LookupSpec
from polaris_pulumi.lookups._rules import lookup_problems, lookup_table_problems

SPEC_KEYS = keys(LookupSpec)
SETTINGS_KEYS = keys(LookupSettings)
IMMUTABLE = keys(LookupSpec, replaces=True)
OUTPUT_KEYS = (*SPEC_KEYS, *SETTINGS_KEYS)


@dataclass(frozen=True)
class Inputs:
    """A lookup's props, parsed once: the spec Polaris gets, and our settings."""

    spec: LookupSpec
    settings: LookupSettings

    @classmethod
    def of(cls, props: dict[str, Any]) -> Inputs:
        spec = parse(LookupSpec, pick(props, SPEC_KEYS))
        return cls(spec, parse(LookupSettings, pick(props, SETTINGS_KEYS)))

    def view(self) -> dict[str, Any]:
        """What a diff compares: the spec as Polaris holds it (no aliases is an empty list)."""
        return self.spec.model_dump(mode="json") | {"aliases": self.spec.aliases_body()["values"]}


def _outs(lookup: Lookup, settings: LookupSettings) -> dict[str, Any]:
    dumped = lookup.model_dump(mode="json")
    return {k: dumped.get(k) for k in SPEC_KEYS} | settings.model_dump()


class LookupProvider(PolarisProvider):
    access_kind = "lookups"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self.verify_access()
        inputs = dict(news)
        spec, problems = validate(LookupSpec, pick(inputs, SPEC_KEYS), lookup_problems)
        if isinstance(inputs.get("name"), str):
            REGISTRY.declare_lookup(inputs["name"])  # a job's LOOKUP may name it
        for alias in spec.aliases or [] if spec is not None else []:
            REGISTRY.declare_lookup(alias.name)  # or one of its aliases
        problems += validate(LookupSettings, pick(inputs, SETTINGS_KEYS))[1]
        if spec is not None and (table := REGISTRY.table_spec(spec.source.table_name)):
            columns = {c.name: c.data_type for c in table.schema_ or []}  # declared here
            problems += lookup_table_problems(spec, columns)
        return CheckResult(inputs, failures(problems, frozenset()))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = (SPEC_KEYS, SETTINGS_KEYS, IMMUTABLE)
        return object_diff(olds, news, keys, lambda props: Inputs.of(props).view())

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = Inputs.of(props)
        spec, client = inputs.spec, self.client()
        try:
            lookup = client.create_lookup(spec)
        except ConflictError as exc:
            if not inputs.settings.adopt_existing:
                raise name_taken("lookup", spec.name, exc, "another name") from None
            log(f"adopting existing lookup {spec.name!r}")
            lookup = client.update_lookup(spec)
        return CreateResult(lookup.name, _outs(lookup, inputs.settings))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = Inputs.of(news)
        return UpdateResult(_outs(self.client().update_lookup(inputs.spec), inputs.settings))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Delete the lookup (its table and data stay); gone already counts as done."""
        try:
            self.client().delete_lookup(props.get("name") or _id)
        except NotFoundError:
            return

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            lookup = self.client().get_lookup(id_)
        except NotFoundError:
            return ReadResult(None, {})  # deleted outside Pulumi: drop from state
        outs = _outs(lookup, parse(LookupSettings, pick(props, SETTINGS_KEYS)))
        inputs = {k: v for k, v in outs.items() if v is not None}
        return ReadResult(lookup.name, outs, inputs)
