"""A broker's watcher: it stops the broker when the process that owns it is gone, so that
nothing a killed test session (or any owner) started outlives it.

The broker runs in a session of its own, so a signal to its owner's process group never
reaches it; this small process, started beside it, polls the owner and the broker.

    python -m polaris_pulumi.emulator.kafka._watch --dir D --owner PID --broker PID
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from polaris_pulumi.emulator.kafka.broker import stop
from polaris_pulumi.emulator.state._owned import alive

POLL = 0.5  # seconds between looks at the owner


def watch(directory: Path, owner: int, broker: int) -> None:
    """Until the broker is gone: when the owner is, stop the broker."""
    while alive(broker):
        if not alive(owner):
            stop(directory)
            return
        time.sleep(POLL)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog=f"python -m {__name__}", description=__doc__)
    p.add_argument("--dir", type=Path, required=True)
    p.add_argument("--owner", type=int, required=True)
    p.add_argument("--broker", type=int, required=True)
    args = p.parse_args(argv)
    watch(args.dir, args.owner, args.broker)


if __name__ == "__main__":
    main()
