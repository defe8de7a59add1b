"""Druid's QA suites against the local Polaris: each dataset loaded into an emulator of its
own through the public API, every case sent to the query API, judged by quidem's rules.

    python -m tests.druid_qa.run [--update] [--only SUBSTRING] [--show N]

prints a table per file (cases, pass, wrong answer, error where Druid answers, answer where
Druid errors) and the total. `HOLDING` keeps the cases that hold: a run that loses one fails,
and `--update` adds the new ones (it never removes one).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx

from tests.druid_qa import datasets
from tests.druid_qa.quidem import HERE, Answer, Case, Suite, holds, read, render, suites
from tests.emulator_proc import EmulatorProcess

HOLDING = HERE / "holding.txt"


@dataclass
class Verdict:
    case: Case
    answer: Answer

    @cached_property
    def holds(self) -> bool:
        """Quidem's verdict, judged once (the report, the failures and the list all ask)."""
        return holds(self.case, self.answer)

    @property
    def outcome(self) -> str:
        if self.holds:
            return "pass"
        if self.case.kind == "error":
            return "answer" if self.answer.error is None else "wrong"
        return "error" if self.answer.error is not None else "wrong"

    @property
    def key(self) -> str:
        return f"{self.case.file}:{self.case.ident}"


class Endpoint:
    """A loaded emulator's query API."""

    def __init__(self, proc: EmulatorProcess) -> None:
        self.proc = proc
        self.http = httpx.Client(
            base_url=f"{proc.url}/v1/projects/{proc.project_id}",
            headers={"Authorization": f"Basic {proc.api_key}"},
            timeout=120,
        )

    def ask(self, case: Case) -> Answer:
        body = {
            "query": case.sql,
            "resultFormat": "array",
            "header": True,
            "sqlTypesHeader": True,
            "context": {"timeout": 20_000},
        }
        response = self.http.post("/query/sql", json=body)
        if response.status_code != 200:
            return Answer([], _error_text(response))
        rows = response.json()
        names, types, data = rows[0], rows[1], rows[2:]
        del names
        return Answer([[render(v, t) for v, t in zip(row, types, strict=True)] for row in data])


def _error_text(response: httpx.Response) -> str:
    """The error's message and its context (Druid's error shape names the exception's class
    there), as one text to look for Druid's words in."""
    try:
        body: Any = response.json()
    except ValueError:
        return f"{response.status_code} {response.text}"
    if not isinstance(body, dict):
        return str(body)
    parts = [str(body.get("errorMessage", "")), str(body.get("error", ""))]
    parts += [str(v) for v in (body.get("context") or {}).values()]
    return "\n".join(parts) + f"\n(HTTP {response.status_code})"


@contextmanager
def loaded(dataset: str, workdir: Path) -> Iterator[Endpoint]:
    """An emulator of its own holding the dataset, every row ingested."""
    with EmulatorProcess(workdir, flags=["--job-start-delay", "0"]).start() as proc:
        datasets.load(proc.url, proc.api_key, proc.project_id, dataset)
        proc.wait_ingested()
        endpoint = Endpoint(proc)
        yield endpoint
        endpoint.http.close()


def run(files: Iterable[Suite], endpoints: dict[str, Endpoint]) -> list[Verdict]:
    return [Verdict(c, endpoints[s.dataset].ask(c)) for s in files for c in s.cases]


def kept() -> set[str]:
    if not HOLDING.exists():
        return set()
    return {x for x in HOLDING.read_text().splitlines() if x and not x.startswith("#")}


def report(verdicts: list[Verdict]) -> str:
    by_file: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for v in verdicts:
        by_file[v.case.file][v.outcome] += 1
    head = f"{'file':<52} {'cases':>6} {'pass':>6} {'wrong':>6} {'error':>6} {'answer':>6}"
    lines = [head, "-" * len(head)]
    total: dict[str, int] = defaultdict(int)
    for name in sorted(by_file):
        c = by_file[name]
        n = sum(c.values())
        lines.append(
            f"{name:<52} {n:>6} {c['pass']:>6} {c['wrong']:>6} {c['error']:>6} {c['answer']:>6}"
        )
        for k, x in c.items():
            total[k] += x
    n = sum(total.values())
    lines.append("-" * len(head))
    lines.append(
        f"{'total':<52} {n:>6} {total['pass']:>6} {total['wrong']:>6} {total['error']:>6} "
        f"{total['answer']:>6}   {100 * total['pass'] / max(n, 1):.1f}% hold"
    )
    wrapped = sum(1 for v in verdicts if _harness_only(v) and v.answer.error is not None)
    lines.append(
        f"{wrapped} more are refused by both engines where Druid's text is only its JDBC "
        f"harness's wrapper class, {HARNESS_CLASS}; counting them, "
        f"{100 * (total['pass'] + wrapped) / max(n, 1):.1f}% hold"
    )
    return "\n".join(lines)


# Druid's quidem harness wraps every failure (planning ones too) in this class, and some
# `!error` cases expect only its name: its HTTP API, which Polaris' query API is, never says it.
HARNESS_CLASS = "QueryInterruptedException"


def _harness_only(v: Verdict) -> bool:
    expected = [x.strip() for x in v.case.expected if x.strip()]
    return v.case.kind == "error" and expected == [HARNESS_CLASS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--update", action="store_true", help="add the new passes to the list")
    parser.add_argument("--only", default="", help="only files whose path holds this")
    parser.add_argument("--show", type=int, default=0, help="print this many failures")
    args = parser.parse_args(argv)
    files = [read(p) for p in suites() if args.only in str(p)]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        endpoints = {
            d: stack.enter_context(loaded(d, Path(tmp) / d.replace("/", "-")))
            for d in sorted({s.dataset for s in files})
        }
        verdicts = run(files, endpoints)
    print(report(verdicts))
    for v in [v for v in verdicts if not v.holds][: args.show]:
        print(f"\n--- {v.key} ({v.outcome})\n{v.case.sql}\nwant: {v.case.expected[:12]}")
        print(f"got:  {v.answer.error or v.answer.rows[:10]}")
    holding, passing = kept(), {v.key for v in verdicts if v.holds}
    ran = {s.file for s in files}
    lost = sorted(k for k in holding if k.split(":")[0] in ran and k not in passing)
    if args.update:
        HOLDING.write_text(
            "# Generated by tests/druid_qa/run.py --update: do not edit.\n"
            + "\n".join(sorted(holding | passing))
            + "\n"
        )
    if lost:
        print(f"\n{len(lost)} case(s) that held no longer hold:", *lost[:50], sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
