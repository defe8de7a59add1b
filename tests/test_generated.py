"""The typed surface generated from the models (scripts/generate.py) is fresh, and says what
the models say: every Args, ArgsDict, overload and output annotation, field by field, type by
type. The shapes are read back from the classes as Python sees them, not from the generator."""

from __future__ import annotations

import ast
import collections.abc
import dataclasses
import inspect
import re
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pydantic import BaseModel, SecretStr

import polaris_pulumi as polaris
from polaris_pulumi import _outputs
from polaris_pulumi._contract import User
from polaris_pulumi._kinds import KINDS
from polaris_pulumi.connections import _model as connections
from polaris_pulumi.jobs import _model as jobs
from polaris_pulumi.tables import _model as tables

ROOT = Path(__file__).resolve().parents[1]
# Every resource of the registry: its class, spec, settings, the server's response model, and
# what its provider outputs.
RESOURCES = [
    (cls := getattr(polaris, r.name), r.spec, r.settings, r.response, cls.output_keys)
    for kind in KINDS
    for r in kind.resources
]
OUTPUT_MODELS = {
    m.output_dict: m  # type: ignore[attr-defined]
    for m in (
        connections.ConnectionSecretsInfo,
        jobs.Health,
        jobs.JobTotals,
        tables.QueryableColumn,
        User,
    )
}


def test_generated_files_are_fresh() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/generate.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- shapes: a type reduced to what both sides must agree on ----------------------------------


def shape(hint: Any) -> str:
    """`str`, `int`, `list[...]`, `dict`, `model:Name` or `literal:a,b`, with Inputs, Outputs
    and None stripped."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if isinstance(hint, typing.TypeVar):  # Input's own "Output[T]", unbound by its alias
        return ""
    if origin in (typing.NotRequired, typing.Required, typing.Annotated):
        return shape(args[0])  # Annotated: a discriminated union (a kafka connection's secrets)
    if origin in (typing.Union, types.UnionType):
        # An Input is {T, Awaitable[T], Output[T]}: T says it (the Output member is a forward
        # reference whose evaluation Pulumi's runtime caches, differently in different runs).
        shapes = {shape(a) for a in args if a is not type(None) and not _wrapper(a)}
        shapes.discard("")
        return " | ".join(sorted(shapes))
    if origin is pulumi.Output:
        return shape(args[0])
    if origin in (list, collections.abc.Sequence):
        return f"list[{shape(args[0])}]"
    if origin in (dict, collections.abc.Mapping) or hint in (dict, Any):
        return "dict"
    if origin is typing.Literal:
        return "literal:" + ",".join(map(str, args))
    return _named(hint)


def _wrapper(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    return origin in (collections.abc.Awaitable, pulumi.Output) or isinstance(
        hint, typing.ForwardRef
    )


def _named(hint: Any) -> str:
    if hint is SecretStr:
        return "str"
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return f"model:{hint.__name__}"
    name = getattr(hint, "__name__", str(hint))
    for suffix in ("ArgsDict", "Args"):
        if name.endswith(suffix) and name != suffix:
            return f"model:{name.removesuffix(suffix)}"
    if name in OUTPUT_MODELS:
        return f"model:{OUTPUT_MODELS[name].__name__}"
    return name


def field_shape(model: type[BaseModel], name: str) -> str:
    return shape(model.model_fields[name].annotation)


def _arg_fields(model: type[BaseModel]) -> dict[str, str]:
    """What a program may give of a model: its fields by property name (not the resource's
    own `type`, not what the server or the package sets)."""
    out = {}
    for name, info in model.model_fields.items():
        meta = [m for m in info.metadata if type(m).__name__ == "Prop"]
        if meta and (meta[0].internal or meta[0].output):
            continue
        out[name.rstrip("_")] = field_shape(model, name)
    return out


def _namespace(module: str) -> dict[str, Any]:
    """A module's names, and Pulumi's own (`pulumi.Input` refers to "Output[T]" by name)."""
    return vars(pulumi.output) | vars(pulumi) | vars(sys.modules[module])


def _hints(cls: Any) -> dict[str, Any]:
    namespace = _namespace(cls.__module__)
    return typing.get_type_hints(cls, globalns=namespace, localns=namespace)


# --- Args and ArgsDicts ----------------------------------------------------------------------


def _user_models() -> list[type[BaseModel]]:
    """Every model whose fields a program sets: specs, settings, and the models nested in them."""
    found: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [
        m for _, spec, settings, _, _ in RESOURCES for m in (spec, settings)
    ]
    while todo:
        model = todo.pop()
        if model in found:
            continue
        found.append(model)
        for info in model.model_fields.values():
            todo += [m for m in _models_in(info.annotation) if m not in found]
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models_in(a)]


def _nested() -> list[type[BaseModel]]:
    """Every model nested in a resource's spec (each has an Args and an ArgsDict)."""
    tops = {m for _, spec, settings, _, _ in RESOURCES for m in (spec, settings)}
    return [m for m in _user_models() if m not in tops]


@pytest.mark.parametrize("model", _nested(), ids=lambda m: m.__name__)
def test_nested_args_and_args_dicts_are_the_models_fields(model: type[BaseModel]) -> None:
    args = getattr(polaris, f"{model.__name__}Args")
    td = getattr(polaris, f"{model.__name__}ArgsDict")
    expected = _arg_fields(model)
    assert {k: shape(v) for k, v in _hints(args).items()} == expected
    assert {k: shape(v) for k, v in _hints(td).items()} == expected
    required = {
        n.rstrip("_")
        for n, f in model.model_fields.items()
        if f.is_required() or any(getattr(m, "required", False) for m in f.metadata)
    }
    # At run time TypedDict cannot tell NotRequired in postponed annotations: read the hints.
    namespace = _namespace(td.__module__)
    extras = typing.get_type_hints(td, globalns=namespace, localns=namespace, include_extras=True)
    optional = {k for k, v in extras.items() if typing.get_origin(v) is typing.NotRequired}
    assert set(extras) - optional == required
    no_default = {f.name for f in dataclasses.fields(args) if f.default is dataclasses.MISSING}
    assert no_default == required


@pytest.mark.parametrize("res", RESOURCES, ids=lambda r: r[0].__name__)
def test_resource_args_are_the_spec_and_the_settings(res: tuple[Any, ...]) -> None:
    resource, spec, settings, _, _ = res
    args = getattr(polaris, f"{resource.__name__}Args")
    expected = _arg_fields(spec) | _arg_fields(settings)
    assert {k: shape(v) for k, v in _hints(args).items()} == expected


# --- overloads -------------------------------------------------------------------------------


@pytest.mark.parametrize("res", RESOURCES, ids=lambda r: r[0].__name__)
def test_overloads_take_an_args_object_or_each_argument(res: tuple[Any, ...]) -> None:
    resource = res[0]
    args = getattr(polaris, f"{resource.__name__}Args")
    first, second = typing.get_overloads(resource.__init__)
    module = _namespace(resource.__mro__[1].__module__)
    first_hints = typing.get_type_hints(first, globalns=module, localns=module)
    assert first_hints["args"] is args
    keywords = [
        p.name
        for p in inspect.signature(second).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    hints = typing.get_type_hints(second, globalns=module, localns=module)
    assert {k: shape(hints[k]) for k in keywords} == {k: shape(v) for k, v in _hints(args).items()}


# --- outputs ---------------------------------------------------------------------------------


def _output_annotations(resource: Any) -> dict[str, Any]:
    """Every output annotation of a resource: the runtime ones, and those written for type
    checkers only (`if TYPE_CHECKING:`), evaluated here."""
    base = resource.__mro__[1]
    module = sys.modules[base.__module__]
    found = {k: v for k, v in _hints(base).items() if k in base.__annotations__}
    tree = ast.parse(inspect.getsource(base))
    namespace = _namespace(module.__name__) | vars(_outputs)
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    found[stmt.target.id] = eval(ast.unparse(stmt.annotation), namespace)  # noqa: S307
    return found


@pytest.mark.parametrize("res", RESOURCES, ids=lambda r: r[0].__name__)
def test_output_annotations_are_what_the_provider_outputs(res: tuple[Any, ...]) -> None:
    resource, spec, settings, response, outputs = res
    annotations = _output_annotations(resource)
    internal = set(outputs) - set(_arg_fields(settings)) - set(_model_outputs(settings))
    internal &= set(settings.model_fields)  # set by the package itself, never shown
    assert set(annotations) == set(outputs) - internal
    for name, hint in annotations.items():
        field = "id" if name == "table_id" else ("schema_" if name == "schema" else name)
        model = next(
            m for m in (response, spec, settings) if m is not None and field in m.model_fields
        )
        assert shape(hint) == _as_output(field_shape(model, field)), name


def _as_output(want: str) -> str:
    """An object output is a plain dict, typed by its TypedDict where the model has one."""
    names = {m.__name__ for m in OUTPUT_MODELS.values()}
    for model in re.findall(r"model:(\w+)", want):
        if model not in names:
            want = want.replace(f"model:{model}", "dict")
    return want


def _model_outputs(model: type[BaseModel]) -> list[str]:
    return [
        n
        for n, f in model.model_fields.items()
        if any(type(m).__name__ == "Prop" and m.output for m in f.metadata)
    ]


def test_output_dicts_are_the_models_fields() -> None:
    for name, model in OUTPUT_MODELS.items():
        td = getattr(polaris, name)
        assert {k: shape(v) for k, v in _hints(td).items()} == {
            k.rstrip("_"): field_shape(model, k) for k in model.model_fields
        }, name


# --- words users see on hover ------------------------------------------------------------------


def test_every_field_users_set_says_what_it_is() -> None:
    """The generated Args carry these docstrings: an editor shows them on hover."""
    silent = [
        f"{model.__name__}.{name}"
        for model in _user_models()
        for name, info in model.model_fields.items()
        if name in {**_arg_fields(model)} or name.rstrip("_") in _arg_fields(model)
        if not (info.description or "").strip()
    ]
    assert silent == []


def test_nested_args_are_described_in_words() -> None:
    """Not only the OpenAPI schema's name ("TableJobTargetV2.")."""
    terse = [
        m.__name__
        for m in _user_models()
        if len((m.__doc__ or "").split()) < 4 or re.fullmatch(r"\w+\.", (m.__doc__ or "").strip())
    ]
    assert terse == []
