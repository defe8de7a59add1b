"""A lookup's rules, checked at preview before anything is sent: the words a user sees."""

from __future__ import annotations

from polaris_pulumi._problems import Problem
from polaris_pulumi._rules import duplicates, table_name_problem
from polaris_pulumi.lookups._model import LookupSpec

STRING_TYPES = ("string",)


def lookup_problems(spec: LookupSpec) -> list[Problem]:
    problems: list[Problem] = []
    if not spec.name.strip() or any(c in spec.name for c in "[]'\n"):
        problems.append(
            Problem(
                ("name",),
                f"{spec.name!r} must not be empty or hold [, ] or ': LOOKUP(expr, "
                "'name[key][value]') names it in a SQL string",
            )
        )
    if msg := table_name_problem(spec.source.table_name):
        problems.append(Problem(("source", "table_name"), msg))
    aliases = spec.aliases or []
    problems += duplicates([a.name for a in aliases], ("aliases",), "aliased")
    for i, alias in enumerate(aliases):
        for field in ("key", "value"):
            if not getattr(alias, field).strip():
                problems.append(Problem(("aliases", i, field), "must not be empty"))
    return problems


def lookup_table_problems(spec: LookupSpec, columns: dict[str, str]) -> list[Problem]:
    """Against the lookup table when this program declares it (its declared columns and
    their types): each alias's key and value columns are string columns (Polaris' docs: both
    must be string-typed)."""
    table = spec.source.table_name
    if not columns:
        return []  # a flexible table's columns are discovered: nothing to check against
    problems = []
    for i, alias in enumerate(spec.aliases or []):
        for field in ("key", "value"):
            column = getattr(alias, field)
            kind = columns.get(column)
            if kind is None:
                problems.append(
                    Problem(
                        ("aliases", i, field),
                        f"table {table!r} declares no column {column!r} "
                        f"(it has {', '.join(sorted(columns))})",
                    )
                )
            elif kind not in STRING_TYPES:
                problems.append(
                    Problem(
                        ("aliases", i, field),
                        f"column {column!r} of {table!r} is {kind}: a lookup's key and "
                        "value columns are strings",
                    )
                )
    return problems
