"""A QA dataset into a Polaris table through the public API, as a user would load it: a push
streaming connection, a strict table with the column types Druid gives the dataset, a job
that maps each field, and the dataset's rows pushed as events.

The dataset is Druid's own ingestion spec (`ingest.json`, inline data): its timestamp column,
its dimensions and their types. An `auto` dimension is typed as Druid's auto indexer types
it from the values: longs, doubles, strings, arrays of one of those, or JSON for nested arrays.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx

from tests.druid_qa.quidem import DATASETS

_SCALAR = {"long": "long", "string": "string", "float": "float", "double": "double"}


def spec(dataset: str) -> dict[str, Any]:
    return json.loads((DATASETS / dataset / "ingest.json").read_text())["spec"]  # type: ignore[no-any-return]


def events(dataset: str) -> list[dict[str, Any]]:
    """The dataset's rows as JSON events (CSV's empty fields are nulls, as Druid parses them)."""
    s = spec(dataset)
    source, fmt = s["ioConfig"]["inputSource"], s["ioConfig"]["inputFormat"]
    if fmt["type"] == "json":
        return [json.loads(line) for line in source["data"].splitlines() if line.strip()]
    types = {d["name"]: d.get("type", "string") for d in _dimensions(s)}
    rows = []
    for values in csv.reader(io.StringIO(source["data"])):
        row: dict[str, Any] = {}
        for name, text in zip(fmt["columns"], values, strict=True):
            kind = types.get(name, "string")
            row[name] = None if text == "" else _typed(text, kind)
        rows.append(row)
    return rows


def _typed(text: str, kind: str) -> Any:
    if kind == "long":
        return int(text)
    if kind in ("float", "double"):
        return float(text)
    return text


def _dimensions(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        d if isinstance(d, dict) else {"name": d}
        for d in s["dataSchema"]["dimensionsSpec"]["dimensions"]
    ]


def columns(dataset: str) -> dict[str, str]:
    """Each dimension's Polaris data type."""
    s, rows = spec(dataset), events(dataset)
    out = {}
    for d in _dimensions(s):
        kind = d.get("type", "string")
        values = [r.get(d["name"]) for r in rows]
        if kind == "string" and all(v is None or v == [] for v in values):
            continue  # Druid's segments hold no string dimension null in every row (auto: kept)
        out[d["name"]] = _SCALAR.get(kind) or _auto(values)
        if kind == "string" and any(isinstance(v, list) for v in values):
            out[d["name"]] = "string"  # a multi-value string dimension
    return out


def _auto(values: list[Any]) -> str:
    """The type Druid's auto indexer gives a field with these values."""
    present = [v for v in values if v is not None]
    if any(isinstance(v, list) for v in present):
        elements = [e for v in present if isinstance(v, list) for e in v]
        if any(isinstance(e, list | dict) for e in elements):
            return "json"
        kinds = {_scalar_kind(e) for e in elements if e is not None}
        if kinds <= {"long", "boolean"} and kinds:
            return "longArray"
        if kinds <= {"long", "double"} and kinds:
            return "doubleArray"
        return "stringArray" if kinds else "longArray"
    kinds = {_scalar_kind(v) for v in present}
    if kinds <= {"long", "boolean"} and kinds:
        return "long"
    if kinds <= {"long", "double"} and kinds:
        return "double"
    return "string"


def _scalar_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def connection_of(dataset: str) -> str:
    """The push streaming connection `load` makes for the dataset."""
    return f"qa-{spec(dataset)['dataSchema']['dataSource']}"


def job(dataset: str, table: str, mappings: dict[str, str]) -> dict[str, Any]:
    """A streaming job reading the dataset's events (its fields typed as `columns` types
    them), `__time` from its timestamp, the rest `mappings` (column: expression), into
    `table`."""
    time_column = spec(dataset)["dataSchema"]["timestampSpec"]["column"]
    inputs = [{"name": time_column, "dataType": "string"}]
    inputs += [{"name": n, "dataType": t} for n, t in columns(dataset).items()]
    return {
        "type": "streaming",
        "source": {
            "type": "connection",
            "connectionName": connection_of(dataset),
            "formatSettings": {"format": "nd-json"},
            "inputSchema": inputs,
        },
        "mappings": [{"columnName": "__time", "expression": f'TIME_PARSE("{time_column}")'}]
        + [{"columnName": c, "expression": e} for c, e in mappings.items()],
        "target": {"type": "table", "tableName": table},
        "readFromPoint": "earliest",
        "lateMessageRejectionPeriod": "P36500D",
        "earlyMessageRejectionPeriod": "P36500D",
    }


def load(url: str, api_key: str, project: str, dataset: str) -> int:
    """Make the table, its job and its connection, and push the rows; how many were pushed."""
    table = spec(dataset)["dataSchema"]["dataSource"]
    types = columns(dataset)
    base = f"{url}/v1/projects/{project}"
    headers = {"Authorization": f"Basic {api_key}"}
    connection = connection_of(dataset)
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        _ok(http.post("/connections", json={"type": "push_streaming", "name": connection}))
        schema = [{"name": "__time", "dataType": "timestamp"}]
        schema += [{"name": n, "dataType": t} for n, t in types.items()]
        _ok(
            http.post(
                "/tables",
                json={
                    "name": table,
                    "type": "detail",
                    "schemaMode": "strict",
                    "partitioningGranularity": "all",
                    "schema": schema,
                },
            )
        )
        _ok(http.post("/jobs", json=job(dataset, table, {n: f'"{n}"' for n in types})))
        rows = events(dataset)
        body = "\n".join(json.dumps(r) for r in rows)
        _ok(
            http.post(
                f"/events/{connection}",
                content=body.encode(),
                headers={"Content-Type": "application/json"},
            )
        )
    return len(rows)


def _ok(response: httpx.Response) -> None:
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: "
            f"{response.status_code} {response.text[:500]}"
        )
