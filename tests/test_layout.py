"""The house: a room per resource, imports that only run down, no cycles, small modules and
functions, and an emulator that stands alone (no Pulumi, no provider, no preview rule)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from polaris_pulumi._kinds import KINDS

PACKAGE = Path(__file__).resolve().parents[1] / "polaris_pulumi"
ROOMS = tuple(kind.room for kind in KINDS)
# What the emulator may never load: Pulumi, the providers and resources, and the preview rules.
NOT_FOR_THE_EMULATOR = (
    "pulumi",
    "polaris_pulumi._base_provider",
    "polaris_pulumi._unknowns",
    "polaris_pulumi._rules",
    "polaris_pulumi._registry",
    "polaris_pulumi._declare",
    "polaris_pulumi._client",
    *(
        f"polaris_pulumi.{room}.{part}"
        for room in ROOMS
        for part in ("_provider", "_resource", "_rules", "_generated", "_api")  # and _bases
    ),
    "polaris_pulumi.jobs._formats",
    "polaris_pulumi.jobs._started",
    "polaris_pulumi.jobs._legacy",
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("polaris_pulumi", include_external_packages=True)


def _modules(graph: grimp.ImportGraph) -> list[str]:
    return sorted(m for m in graph.modules if m.startswith("polaris_pulumi"))


def test_no_import_cycle(graph: grimp.ImportGraph) -> None:
    cycles = [m for m in _modules(graph) if m in graph.find_upstream_modules(m)]
    assert cycles == []


def test_no_import_runs_back_up_to_the_package(graph: grimp.ImportGraph) -> None:
    # The package `__init__` loads its public names lazily; nothing imports it.
    assert graph.find_modules_that_directly_import("polaris_pulumi") == set()


def test_rooms_do_not_reach_into_each_other(graph: grimp.ImportGraph) -> None:
    """A job reads the table it writes to (its declared schema), so jobs may read the tables
    room's models; nothing else crosses between rooms."""
    allowed = {("jobs", "tables._model")}
    crossings = set()
    for room in ROOMS:
        for module in (m for m in _modules(graph) if m.startswith(f"polaris_pulumi.{room}.")):
            for imported in graph.find_modules_directly_imported_by(module):
                parts = imported.split(".")
                if len(parts) > 2 and parts[1] in ROOMS and parts[1] != room:
                    crossings.add((room, ".".join(parts[1:])))
    assert crossings <= allowed, crossings - allowed


def test_the_emulator_stands_alone(graph: grimp.ImportGraph) -> None:
    for module in (m for m in _modules(graph) if m.startswith("polaris_pulumi.emulator")):
        loaded = graph.find_upstream_modules(module)
        assert not [m for m in loaded if m.startswith(NOT_FOR_THE_EMULATOR)], module


# The emulator's layers, top down: a request's path (api) and a record's path (ingest, then
# kafka for the broker's side) run down to what is kept (state); nothing runs back up.
EMULATOR_LAYERS = ("api", "ingest", "kafka", "state")


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) > 3 and parts[1] == "emulator" and parts[2] in EMULATOR_LAYERS:
        return EMULATOR_LAYERS.index(parts[2])
    return None


def test_the_emulator_is_grouped_by_layer() -> None:
    top = {p.name for p in (PACKAGE / "emulator").iterdir() if p.suffix == ".py"}
    assert top <= {"__init__.py", "__main__.py"}, "emulator modules belong in a layer"
    for layer in EMULATOR_LAYERS:
        assert list((PACKAGE / "emulator" / layer).glob("*.py")), layer


def test_emulator_layers_only_import_downward(graph: grimp.ImportGraph) -> None:
    upward = set()
    for module in _modules(graph):
        here = _layer(module)
        if here is None:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            there = _layer(imported)
            if there is not None and there < here:
                upward.add((module, imported))
    assert upward == set()


def test_the_emulator_runs_without_pulumi() -> None:
    """Not only by the graph: importing the app really leaves Pulumi unloaded."""
    code = (
        "import sys; from polaris_pulumi.emulator import create_app, EmulatorConfig; "
        "create_app(EmulatorConfig()); "
        "print(sorted(m for m in sys.modules if m == 'pulumi' or m.startswith('pulumi.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_over_400_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _sources()
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert long == {}


def test_no_function_over_60_lines() -> None:
    long = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > 60:
                    long[f"{path.relative_to(PACKAGE)}:{node.name}"] = size
    assert long == {}


def test_each_room_holds_its_resource() -> None:
    for room in ROOMS:
        present = {p.stem for p in (PACKAGE / room).glob("_*.py")}
        parts = {"_model", "_rules", "_api", "_provider", "_resource", "_generated"}
        assert parts | {"_generated_bases"} <= present, room
