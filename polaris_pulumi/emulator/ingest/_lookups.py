"""Which table, key column and value column a LOOKUP names: `name[key][value]` of a lookup, or
a lookup alias (`state` holds both). The lookup table is read when the expression runs, so a
query or a job's batch sees the table as it is then."""

from __future__ import annotations

import functools
import re

from polaris_pulumi.emulator.ingest._druid_sql import Lookups, UnknownLookup
from polaris_pulumi.emulator.ingest._rows import Rows, storage
from polaris_pulumi.emulator.state._store import Store
from polaris_pulumi.jobs._model import StreamingJobSpec
from polaris_pulumi.lookups._model import Lookup

_COLUMNS = re.compile(r"(?P<name>[^\[\]]+)\[(?P<key>[^\[\]]+)\]\[(?P<value>[^\[\]]+)\]")


def resolver(store: Store, rows: Rows) -> Lookups:
    """Resolves LOOKUP's names against the project's lookups as they are now (read at the
    first LOOKUP: a query or a pipeline with none reads nothing)."""

    @functools.cache
    def known() -> tuple[dict[str, Lookup], dict[str, tuple[Lookup, str, str]]]:
        lookups = {lookup.name: lookup for lookup in store.list_lookups()}
        aliases = {
            alias.name: (lookup, alias.key, alias.value)
            for lookup in lookups.values()
            for alias in lookup.aliases or []
        }
        return lookups, aliases

    def resolve(text: str) -> tuple[str, str, str]:
        lookups, aliases = known()
        lookup: Lookup | None = None
        if (match := _COLUMNS.fullmatch(text)) is not None:
            lookup = lookups.get(match["name"])
            key, value = match["key"], match["value"]
        elif text in aliases:
            lookup, key, value = aliases[text]
        if lookup is None:
            raise UnknownLookup(f"Lookup [{text}] not found")
        table = store.get_table(lookup.source.table_name)
        if table is None:
            raise UnknownLookup(f"Lookup [{text}]: table {lookup.source.table_name!r} is gone")
        with rows.writing() as cur:
            columns = rows.ensure(table.table, cur)
        missing = [c for c in (key, value) if c not in columns]
        if missing:
            raise UnknownLookup(
                f"Lookup [{text}]: table {table.table.name!r} has no column "
                f"{', '.join(repr(c) for c in missing)}"
            )
        return storage(table.table.name), key, value

    return resolve


def used_by(spec: StreamingJobSpec) -> bool:
    """Whether a job's expressions may call LOOKUP (its pipeline then follows the lookups)."""
    texts = [m.expression for m in spec.mappings] + [spec.filter_expression or ""]
    return any("LOOKUP" in text.upper() for text in texts)


def fingerprint(store: Store) -> str:
    """The project's lookups as text: a job's pipeline is compiled again when they change."""
    return "|".join(lookup.model_dump_json() for lookup in store.list_lookups())
