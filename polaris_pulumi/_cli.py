"""The `polaris-pulumi` command. `import` writes a live Polaris project as a Pulumi program
that adopts it: the program goes to `--out` or stdout, everything else to stderr.
`local start|status|stop` runs a local Polaris (an emulator and a Kafka broker) in your
project. `local deploy PROGRAM_DIR` brings a program up into it, with no cloud account."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from polaris_pulumi import _importer
from polaris_pulumi._client import PolarisClient
from polaris_pulumi._exceptions import PolarisError

EPILOG = """examples:
  # everything, with the provider's environment (POLARIS_URL, POLARIS_PROJECT_ID, POLARIS_API_KEY)
  polaris-pulumi import --out __main__.py
  # only the objects whose name matches, only connections and jobs, to stdout
  polaris-pulumi import --match '^orders' --kind connection,job
  # an explicit project
  polaris-pulumi import --url https://ORG.REGION.CLOUD.api.imply.io --project-id ID --out main.py

exit status: 0 when everything was imported; 3 when something could not be expressed (it is
listed on stderr and left as a comment in the program); 1 when Polaris could not be read;
2 for a usage error.
"""
SKIPPED = 3


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="polaris-pulumi", description=" ".join((__doc__ or "").split())
    )
    commands = root.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser(
        "import",
        help="write a live Polaris project as a Pulumi program that adopts it",
        description="Write a live Polaris project as a Pulumi Python program whose resources "
        "adopt what Polaris holds: its first `pulumi up` makes no change.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument(
        "--url",
        help="Polaris API URL (default: $POLARIS_URL, or $POLARIS_ORGANIZATION, $POLARIS_REGION and $POLARIS_CLOUD_PROVIDER)",
    )
    cmd.add_argument("--project-id", help="the project (default: $POLARIS_PROJECT_ID)")
    cmd.add_argument(
        "--api-key",
        help="an API key (default: $POLARIS_API_KEY; prefer the variable: a flag shows in `ps`)",
    )
    cmd.add_argument("--out", type=Path, help="where to write the program (default: stdout)")
    cmd.add_argument(
        "--match",
        type=re.compile,
        help="import only objects whose name matches this regular expression (a job's name is its table's)",
    )
    cmd.add_argument(
        "--kind",
        default=",".join(_importer.KIND_NAMES),
        help="comma-separated kinds to import: connection, table, job, lookup (default: all)",
    )
    cmd.add_argument(
        "--provider",
        help="write the objects as served by a polaris.Provider of this name (another project "
        "of the stack), read from config <name>Url, <name>ProjectId and <name>ApiKey",
    )
    _local_parser(commands)
    return root


def _local_parser(commands: Any) -> None:
    local = commands.add_parser(
        "local",
        help="run a local Polaris (an emulator and a real Kafka broker) for this project",
        description="Start, show or stop a local Polaris: a Kafka broker (Apache Kafka's jars, "
        "fetched and checked the first time; Java 17+ on PATH) and an emulator that "
        "ingests from it. `start` prints the `pulumi config set` lines and writes them, "
        "with the broker's address and a user to produce as, to <dir>/env (0600). `deploy "
        "PROGRAM` brings a program up into it under Pulumi's mocks, with no cloud account.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    local.add_argument("action", choices=["start", "status", "stop", "deploy"])
    local.add_argument(
        "program",
        nargs="?",
        type=Path,
        help="deploy: the program's directory (its Pulumi.yaml and __main__.py)",
    )
    local.add_argument("--dir", type=Path, default=Path(".polaris-local"), help="its state")
    local.add_argument("--port", type=int, default=0, help="the emulator's port (0: a free one)")
    local.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="deploy: a config value the program reads (repeat it)",
    )


def formatted(text: str) -> str:
    """The program through ruff's formatter, when ruff is installed (`polaris-pulumi[import]`)."""
    ruff = shutil.which("ruff")
    if ruff is None:
        try:
            from ruff.__main__ import find_ruff_bin  # type: ignore[import-not-found,import-untyped,unused-ignore]

            ruff = str(find_ruff_bin())
        except ImportError:
            print(
                "polaris-pulumi: ruff is not installed: the program is not formatted (pip install 'polaris-pulumi[import]')",
                file=sys.stderr,
            )
            return text
    run = subprocess.run(
        [ruff, "format", "--quiet", "-"], input=text, capture_output=True, text=True, check=False
    )
    return run.stdout if run.returncode == 0 else text


def run_import(args: argparse.Namespace) -> int:
    kinds = [k.strip() for k in args.kind.split(",") if k.strip()]
    if unknown := [k for k in kinds if k not in _importer.KIND_NAMES]:
        print(
            f"polaris-pulumi import: --kind {', '.join(unknown)}: the kinds are {', '.join(_importer.KIND_NAMES)}",
            file=sys.stderr,
        )
        return 2
    try:
        client = PolarisClient(api_key=args.api_key, url=args.url, project_id=args.project_id)
        selection = _importer.Selection(args.match, kinds, args.provider)
        program = _importer.build(client, selection)
    except PolarisError as exc:
        print(f"polaris-pulumi import: {exc}", file=sys.stderr)
        return 1
    text = formatted(_importer.source(program, f"{client.base_url}, project {client.project_id}"))
    if args.out is not None:
        args.out.write_text(text)
        print(
            f"polaris-pulumi import: wrote {len(program.blocks)} resources to {args.out}",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    for key, value in program.settings.items():
        print(f"  pulumi config set {key} {shlex.quote(value)}", file=sys.stderr)
    if program.secrets:
        print("Set the secrets Polaris never returns, then run `pulumi up`:", file=sys.stderr)
        for secret in program.secrets:
            print(f"  pulumi config set --secret {secret.key} '<{secret.what}>'", file=sys.stderr)
    for line in program.skipped:
        print(f"not imported: {line}", file=sys.stderr)
    return SKIPPED if program.skipped else 0


def run_local(args: argparse.Namespace) -> int:
    from polaris_pulumi import _local

    if args.action == "deploy":
        return run_deploy(args)
    if args.action == "stop":
        stopped = _local.stop(args.dir)
        print(f"polaris-pulumi local: {'stopped' if stopped else 'nothing was running'}")
        return 0
    if args.action == "status":
        found = _local.load(args.dir)
        if found is None:
            print(f"polaris-pulumi local: nothing runs from {args.dir}", file=sys.stderr)
            return 1
        print(f"emulator {found.url} (project {found.project_id}, pid {found.emulator_pid})")
        print(f"kafka broker {found.bootstrap} (user {found.kafka_user})")
        return 0
    try:
        local = _local.start(args.dir, args.port)
    except _local.LocalError as exc:
        print(f"polaris-pulumi local: {exc}", file=sys.stderr)
        return 1
    print("\n".join(local.config_lines()))
    print(
        f"# Kafka: {local.bootstrap}, SASL/PLAIN user {local.kafka_user}, password in {args.dir / 'env'}"
    )
    print(f"# all of it: set -a; . {args.dir / 'env'}; set +a")
    return 0


def run_deploy(args: argparse.Namespace) -> int:
    """`pulumi up` of a program into the running local Polaris, under Pulumi's mocks (as the
    pytest plugin's `deploy`): Confluent Cloud's resources are the local broker's, every
    Kafka connection reaches it; the stack's outputs are printed as JSON."""
    from polaris_pulumi import _local

    if args.program is None:
        print("polaris-pulumi local deploy: give the program's directory", file=sys.stderr)
        return 2
    if _local.load(args.dir) is None:
        print(
            f"polaris-pulumi local deploy: nothing runs from {args.dir}: "
            "run `polaris-pulumi local start` first",
            file=sys.stderr,
        )
        return 1
    if bad := [pair for pair in args.config if "=" not in pair]:
        print(f"polaris-pulumi local deploy: --config {bad[0]!r}: give KEY=VALUE", file=sys.stderr)
        return 2
    config = dict(pair.split("=", 1) for pair in args.config)
    done = subprocess.run(
        [sys.executable, "-m", "polaris_pulumi._mocked_up", str(args.program)],
        input=json.dumps(config),
        capture_output=True,
        text=True,
        env=os.environ | {"POLARIS_LOCAL_DIR": str(args.dir.resolve())},
    )
    if done.returncode != 0:
        print(f"polaris-pulumi local deploy: {done.stderr.strip()}", file=sys.stderr)
        return 1
    outputs = json.loads(done.stdout.strip().splitlines()[-1])["outputs"]
    print(json.dumps(outputs, indent=2, sort_keys=True, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    with _progress(args.command):
        if args.command == "local":
            return run_local(args)
        return run_import(args)


@contextlib.contextmanager
def _progress(command: str) -> Iterator[None]:
    """While the command runs: the client's warnings (a retry while Polaris does not answer),
    one line each, named as this command's, on stderr beside its own lines."""
    logger = logging.getLogger("polaris_pulumi")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"polaris-pulumi {command}: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


if __name__ == "__main__":
    sys.exit(main())
