"""What each field of a model means to a resource, declared once beside the field.

`Annotated[T, Prop(...)]` on a model field says whether a change to it replaces the object,
what the server fills in when it is left out, whether it is secret, and whether only the
server sets it. Providers (replace lists, defaults, outputs), the emulator (what it fills in)
and `scripts/generate.py` (Args, ArgsDicts, overloads, output annotations) all read it here.
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


@dataclass(frozen=True)
class Prop:
    """A field's meaning to its resource (see the module docstring)."""

    replaces: bool = False
    """A change makes a new object: Polaris cannot change the field in place."""
    default: Any = NO_DEFAULT
    """What the server holds when the field is left out."""
    default_when: Callable[[Any], bool] | None = None
    """The default applies only to objects for which this is true (e.g. aggregate tables)."""
    secret: bool = False
    """Never shown: kept out of state in plaintext, logs and messages."""
    output: bool = False
    """Set by the server only; never declared."""
    derived: bool = False
    """Required by the API, optional in a program: the provider fills it in (a name)."""
    required: bool = False
    """Optional in the API's shape, required in a program (the rules say so)."""
    internal: bool = False
    """Set by the package itself, not by users: in no Args."""
    echoed: bool = False
    """Repeated at the top level of the object's response (a streaming job's spec fields)."""
    plain: bool = False
    """Must be known when the program runs (no Output): the engine acts on it first."""
    property: str | None = None
    """The resource property's name, where it is not the field's (`id` is Pulumi's)."""
    hint: str = ""
    """Added to a type error of the field: what to do instead."""


_PLAIN = Prop()


def prop(model: type[BaseModel], name: str) -> Prop:
    """The Prop of a model's field (a plain Prop when the field declares none)."""
    found = [m for m in model.model_fields[name].metadata if isinstance(m, Prop)]
    return found[0] if found else _PLAIN


def key(field: str) -> str:
    """A field's property name (`schema_`, named so beside pydantic's own attributes, is
    `schema`, as in the API)."""
    return field.rstrip("_")


def property_name(model: type[BaseModel], name: str) -> str:
    """The resource property of a model's field."""
    return prop(model, name).property or key(name)


def keys(model: type[BaseModel], **where: bool) -> tuple[str, ...]:
    """Property names of the fields whose Prop has every flag in `where` as given."""
    return tuple(
        property_name(model, name)
        for name in model.model_fields
        if all(getattr(prop(model, name), flag) == value for flag, value in where.items())
    )


M = typing.TypeVar("M", bound=BaseModel)


def with_defaults(value: M) -> M:
    """A copy with the server's defaults filled in wherever a field is unset, nested models
    too: what the server holds, so that two specs compare as the server would."""
    updates: dict[str, Any] = {}
    for name in type(value).model_fields:
        current = getattr(value, name)
        meta = prop(type(value), name)
        if current is None and meta.default is not NO_DEFAULT:
            if meta.default_when is None or meta.default_when(value):
                updates[name] = copy.deepcopy(meta.default)
        elif isinstance(current, BaseModel):
            updates[name] = with_defaults(current)
        elif isinstance(current, list) and current and isinstance(current[0], BaseModel):
            updates[name] = [with_defaults(v) for v in current]
    return value.model_copy(update=updates)


def secret_fields(*models: type[BaseModel]) -> frozenset[str]:
    """Names of fields that are secret or hold a secret field: their values are never shown."""
    found: set[str] = set()
    seen: set[type[BaseModel]] = set()
    todo = list(models)
    while todo:
        model = todo.pop()
        seen.add(model)
        for name, info in model.model_fields.items():
            nested = [m for m in _models_in(info.annotation) if m not in seen]
            if prop(model, name).secret or secret_fields(*nested):
                found.add(name)
                todo += nested
    return frozenset(found)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models_in(a)]
