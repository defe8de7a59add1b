"""The real CLI, language host and dynamic-provider launcher, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pulumi_cli import Pulumi, cli_path, write_program

pytestmark = pytest.mark.e2e

# A dynamic resource with a visible side effect: a file whose content is an input.
PROGRAM = """
import os
import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

class FileProvider(ResourceProvider):
    def create(self, props):
        with open(props["path"], "w") as f:
            f.write(props["content"])
        return CreateResult(id_=props["path"], outs=dict(props))

    def diff(self, id, olds, news):
        changed = olds.get("content") != news.get("content")
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def update(self, id, olds, news):
        with open(news["path"], "w") as f:
            f.write(news["content"])
        return UpdateResult(outs=dict(news))

    def delete(self, id, props):
        os.remove(props["path"])

class File(Resource):
    def __init__(self, name, path, content, opts=None):
        super().__init__(FileProvider(), name, {"path": path, "content": content}, opts)

config = pulumi.Config()
f = File("greeting", config.require("path"), config.get("content") or "hello")
pulumi.export("path", f.path)
pulumi.export("content", f.content)
"""


def test_cli_version_matches_pinned_sdk() -> None:
    import subprocess
    from importlib.metadata import version

    out = subprocess.run([str(cli_path()), "version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "v" + version("pulumi")


def test_up_preview_update_destroy(tmp_path: Path) -> None:
    target = tmp_path / "greeting.txt"
    pulumi = Pulumi(write_program(tmp_path / "prog", PROGRAM), tmp_path / "state")
    pulumi.init()
    pulumi.config_set("path", str(target))

    pulumi.up()
    assert target.read_text() == "hello"
    assert pulumi.outputs() == {"path": str(target), "content": "hello"}

    pulumi.preview("--expect-no-changes")

    pulumi.config_set("content", "bonjour")
    result = pulumi.up()
    assert "1 updated" in result.output
    assert target.read_text() == "bonjour"

    pulumi.destroy()
    assert not target.exists()
    assert [r["type"] for r in pulumi.resources()] == []
    pulumi.stack_rm()
    # The file backend keeps nothing of a removed stack.
    stacks = json.loads(pulumi.run("stack", "ls", "--json").stdout)
    assert stacks == []
