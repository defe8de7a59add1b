"""`Table`: what users write in their programs. Its typed surface (Args, outputs,
constructors) is generated into `_generated.py` and `_generated_bases.py`."""

from __future__ import annotations

from typing import Any, Self

import pulumi
from pulumi.dynamic import ResourceProvider

from polaris_pulumi._declare import with_outputs
from polaris_pulumi._registry import REGISTRY
from polaris_pulumi.tables._generated_bases import TableBase
from polaris_pulumi.tables._provider import OUTPUT_KEYS, TableProvider


class Table(TableBase, module="polaris", name="Table"):
    """A Polaris table: detail or aggregate (rollup), its schema, partitioning and clustering.

    Name and type cannot change in Polaris: a change to either is a new table, and the old
    one is dropped with its data. So a table is protected by default (`deletion_protection`):
    `pulumi destroy`, a replacement or removing it from the program fails, before any job is
    canceled, until `deletion_protection=False` was applied by a `pulumi up`. Every other
    field is changed in place. A StreamingJob whose `target.table_name` is this table's `name`
    output is created after it, canceled before it, and its mappings are checked against the
    declared schema at preview.
    """

    output_keys = OUTPUT_KEYS

    def _declare(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> tuple[ResourceProvider, dict[str, Any], pulumi.ResourceOptions | None]:
        protected = values.get("deletion_protection", True)
        if not isinstance(protected, bool):
            raise TypeError(
                f"Table {resource_name!r}: deletion_protection must be a plain True or False "
                f"(got {type(protected).__name__}): Pulumi's engine enforces it before any step "
                "runs, so it must be known when the program runs"
            )
        values["deletion_protection"] = protected
        if protected:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True))
        return TableProvider(), with_outputs(OUTPUT_KEYS, values), opts

    def _declared(
        self, resource_name: str, values: dict[str, Any], opts: pulumi.ResourceOptions | None
    ) -> None:
        # A job whose target is this `name` output knows it writes to a protected table.
        protected = bool(values["deletion_protection"])
        REGISTRY.program().table_names[id(self.name)] = (self.name, protected)

    @classmethod
    def get(
        cls, resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> Self:
        """Read an existing table by name (not managed: see adopt_existing for that); reading
        it never protects it from a destroy of this stack."""
        found = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return cls(resource_name, opts=found, deletion_protection=False)
