"""The mechanism that makes our errors reach the CLI as one paragraph, held to the installed
Pulumi SDK: if a new SDK stops formatting provider errors with `traceback.format_exc()` in
`pulumi.dynamic.__main__`, these tests fail and polaris_pulumi/_engine.py must follow."""

from __future__ import annotations

import ast
import importlib.util
import traceback
import types
from pathlib import Path
from typing import Any

import grpc
import pytest

from polaris_pulumi._engine import DYNAMIC_HOST, errors_as_messages
from polaris_pulumi.api import AuthenticationError, PolarisProviderError


def _host_source() -> tuple[str, ast.Module]:
    spec = importlib.util.find_spec(DYNAMIC_HOST)
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text()
    return source, ast.parse(source)


def test_the_sdk_formats_provider_errors_with_traceback_format_exc() -> None:
    _, tree = _host_source()
    imported = {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    assert "traceback" in imported  # a module-level name, looked up at call time
    (wrapper,) = [
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_abort_with_traceback"
    ]
    calls = {ast.unparse(c) for c in ast.walk(wrapper) if isinstance(c, ast.Call)}
    assert "context.abort(grpc.StatusCode.UNKNOWN, traceback.format_exc())" in calls
    # Every provider method goes through it.
    decorated = {
        f.name
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef)
        for f in [n]
        if any(ast.unparse(d) == "_abort_with_traceback" for d in n.decorator_list)
    }
    assert {"Check", "Diff", "Create", "Read", "Update", "Delete"} <= decorated


class _Context:
    def __init__(self) -> None:
        self.aborted: tuple[Any, str] | None = None

    def abort(self, code: Any, details: str) -> None:
        self.aborted = (code, details)


def _real_wrapper() -> tuple[types.ModuleType, Any]:
    """The SDK's own `_abort_with_traceback`, compiled into a namespace like the host's."""
    source, tree = _host_source()
    (node,) = [
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_abort_with_traceback"
    ]
    host = types.ModuleType("fake_host")
    host.__dict__.update(traceback=traceback, grpc=grpc)
    exec(compile(ast.Module(body=[node], type_ignores=[]), "<host>", "exec"), host.__dict__)
    return host, host._abort_with_traceback


@pytest.mark.parametrize(
    "error",
    [
        PolarisProviderError(
            "table 'events' is protected (deletion_protection): nothing was deleted."
        ),
        AuthenticationError(
            method="GET", path="/connections", status_code=401, message="Unauthorized"
        ),
    ],
)
def test_our_errors_reach_the_engine_as_their_message(error: Exception) -> None:
    host, wrap = _real_wrapper()
    assert errors_as_messages(host)

    def method(self: object, request: object, context: object) -> None:
        raise error

    context = _Context()
    wrap(method)(None, None, context)
    assert context.aborted == (grpc.StatusCode.UNKNOWN, str(error))


def test_a_bug_keeps_its_traceback() -> None:
    host, wrap = _real_wrapper()
    assert errors_as_messages(host)

    def method(self: object, request: object, context: object) -> None:
        raise KeyError("bug")

    context = _Context()
    wrap(method)(None, None, context)
    assert context.aborted is not None
    assert context.aborted[1].startswith("Traceback (most recent call last):")
    assert "KeyError: 'bug'" in context.aborted[1]


def test_nothing_changes_outside_the_dynamic_provider_host() -> None:
    assert errors_as_messages() is False  # pytest's __main__ is not the host
    assert errors_as_messages(types.ModuleType("other")) is False
