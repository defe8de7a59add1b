"""Props as the engine sends them, to typed models: unknown values of a preview, integers
sent as floats, and check failures.

During preview an input that depends on a resource not yet made is `pulumi.output.Unknown`.
`validate` checks what is known and reports no problem that an unknown value may void: a
problem counts when neither its property nor any it `depends_on` is unknown.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown
from pydantic import BaseModel, ValidationError

from polaris_pulumi._contract import STRICT
from polaris_pulumi._meta import prop
from polaris_pulumi._problems import Path, Problem, problems_from_validation_error

M = typing.TypeVar("M", bound=BaseModel)


def unknown_paths(value: Any, path: Path = ()) -> list[Path]:
    """Where the preview's unknown values sit in a property tree."""
    if isinstance(value, Unknown):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in unknown_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in unknown_paths(v, (*path, i))]
    return []


def _related(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


class _Unplaceable(Exception):
    """An unknown stands where no placeholder fits (a whole nested object)."""


def _placeholder(annotation: Any) -> Any:
    """A value of the annotated type that passes type validation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        try:
            return _placeholder(options[0]) if options else None
        except _Unplaceable:
            if type(None) in typing.get_args(annotation):
                return None  # an optional object: checking it waits until it is known
            raise
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin in (list, tuple) or annotation in (list, tuple):
        return []
    if origin is dict or annotation is dict:
        return {}
    simple = {str: "unknown", bool: False, int: 0, float: 0.0}
    if annotation in simple:
        return simple[annotation]
    raise _Unplaceable


def _annotation_at(model: type[BaseModel], path: Path) -> Any:
    annotation: Any = model
    for part in path:
        while typing.get_origin(annotation) in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        if isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = annotation.model_fields
            name = next((n for n, f in fields.items() if part in (n, f.alias)), None)
            if name is None:
                raise _Unplaceable  # an unknown key: validation names it
            annotation = fields[name].annotation
        else:
            raise _Unplaceable
    return annotation


def _substitute(value: Any, model: type[BaseModel], path: Path = ()) -> Any:
    if isinstance(value, Unknown):
        return _placeholder(_annotation_at(model, path))
    if isinstance(value, dict):
        return {k: _substitute(v, model, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, model, (*path, i)) for i, v in enumerate(value)]
    return value


def _integral(value: Any) -> Any:
    """Whole floats back to ints (the engine sends 1 as 1.0), so that strict validation
    refuses only what is wrong: "100" for a number, "yes" for a flag."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def validate(
    model: type[M],
    props: dict[str, Any],
    rules: Callable[[M], list[Problem]] = lambda _: [],
    *,
    secret: frozenset[str] = frozenset(),
) -> tuple[M | None, list[Problem]]:
    """Type and rule problems of `props`, ignoring what depends on unknown values.

    Returns the parsed model when every value is known and valid.
    """
    unknown = unknown_paths(props)
    try:
        known = _substitute(props, model)
    except _Unplaceable:
        return None, []  # a whole nested object is unknown: nothing to check yet
    try:
        parsed = model.model_validate(_integral(known), context=STRICT, strict=True)
    except ValidationError as exc:
        problems = _hinted(model, problems_from_validation_error(exc, secret))
        return None, [p for p in problems if not any(_related(p.path, u) for u in unknown)]
    problems = [p for p in rules(parsed) if not _voided(p, unknown)]
    return (parsed if not unknown and not problems else None), problems


def _voided(problem: Problem, unknown: Iterable[Path]) -> bool:
    return any(_related(d, u) for d in (problem.path, *problem.depends_on) for u in unknown)


def _hinted(model: type[BaseModel], problems: list[Problem]) -> list[Problem]:
    """A type problem of a field whose Prop has a hint says the hint too."""
    fields = model.model_fields
    out = []
    for p in problems:
        name = p.path[0] if len(p.path) == 1 else None
        hint = prop(model, name).hint if isinstance(name, str) and name in fields else ""
        out.append(Problem(p.path, f"{p.message}; {hint}", p.depends_on) if hint else p)
    return out


def pick(props: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The props of these names that are set (a model's share of a resource's props)."""
    return {k: props[k] for k in names if props.get(k) is not None}


def parse(model: type[M], props: dict[str, Any]) -> M:
    """A model of props `check` already validated (the engine's floats back to integers)."""
    return model.model_validate(_integral(props))


def failures(problems: list[Problem], secret: frozenset[str]) -> list[CheckFailure]:
    """CheckFailures; a failure on a top-level secret property names it in the reason instead,
    because the engine prints a named top-level property's value, secret or not
    (`issueCheckFailures`: `inputs[failure.Property]`)."""
    return [
        CheckFailure("", f"property {p.property_name}: {p.message}")
        if len(p.path) == 1 and p.path[0] in secret
        else CheckFailure(p.property_name, p.message)
        for p in problems
    ]
