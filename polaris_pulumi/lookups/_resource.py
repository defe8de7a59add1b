"""`Lookup`: what users write in their programs. Its typed surface (Args, outputs,
constructors) is generated into `_generated.py` and `_generated_bases.py`."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import ResourceProvider

from polaris_pulumi._declare import with_outputs
from polaris_pulumi.lookups._generated_bases import LookupBase
from polaris_pulumi.lookups._provider import OUTPUT_KEYS, LookupProvider


class Lookup(LookupBase, module="polaris", name="Lookup"):
    """A Polaris lookup: a lookup table's keys mapped to its values, read by
    `LOOKUP(expr, 'name[key column][value column]')` in queries and ingestion mappings, or by
    an alias's name (`aliases`). The name is for life (a new name is a new lookup); the source
    table and the aliases change in place. Deleting it loses no data: the table stays. A Table
    resource of this program named by `source.table_name` is checked at preview: each alias's
    key and value are string columns of it."""

    output_keys = OUTPUT_KEYS

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions | None]:
        return LookupProvider(), with_outputs(OUTPUT_KEYS, values), opts
