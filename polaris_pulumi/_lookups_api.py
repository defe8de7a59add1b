"""Lookups' client side: the project's lookups (`GET /lookups`), which map a key to values
from a lookup table."""

from __future__ import annotations

from typing import Any

from polaris_pulumi._contract import PolarisModel
from polaris_pulumi._exceptions import NotFoundError
from polaris_pulumi._transport import Transport


class Lookup(PolarisModel):
    """A lookup as Polaris answers it (LookupResponse): its name and its source (a `table`
    source names the lookup table: `{"type": "table", "tableName": ...}`)."""

    name: str
    source: dict[str, Any] | None = None


class LookupsAPI(Transport):
    def list_lookups(self) -> list[Lookup]:
        """The project's lookups; none where Polaris serves no lookups API (a 404: the feature
        is in beta)."""
        try:
            return self._list("/lookups", Lookup)
        except NotFoundError:
            return []
