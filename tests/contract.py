"""Polaris' published contract, read from Imply's official SDK (`polaris-sdk`).

Everything here is derived from the SDK, nothing is written out again:
- `operation(op)`: the status codes an operation accepts and the model it deserializes for
  each, read from the operation's generated source;
- `shape_problems(data, model)`: where a JSON document departs from a model (unknown or
  missing keys, wrong types, values outside the enum the model's docstring names);
- `sdk_request(...)`: what the SDK's request builder and serializer make of a request.
"""

from __future__ import annotations

import enum
import inspect
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from polaris.sdk.project_api import models as sdk_models
from polaris.sdk.project_api._serialization import Deserializer, Serializer
from polaris.sdk.project_api.operations import _operations as sdk_operations

MODELS: dict[str, type] = {
    name: cls for name, cls in vars(sdk_models).items() if isinstance(cls, type)
}
_ENUM_OF = re.compile(r":vartype (\w+): str or\s+~polaris\.sdk\.project_api\.models\.(\w+)")
# The SDK contradicts itself once: JobHealthStatusV2 and JobHealthV2's docstring say `warn`,
# its subtype map keys the warning subtype `warning`. We send `warn` (docs/emulator.md) and
# check it against that subtype.
_SUBTYPE_ALIASES = {("JobHealthV2", "warn"): "warning"}


@dataclass(frozen=True)
class Operation:
    name: str
    accepted: frozenset[int]
    models: dict[int, str]  # status -> model deserialized; absent: no body expected
    body_model: str | None  # the request body's model


@cache
def operation(op: Any) -> Operation:
    """The contract of one SDK operation method (e.g. `ConnectionsOperations.create_connection`)."""
    source = inspect.getsource(inspect.unwrap(op))
    accepted = frozenset(
        int(c) for c in re.search(r"status_code not in \[(.*?)\]", source)[1].split(",")
    )  # type: ignore[index]
    per_code = dict(
        (int(code), model)
        for code, model in re.findall(
            r"status_code == (\d+):\n(?:[^\n]*\n){0,6}?\s*\"([\w\[\]]+)\", pipeline_response",
            source,
        )
    )
    if not per_code and "deserialized = None" in source:
        # Operations answering "ErrorResponse or None": no body on success, an error body else.
        per_code = {code: "ErrorResponse" for code in accepted if code >= 300}
    body = re.search(r'self\._serialize\.body\(\w+, "(\w+)"\)', source)
    return Operation(op.__name__, accepted, per_code, body[1] if body else None)


def _enums(cls: type) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for klass in reversed(cls.__mro__):
        for attr, enum_name in _ENUM_OF.findall(klass.__doc__ or ""):
            enum_cls = MODELS.get(enum_name)
            if isinstance(enum_cls, type) and issubclass(enum_cls, enum.Enum):
                found[attr] = {e.value for e in enum_cls}
    return found


def _resolve(cls: type, data: dict[str, Any]) -> type:
    """The subtype a discriminated document belongs to."""
    for attr, subtypes in (getattr(cls, "_subtype_map", None) or {}).items():
        key = cls._attribute_map[attr]["key"]  # type: ignore[attr-defined]
        value = data.get(key)
        value = _SUBTYPE_ALIASES.get((cls.__name__, value), value)
        if value in subtypes:
            sub = MODELS[subtypes[value]]
            return sub if sub is cls else _resolve(sub, data)
    return cls


def shape_problems(data: Any, type_name: str, path: str = "$") -> list[str]:
    """Where `data` departs from the SDK type `type_name` ("Model", "[Model]", "str", ...)."""
    if data is None:
        return []  # an optional value sent as null; required ones are checked by their model
    if type_name.startswith("[") and type_name.endswith("]"):
        if not isinstance(data, list):
            return [f"{path}: expected a list, got {data!r}"]
        return [
            p
            for i, v in enumerate(data)
            for p in shape_problems(v, type_name[1:-1], f"{path}[{i}]")
        ]
    if type_name.startswith("{") and type_name.endswith("}"):
        if not isinstance(data, dict):
            return [f"{path}: expected an object, got {data!r}"]
        return [
            p for k, v in data.items() for p in shape_problems(v, type_name[1:-1], f"{path}.{k}")
        ]
    scalar = {
        "str": (str,),
        "bool": (bool,),
        "int": (int,),
        "float": (int, float),
        "iso-8601": (str,),
        "object": (object,),
    }
    if type_name in scalar:
        kinds = scalar[type_name]
        if not isinstance(data, kinds) or (
            isinstance(data, bool) and bool not in kinds and object not in kinds
        ):
            return [f"{path}: expected {type_name}, got {data!r}"]
        if type_name == "iso-8601":
            try:
                Deserializer.deserialize_iso(data)
            except Exception:  # noqa: BLE001 - any parse failure is the finding
                return [f"{path}: {data!r} is not an ISO-8601 date-time"]
        return []
    return _model_problems(data, MODELS[type_name], path)


def _model_problems(data: Any, cls: type, path: str) -> list[str]:
    if not isinstance(data, dict):
        return [f"{path}: expected a {cls.__name__} object, got {data!r}"]
    cls = _resolve(cls, data)
    attributes: dict[str, dict[str, str]] = cls._attribute_map  # type: ignore[attr-defined]
    by_key = {spec["key"]: (attr, spec["type"]) for attr, spec in attributes.items()}
    open_model = "" in by_key  # additional_properties
    enums = _enums(cls)
    problems = [
        f"{path}.{key}: not a field of {cls.__name__}"
        for key in data
        if key not in by_key and not open_model
    ]
    for attr, rules in getattr(cls, "_validation", {}).items():
        key = attributes[attr]["key"]
        if rules.get("required") and data.get(key) is None:
            problems.append(f"{path}.{key}: required by {cls.__name__}")
    for key, value in data.items():
        if key not in by_key or value is None:
            continue
        attr, type_name = by_key[key]
        problems += shape_problems(value, type_name, f"{path}.{key}")
        if attr in enums and isinstance(value, str) and value not in enums[attr]:
            problems.append(f"{path}.{key}: {value!r} is not one of {sorted(enums[attr])}")
        rules = getattr(cls, "_validation", {}).get(attr, {})
        if isinstance(value, str) and not rules.get("min_length", 0) <= len(value) <= rules.get(
            "max_length", len(value)
        ):
            problems.append(f"{path}.{key}: length {len(value)} outside {rules}")
    return problems


def serialize(model_name: str, body: dict[str, Any]) -> Any:
    """`body` read into the SDK's request model and written back by the SDK's serializer.

    Keys the model does not know are dropped, values are typed by the model: a body equal to
    its round trip is one the SDK could have sent.
    """
    model = Deserializer(MODELS)(model_name, body)
    return Serializer(MODELS).body(model, model_name)


def sdk_request(builder_name: str, **kwargs: Any) -> Any:
    """The azure-core HttpRequest the SDK's `build_*_request` makes."""
    return getattr(sdk_operations, builder_name)(**kwargs)
