"""The query API's answers: rows in its result formats (object, array, objectLines,
arrayLines, csv; with header rows), values written as Druid writes them."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import math
import struct
import uuid
from decimal import Decimal
from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse


def _value(v: Any) -> Any:
    """A DuckDB value as Druid's JSON writes it: times as ISO 8601 in UTC with milliseconds;
    a double that is not finite as Jackson writes it, a string (`"NaN"`, `"-Infinity"`); a
    value of a type Druid lacks (UUID, INTERVAL, TIME) as its text."""
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"
    if isinstance(v, dt.date):
        return v.isoformat() + "T00:00:00.000Z"
    if isinstance(v, Decimal):
        return _value(float(v))
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, dict):
        return {str(_value(k)): _value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_value(x) for x in v]
    if isinstance(v, dt.timedelta):
        return f"P{v.days}DT{v.seconds + v.microseconds / 1e6:g}S"
    if isinstance(v, dt.time | uuid.UUID):
        return str(v)
    return v


def _cell(v: Any, duck: str) -> Any:
    """A JSON column's value as the JSON it holds (Druid answers COMPLEX<json> nested); a
    FLOAT as the shortest decimal that is the same float (Java's `0.1`, not `0.10000000149`)."""
    if duck == "JSON" and isinstance(v, str):
        return json.loads(v)
    if duck == "FLOAT" and isinstance(v, float):
        return _value(_float32(v))
    return _value(v)


def _float32(v: float) -> float:
    if not math.isfinite(v):
        return v
    single = struct.pack("<f", v)
    for digits in range(1, 10):
        shorter = float(f"{v:.{digits}g}")
        if struct.pack("<f", shorter) == single:
            return shorter
    return v


_DRUID_TYPES = {
    "VARCHAR": ("STRING", "VARCHAR"),
    "BIGINT": ("LONG", "BIGINT"),
    "HUGEINT": ("LONG", "BIGINT"),
    "INTEGER": ("LONG", "INTEGER"),
    "BOOLEAN": ("LONG", "BOOLEAN"),
    "DOUBLE": ("DOUBLE", "DOUBLE"),
    "FLOAT": ("FLOAT", "FLOAT"),
    "TIMESTAMP": ("LONG", "TIMESTAMP"),
    "DATE": ("LONG", "DATE"),
    "JSON": ("COMPLEX<json>", "OTHER"),
}


def _types(duck: str) -> tuple[str, str]:
    if duck.startswith("DECIMAL"):
        return "DOUBLE", "DOUBLE"
    if duck.endswith("[]"):
        inner = _DRUID_TYPES.get(duck[:-2], ("STRING", "VARCHAR"))[0]
        return f"ARRAY<{inner}>", "ARRAY"
    return _DRUID_TYPES.get(duck, ("COMPLEX", "OTHER"))


def _header_rows(
    request: dict[str, Any], columns: list[tuple[str, str]], objects: bool
) -> list[Any]:
    if not request.get("header"):
        return []
    names = [c for c, _ in columns]
    types, sql_types = request.get("typesHeader"), request.get("sqlTypesHeader")
    if objects:

        def meta(duck: str) -> dict[str, str] | None:
            runtime, sql_type = _types(duck)
            out = ({"type": runtime} if types else {}) | (
                {"sqlType": sql_type} if sql_types else {}
            )
            return out or None

        return [{name: meta(duck) for name, duck in columns}]
    rows: list[Any] = [names]
    if types:
        rows.append([_types(d)[0] for _, d in columns])
    if sql_types:
        rows.append([_types(d)[1] for _, d in columns])
    return rows


def render(
    request: dict[str, Any],
    columns: list[tuple[str, str]],
    rows: list[tuple[Any, ...]],
    headers: dict[str, str],
) -> Response:
    fmt = request["resultFormat"]
    names = [c for c, _ in columns]
    objects = fmt in ("object", "objectLines")
    types = [d for _, d in columns]
    cells = [[_cell(v, d) for v, d in zip(r, types, strict=True)] for r in rows]
    values: list[Any] = [dict(zip(names, c, strict=True)) if objects else c for c in cells]
    values = _header_rows(request, columns, objects) + values
    if fmt in ("object", "array"):
        return JSONResponse(values, headers=headers)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for row in values:
            writer.writerow(
                ["" if v is None else _json(v) if isinstance(v, dict | list) else v for v in row]
            )
        return Response(out.getvalue() + "\n", media_type="text/csv", headers=headers)
    lines = "".join(_json(v) + "\n" for v in values)
    return Response(lines + "\n", media_type="text/plain", headers=headers)


def _json(value: Any) -> str:
    """JSON text, strictly: every value was made JSON's by `_value` (a bare NaN is a bug)."""
    return json.dumps(value, allow_nan=False)
