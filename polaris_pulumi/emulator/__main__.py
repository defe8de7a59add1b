"""`python -m polaris_pulumi.emulator` / `polaris-emulator`: serve the emulator."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

import uvicorn

from polaris_pulumi.emulator.api._app import ALL_PERMISSIONS, EmulatorConfig, Faults, create_app
from polaris_pulumi.emulator.api._core import SettableClock
from polaris_pulumi.emulator.api._gate import LOOPBACK_NAMES
from polaris_pulumi.emulator.kafka.broker import is_loopback
from polaris_pulumi.emulator.state._store import StoreFormatError


def _api_key(value: str) -> tuple[str, frozenset[str]]:
    key, sep, perms = value.partition("=")
    if not sep:
        return key, ALL_PERMISSIONS
    chosen = frozenset(p for p in perms.split(",") if p)
    unknown = chosen - ALL_PERMISSIONS
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown permissions {sorted(unknown)}")
    return key, chosen


class _Defaults(argparse.ArgumentDefaultsHelpFormatter):
    """Each flag's default in its help, unless the help says it or there is none."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or action.default in (None, [], False, argparse.SUPPRESS):
            return text
        return super()._get_help_string(action)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="polaris-emulator", description=__doc__, formatter_class=_Defaults
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (other than loopback: $POLARIS_EMULATOR_ADMIN_TOKEN is required)",
    )
    p.add_argument(
        "--kafka-broker",
        metavar="HOST:PORT",
        help="a local Kafka broker (python -m polaris_pulumi.emulator.kafka.broker): connection tests "
        "and jobs then use real Kafka (default: the simulated Kafka)",
    )
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("--db", default=".polaris-emulator/polaris.db", help="SQLite file")
    p.add_argument(
        "--api-key",
        action="append",
        type=_api_key,
        default=[],
        metavar="KEY[=PERM,...]",
        help="accepted API key, optionally limited to permissions (default: $POLARIS_API_KEY)",
    )
    p.add_argument("--bearer-token", action="append", default=[], help="accepted OAuth token")
    p.add_argument(
        "--project-id",
        default=os.environ.get("POLARIS_PROJECT_ID", "demo-project"),
        help="the one project it serves ($POLARIS_PROJECT_ID, else demo-project)",
    )
    p.add_argument("--job-start-delay", type=float, default=1.0, help="seconds pending -> running")
    p.add_argument(
        "--job-cancel-delay", type=float, default=0.5, help="seconds canceling -> canceled"
    )
    for status in (429, 503, 500):
        p.add_argument(
            f"--rate-{status}",
            type=float,
            default=0.0,
            help=f"probability that a request is answered {status} before it is handled",
        )
    p.add_argument(
        "--lost-write-rate", type=float, default=0.0, help="writes committed, answer lost"
    )
    p.add_argument("--latency-ms", type=float, default=0.0, help="added to every API request")
    p.add_argument("--retry-after", type=float, default=1.0, help="Retry-After of injected 429s")
    p.add_argument("--seed", type=int, default=None, help="seeds the fault dice (replayable)")
    p.add_argument(
        "--settable-clock",
        action="store_true",
        help='let POST /_emulator/clock {"advance": seconds} move the clock forward (tests)',
    )
    p.add_argument("--ready-file", type=Path, help="write the base URL here once serving")
    p.add_argument("--log-level", default="warning", help="uvicorn's log level")
    return p


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = _parser()
    args = p.parse_args(argv)
    if not args.api_key:
        env_key = os.environ.get("POLARIS_API_KEY")
        if not env_key:
            p.error("give --api-key or set POLARIS_API_KEY")
        args.api_key = [(env_key, ALL_PERMISSIONS)]
    # Through the environment, not the command line (`ps` shows that).
    args.admin_token = os.environ.get("POLARIS_EMULATOR_ADMIN_TOKEN") or None
    if not is_loopback(args.host) and args.admin_token is None:
        p.error(
            f"--host {args.host} is not loopback: set POLARIS_EMULATOR_ADMIN_TOKEN, which the "
            "admin endpoints (/_emulator/...) then require as a bearer token"
        )
    if args.kafka_broker is not None:
        host = args.kafka_broker.rpartition(":")[0].strip("[]")
        if not is_loopback(host):
            p.error(f"--kafka-broker {args.kafka_broker}: the local broker is on loopback only")
    return args


def served_hosts(host: str) -> frozenset[str] | None:
    """The Host names requests may use: on loopback, loopback's names and the bound address
    (a web page on another name is refused: DNS rebinding); beyond it, any (the admin token
    guards the admin endpoints, and an API key the API)."""
    if not is_loopback(host):
        return None
    return LOOPBACK_NAMES | {host}


def _config(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        db_path=args.db,
        api_keys=dict(args.api_key),
        bearer_tokens=frozenset(args.bearer_token),
        project_id=args.project_id,
        job_start_delay=args.job_start_delay,
        job_cancel_delay=args.job_cancel_delay,
        faults=Faults(
            rate_429=args.rate_429,
            rate_503=args.rate_503,
            rate_500=args.rate_500,
            lost_write_rate=args.lost_write_rate,
            latency_ms=args.latency_ms,
            retry_after_seconds=args.retry_after,
            seed=args.seed,
        ),
        kafka_broker=args.kafka_broker,
        admin_token=args.admin_token,
        allowed_hosts=served_hosts(args.host),
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # Every file the emulator writes (its database holds connection passwords, in plaintext:
    # it logs in to Kafka with them) is its owner's only, WAL and journal files included.
    os.umask(0o077)
    if args.db != ":memory:":
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    config = _config(args)
    if args.settable_clock:
        config.clock = SettableClock()
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it every answer waited for a delayed ACK (about 40 ms a request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        sys.exit(
            f"polaris-emulator: cannot listen on {args.host}:{args.port}: {exc.strerror}. Another "
            "process holds the port (an emulator started earlier? `bash scripts/demo.sh stop` "
            "stops the demo's); choose another with --port (the demo: POLARIS_EMULATOR_PORT)."
        )
    host, port = sock.getsockname()[:2]
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    try:
        app = create_app(config)
    except StoreFormatError as exc:
        sys.exit(f"polaris-emulator: {exc}")
    server = uvicorn.Server(uvicorn.Config(app, log_level=args.log_level, access_log=False))
    if args.ready_file:
        original_startup = server.startup

        async def startup(sockets: list[socket.socket] | None = None) -> None:
            await original_startup(sockets)
            tmp = args.ready_file.with_suffix(".tmp")
            tmp.write_text(url)
            tmp.replace(args.ready_file)

        server.startup = startup  # type: ignore[method-assign]
    kafka = f"Kafka broker {args.kafka_broker}" if args.kafka_broker else "simulated Kafka"
    print(
        f"Polaris emulator on {url} (project {config.project_id}, db {args.db}, {kafka})",
        file=sys.stderr,
    )
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
