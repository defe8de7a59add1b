"""The Druid function library, for queries and mappings alike: each function Druid's SQL
reference has that sqlglot passes through unknown (`FUNCTIONS`, by name) or writes for DuckDB
with another meaning (`TYPED`, by sqlglot's node), declared once as a rewrite into DuckDB's
tree. `_druid_sql` applies them; the ingestion aggregators live there."""

from __future__ import annotations

from polaris_pulumi.emulator.ingest import _arrays, _implicit, _scalars, _sizes, _times
from polaris_pulumi.emulator.ingest._fn_base import Context, Rule, TypedRule

__all__ = ["FUNCTIONS", "TYPED", "Context"]

FUNCTIONS: dict[str, Rule] = {
    **_scalars.FUNCTIONS,
    **_arrays.FUNCTIONS,
    **_sizes.FUNCTIONS,
    **_times.FUNCTIONS,
}
TYPED: dict[type, TypedRule] = {**_implicit.TYPED, **_scalars.TYPED, **_arrays.TYPED}
