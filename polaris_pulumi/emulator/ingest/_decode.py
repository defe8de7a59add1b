"""A Kafka record read by a job's format settings: Polaris' input formats, parsed by the
libraries that read them (json, csv, fastavro, protobuf, jsonpath-ng), then typed by the job's
input schema. What fails to parse raises `Unparseable`; a setting the local engine does not
evaluate raises `Unsupported`, which fails the job's health instead of guessing."""

from __future__ import annotations

import base64
import copy
import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import fastavro
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext.parser import parse as jsonpath

from polaris_pulumi.jobs._format_model import FormatSettings
from polaris_pulumi.jobs._model import ConnectionSource

Row = dict[str, Any]


class Unparseable(ValueError):
    """A record the job's format cannot read (counted, and health turns `warn`)."""


class Unsupported(ValueError):
    """A setting the local engine does not evaluate (health turns `error`, naming it)."""


@dataclass(frozen=True)
class Record:
    """What a consumer hands over: one Kafka record."""

    value: bytes | None
    key: bytes | None = None
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)
    timestamp_ms: int | None = None
    origin: str = "a record"  # where it came from, as the job's logs name it


@dataclass
class Decoded:
    """A record's rows, and how many of their fields did not fit the input schema."""

    rows: list[Row]
    warnings: int = 0


def decode(
    source: ConnectionSource, record: Record, types: dict[str, str] | None = None
) -> Decoded:
    """The rows of `record`, typed by the input schema (`types`: its fields' data types, when
    the caller holds them: a reader decodes many records of one schema)."""
    rows = _rows(source.format_settings, record)
    if types is None:
        types = {f.name: f.data_type for f in source.input_schema}
    out, warnings = [], 0
    for row in rows:
        typed, bad = _typed(row, types)
        out.append(typed)
        warnings += bad > 0
    return Decoded(out, warnings)


def _rows(fmt: FormatSettings, record: Record) -> list[Row]:
    if fmt.format == "kafka":
        return [_kafka_row(fmt, record)]
    return _payload(fmt, record.value)


def _payload(fmt: FormatSettings, data: bytes | None) -> list[Row]:
    reader = _READERS.get(fmt.format)
    if reader is None:
        raise Unsupported(f"format {fmt.format!r} is not read by the local engine")
    if data is None:
        raise Unparseable("the record has no value")
    return [_flatten(fmt, row) for row in reader(fmt, data)]


def _json(_: FormatSettings, data: bytes) -> list[Row]:
    rows = []
    for line in data.decode("utf-8", errors="strict").splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise Unparseable(f"not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise Unparseable(f"a JSON {type(value).__name__} where an object was expected")
        rows.append(value)
    if not rows:
        raise Unparseable("an empty record")
    return rows


def _csv(fmt: FormatSettings, data: bytes) -> list[Row]:
    text = data.decode("utf-8", errors="strict")
    lines = list(csv.reader(io.StringIO(text), delimiter=fmt.delimiter or ","))
    lines = lines[fmt.skip_header_rows or 0 :]
    columns = fmt.columns or []
    rows = []
    for values in lines:
        if not values:
            continue
        if len(values) != len(columns):
            raise Unparseable(f"{len(values)} values where the csv has {len(columns)} columns")
        rows.append(dict(zip(columns, (_list(v, fmt.list_delimiter) for v in values), strict=True)))
    if not rows:
        raise Unparseable("an empty record")
    return rows


def _list(value: str, delimiter: str | None) -> Any:
    return value.split(delimiter) if delimiter and delimiter in value else value


def _avro(fmt: FormatSettings, data: bytes) -> list[Row]:
    provider = fmt.parse_schema_provider
    if provider is None or provider.type != "inline-avro" or provider.schema_ is None:
        raise Unsupported("a Schema Registry for avro_stream is simulated by the local engine")
    schema = _avro_schema(json.dumps(provider.schema_, sort_keys=True))
    try:
        value = fastavro.schemaless_reader(io.BytesIO(data), schema)
    except Exception as exc:  # noqa: BLE001 - fastavro raises several kinds
        raise Unparseable(f"not Avro of the job's schema: {exc}") from None
    if not isinstance(value, dict):
        raise Unparseable("an Avro value that is not a record")
    return [value]


@lru_cache(maxsize=64)
def _avro_schema(text: str) -> Any:
    return fastavro.parse_schema(copy.deepcopy(json.loads(text)))


def _protobuf(fmt: FormatSettings, data: bytes) -> list[Row]:
    provider = fmt.parse_schema_provider
    if provider is None or provider.type != "inline-protobuf" or not provider.descriptor:
        raise Unsupported("a Schema Registry for protobuf is simulated by the local engine")
    cls = _message_class(provider.descriptor, provider.proto_message_type or "")
    try:
        message = cls.FromString(data)
    except Exception as exc:  # noqa: BLE001 - DecodeError, and RuntimeWarning-like kinds
        raise Unparseable(f"not a {provider.proto_message_type} message: {exc}") from None
    row: Row = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return [row]


@lru_cache(maxsize=64)
def _message_class(descriptor: str, message_type: str) -> Any:
    files = descriptor_pb2.FileDescriptorSet.FromString(base64.b64decode(descriptor))
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    for file in files.file:
        for m in file.message_type:
            full = f"{file.package}.{m.name}" if file.package else m.name
            if message_type in (m.name, full):
                return message_factory.GetMessageClass(pool.FindMessageTypeByName(full))
    raise Unsupported(f"message {message_type!r} is not in the descriptor")


_READERS: dict[str, Callable[[FormatSettings, bytes], list[Row]]] = {
    "nd-json": _json,
    "csv": _csv,
    "avro_stream": _avro,
    "protobuf": _protobuf,
}


def _kafka_row(fmt: FormatSettings, record: Record) -> Row:
    """Druid's kafka input format: the value's columns, and the key, headers and timestamp."""
    if fmt.value_format is None:
        raise Unsupported("a kafka format without value_format")
    rows = _payload(fmt.value_format, record.value)
    if len(rows) != 1:
        raise Unparseable(f"a kafka record whose value holds {len(rows)} rows")
    row = dict(rows[0])
    if record.key is not None:
        row[fmt.key_column_name or "kafka.key"] = _key(fmt, record.key)
    prefix = fmt.header_label_prefix if fmt.header_label_prefix is not None else "kafka.header."
    encoding = fmt.header_format or "utf-8"
    for name, raw in record.headers:
        row[prefix + name] = raw.decode(encoding, errors="replace") if raw is not None else None
    if record.timestamp_ms is not None:
        row[fmt.timestamp_column_name or "kafka.timestamp"] = record.timestamp_ms
    return row


def _key(fmt: FormatSettings, key: bytes) -> Any:
    if fmt.key_format is None:
        return key.decode("utf-8", errors="replace")
    rows = _payload(fmt.key_format, key)
    first = rows[0]
    # Druid takes the key format's first column as the key.
    return next(iter(first.values()), None) if first else None


def _flatten(fmt: FormatSettings, row: Row) -> Row:
    """Druid's flattenSpec: `root` and `path` fields (JSONPath), added to the row's own
    fields unless field discovery is off."""
    spec = fmt.flatten_spec or {}
    fields = spec.get("fields") or []
    if not fields:
        return row
    out: Row = dict(row) if spec.get("useFieldDiscovery", True) else {}
    for f in fields:
        kind, name = f.get("type"), f.get("name")
        if kind == "root":
            out[name] = row.get(name)
        elif kind == "path":
            out[name] = _path(f.get("expr", ""), row)
        else:
            raise Unsupported(f"flatten field type {kind!r} (field {name!r})")
    return out


def _path(expr: str, row: Row) -> Any:
    try:
        found = [m.value for m in _compiled(expr).find(row)]
    except JsonPathParserError as exc:
        raise Unsupported(f"JSONPath {expr!r}: {exc}") from None
    return found[0] if len(found) == 1 else (found or None)


@lru_cache(maxsize=256)
def _compiled(expr: str) -> Any:
    return jsonpath(expr)


# Input schema types -> how a value is read as that type (others are kept as they come).
_NUMBERS: dict[str, Callable[[Any], Any]] = {
    "long": int,
    "bigint": int,
    "double": float,
    "float": float,
}


def _typed(row: Row, types: dict[str, str]) -> tuple[Row, int]:
    """The row with its input-schema fields read as their types; a value that does not fit
    becomes null and counts as a warning (Druid's "processed with warning")."""
    out, bad = dict(row), 0
    for name, data_type in types.items():
        value = row.get(name)
        if value is None:
            continue
        if data_type in _NUMBERS:
            try:
                number = _NUMBERS[data_type](value)
                if isinstance(number, float) and not math.isfinite(number):
                    raise ValueError(value)
                out[name] = number
            except (TypeError, ValueError):
                out[name], bad = None, bad + 1
        elif data_type in ("string", "varchar") and not isinstance(value, str):
            out[name] = _strings(value) if isinstance(value, list) else json.dumps(value)
    return out, bad


def _strings(values: list[Any]) -> list[str | None] | None:
    """A list bound for a string column, as Druid keeps a multi-value string: each element's
    text (a nested list as Java prints it, `[3, [4, 5]]`); an empty list is null."""
    return [v if isinstance(v, str) or v is None else _java_text(v) for v in values] or None


def _java_text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join("null" if v is None else _java_text(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)
