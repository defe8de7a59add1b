"""The long fuzz run: N generated requests against the emulator (`tests/api_fuzz.py`), each
checked for no 5xx and nothing half-stored; prints how they were answered.

    .venv/bin/python -m benchmarks.fuzz_api [--examples 5000] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

from hypothesis import HealthCheck, given, seed, settings

from tests.api_fuzz import Fuzzed, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    target = Fuzzed()

    @seed(args.seed)
    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=requests())
    def run(request: tuple[str, str, object]) -> None:
        target.check(*request)

    started = time.perf_counter()
    try:
        run()
    finally:
        target.close()
    seconds = time.perf_counter() - started
    total = sum(target.statuses.values())
    print(f"\n{total} generated requests in {seconds:.1f} s (seed {args.seed})\n")
    print("| status | requests |")
    print("|---|---|")
    for status, n in sorted(target.statuses.items()):
        print(f"| {status} | {n} |")
    print("\nno 5xx, nothing half-stored")


if __name__ == "__main__":
    main()
