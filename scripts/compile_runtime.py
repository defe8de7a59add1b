"""Compiles the packages that Pulumi's Python processes (the language host, programs and
dynamic providers) import, which run with bytecode writing off: without .pyc files they would
compile each module on every start. Run by bootstrap after an install."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

RUNTIME = [
    "pulumi",
    "pulumi.dynamic",  # its __main__ would serve: the package is compiled whole anyway
    "grpc",
    "pulumi_confluentcloud",
    "polaris_pulumi.connections._provider",
    "polaris_pulumi.jobs._provider",
    "polaris_pulumi.tables._provider",
    "polaris_pulumi._mocked_up",
]


def main() -> None:
    for name in RUNTIME:
        importlib.import_module(name)
    site = Path(sys.prefix)
    tops = set()
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and Path(file).is_relative_to(site) and "site-packages" in file:
            rel = Path(file).relative_to(site).parts
            at = rel.index("site-packages")
            tops.add(site.joinpath(*rel[: at + 2]))
    # A fresh process compiles them: this one runs gRPC's threads, which a fork would hang.
    done = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", *map(str, sorted(tops))]
    )
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
