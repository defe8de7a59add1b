"""A batch of decoded rows as DuckDB's temporary table `"$batch"`: the input schema's fields
typed, the others' types inferred from their values, and a column of each row's place in the
batch (named so that no input field has the name), which `_findings` names rows by."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from polaris_pulumi.emulator.ingest._rows import PAIR, SET, duck_type, quote

Row = dict[str, Any]


def load(
    cur: duckdb.DuckDBPyConnection,
    batch: list[Row],
    input_types: dict[str, str],
    reads: frozenset[str],
) -> tuple[list[str], list[str], str]:
    """The batch as a temporary table, its input-schema fields typed, the others inferred;
    a field the expressions read that no record has is null, as in Druid. Also the fields
    left out because another's name differs only in case, and the name of the column that
    holds each row's place in the batch."""
    structure: dict[str, str] = {}
    folds: dict[str, str] = {}
    folded: set[str] = set()
    for name in (*input_types, *reads):
        folds.setdefault(name.lower(), name)
    for row in batch:
        for key, value in row.items():
            if not key:  # no column can be named "": the event is ingested without it
                continue
            if folds.setdefault(key.lower(), key) != key:
                folded.add(key)
                continue
            structure[key] = _merge_type(structure.get(key), _infer(value))
    for name in reads - set(structure):
        if folds[name.lower()] == name:
            structure[name] = "VARCHAR"
    for name, data_type in input_types.items():
        if folds[name.lower()] == name:
            structure[name] = input_type(data_type)
    names = list(structure)
    place = fresh("$row", names)
    if not structure:  # a table needs a column: one no input field has
        structure[fresh("$empty", [*names, place])] = "VARCHAR"
    cur.execute(
        'CREATE TEMP TABLE "$batch" AS SELECT unnest(from_json(?::JSON, ?), recursive := true), '
        f"unnest(range(?)) AS {quote(place)}",
        [json.dumps(batch, default=str), json.dumps([structure]), len(batch)],
    )
    return names, sorted(folded), place


def fresh(name: str, taken: list[str]) -> str:
    """`name`, or it numbered, so that it is none of `taken` (whatever the input holds, the
    pipeline's own columns never meet an input field's: DuckDB's names ignore case)."""
    folded = {t.lower() for t in taken}
    fresh, n = name, 0
    while fresh.lower() in folded:
        n += 1
        fresh = f"{name}{n}"
    return fresh


def input_type(data_type: str) -> str:
    duck = duck_type(data_type)
    return "VARCHAR" if duck in (PAIR, SET, "TIMESTAMP") else duck


def _infer(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT" if -(2**63) <= value < 2**63 else "DOUBLE"
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, str):
        return "VARCHAR"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "VARCHAR[]"
    return "JSON"


def _merge_type(a: str | None, b: str | None) -> str:
    if a is None or a == b:
        return b or a or "VARCHAR"
    if b is None:
        return a
    if {a, b} == {"BIGINT", "DOUBLE"}:
        return "DOUBLE"
    return "JSON" if "JSON" in (a, b) or a.endswith("]") or b.endswith("]") else "VARCHAR"
