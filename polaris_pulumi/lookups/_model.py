"""A lookup's shapes: what a program declares (CreateLookupRequest, and the lookup's aliases),
what Polaris answers (LookupResponse), and the resource's own settings. Each field is declared
here once (see `_meta`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict

from polaris_pulumi._contract import PolarisModel
from polaris_pulumi._meta import Prop


class LookupSource(PolarisModel):
    """Where a lookup's keys and values come from: a table (LookupSourceTablePayload)."""

    type: Annotated[Literal["table"], Prop(internal=True)] = "table"
    table_name: str
    """The lookup table: partitioned by ALL granularity, its key and value columns strings.
    Refilling the table (a job, a replace) changes what the lookup returns."""


class LookupAlias(PolarisModel):
    """A name for one key column and one value column of the lookup's table
    (LookupAliasPayload): `LOOKUP(expr, '<alias>')` then reads `key` to `value`, as a Druid
    lookup of that name did."""

    name: str
    """The alias, unique in the project: what `LOOKUP(expr, '<name>')` names."""
    key: str
    """The column of the lookup table that holds the keys."""
    value: str
    """The column of the lookup table that holds the values."""


class LookupSpec(PolarisModel):
    """A Polaris lookup: a lookup table, read by `LOOKUP(expr, 'name[key column][value
    column]')` in queries and ingestion mappings, or through an alias."""

    name: Annotated[str, Prop(replaces=True)]
    """The lookup's name, unique in the project (a new name is a new lookup)."""
    source: LookupSource
    """The lookup table (`{"table_name": ...}`); changed in place."""
    aliases: list[LookupAlias] | None = None
    """Names for (key column, value column) pairs of the table; changed in place (the
    lookup's aliases are replaced whole)."""

    def create_body(self) -> dict[str, Any]:
        """CreateLookupRequest: name and source (the aliases are their own call)."""
        return self.model_copy(update={"aliases": None}).to_api()

    def update_body(self) -> dict[str, Any]:
        """UpdateLookupRequest: the source."""
        return {"source": self.source.to_api()}

    def aliases_body(self) -> dict[str, Any]:
        """UpdateLookupAliasesRequest: every alias of the lookup."""
        return {"values": [a.to_api() for a in self.aliases or []]}


class Lookup(PolarisModel):
    """A lookup as Polaris answers it (LookupResponse), with its aliases when they were read
    (a separate call: `GET /lookups/{name}/aliases`)."""

    name: str
    source: LookupSource
    aliases: list[LookupAlias] | None = None

    def spec(self) -> LookupSpec:
        """What this lookup was declared with."""
        return LookupSpec.model_validate(self.model_dump(by_alias=True))


class LookupSettings(BaseModel):
    """The resource's own settings: how the provider manages the lookup, never sent."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    adopt_existing: bool | None = None
    """Take over an existing lookup of this name on create (then bring it to this spec)."""
