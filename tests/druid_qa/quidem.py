"""Apache Druid's quidem files (`.iq`), read as quidem reads them, and an answer judged by
quidem's rules.

A file is a run of commands (`!set`, `!use`), comments (`#`), SQL statements (lines up to
one ending in `;`) and the output each command after a statement checks: `!ok` compares the
rows (a MySQL-style table), `!error` holds when the statement fails with a message
containing the text. Other checks (`!nativePlan`, `!plan`) are Druid's own plans: not counted.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SUITES = HERE / "quidem"
DATASETS = HERE / "datasets"


@dataclass
class Case:
    """One statement and what Druid answers to it: rows (`!ok`) or an error's text."""

    file: str
    ident: str  # TEST_ID, made unique within its file
    sql: str
    kind: str  # "ok" or "error"
    expected: list[str]  # the output's lines as the file has them
    settings: dict[str, str] = field(default_factory=dict)


@dataclass
class Suite:
    file: str
    dataset: str  # the folder under `datasets/` its `!use` names
    cases: list[Case]


_USE = re.compile(r"datasets=sql/src/test/quidem/qatests/([^&\s]+)")
_TEST_ID = re.compile(r"TEST_ID:\s*(\S+)")


def read(path: Path) -> Suite:
    """The cases of one `.iq` file, in order."""
    name = path.relative_to(SUITES).as_posix()
    dataset, settings = "", {}
    cases: list[Case] = []
    buffer: list[str] = []
    sql: str | None = None
    test_id, seen = "case", Counter[str]()
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            if m := _TEST_ID.search(line):
                test_id = m.group(1)
            continue
        if line.startswith("!"):
            command, _, arg = line[1:].partition(" ")
            if command == "use" and (m := _USE.search(arg)):
                dataset = m.group(1)
            elif command == "set":
                key, _, value = arg.partition(" ")
                settings[key] = value
            elif command in ("ok", "error") and sql is not None:
                seen[test_id] += 1
                ident = test_id if seen[test_id] == 1 else f"{test_id}#{seen[test_id]}"
                cases.append(Case(name, ident, sql, command, buffer, dict(settings)))
            buffer = []
            continue
        if sql is None or buffer or line.strip():
            buffer.append(line)
        if line.rstrip().endswith(";") and not _is_output(buffer):
            sql = "\n".join(x for x in buffer if x.strip()).rstrip().rstrip(";")
            buffer = []
    return Suite(name, dataset, cases)


def _is_output(lines: list[str]) -> bool:
    first = next((x for x in lines if x.strip()), "")
    return first.startswith("+") or first.startswith("(")


def suites() -> list[Path]:
    return sorted(SUITES.rglob("*.iq"))


# The answer as Druid's quidem prints it: a MySQL-style table of strings per cell.


def table(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    """Column names and rows of a MySQL-style table (cells cut at the border's `+`)."""
    borders = [x for x in lines if x.startswith("+")]
    if not borders:
        return [], []
    cuts = [i for i, c in enumerate(borders[0]) if c == "+"]
    body = [x for x in lines if x.startswith("|")]

    def cells(line: str) -> list[str]:
        return [line[a + 1 : b].strip() for a, b in zip(cuts, cuts[1:], strict=False)]

    header, rows = (cells(body[0]), [cells(x) for x in body[1:]]) if body else ([], [])
    return header, rows


def render(value: Any, sql_type: str) -> str:
    """A value of the query API's answer as Druid's quidem prints it."""
    if value is None:
        return ""
    if sql_type == "TIMESTAMP" and isinstance(value, str):
        return value.replace("T", " ").rstrip("Z")
    if isinstance(value, bool):
        return "true" if value else "false"
    if sql_type in ("OTHER", "COMPLEX<json>") and not isinstance(value, str):
        return json.dumps(value, separators=(",", ":"))  # JSON, compact
    if isinstance(value, list):
        return "[" + ", ".join(_element(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _element(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _canonical(cell: str) -> str:
    """Numbers within 1e-6 compare equal (quidem's tolerance for doubles): each number in the
    cell rounded, integers kept whole."""

    def number(m: re.Match[str]) -> str:
        x = float(m.group(0))
        if math.isfinite(x) and x == int(x) and abs(x) < 2**53:
            return str(int(x))
        return f"{x:.6g}" if abs(x) >= 1e6 else f"{round(x, 6)!r}"

    return _NUMBER.sub(number, cell)


def ordered(sql: str) -> bool:
    """Whether the statement orders its answer at the top level (only then is order kept):
    an ORDER BY outside every parenthesis and quote (a subquery's, a window's or a CTE's is
    inside one)."""
    depth, quote, top = 0, "", []
    for ch in sql:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        top.append(ch if depth == 0 and ch != ")" else " ")
    return re.search(r"\bORDER\s+BY\b", "".join(top), re.IGNORECASE) is not None


def holds(case: Case, answer: Answer) -> bool:
    """Quidem's verdict: the same rows (a multiset, or a list under ORDER BY), or, for
    `!error`, an error whose message contains Druid's text."""
    if case.kind == "error":
        want = "\n".join(x for x in case.expected if x.strip()).strip()
        return answer.error is not None and want in answer.error
    if answer.error is not None:
        return False
    _, rows = table(case.expected)
    want_rows = [tuple(_canonical(c) for c in row) for row in rows]
    got_rows = [tuple(_canonical(c) for c in row) for row in answer.rows]
    if ordered(case.sql):
        return want_rows == got_rows
    return Counter(want_rows) == Counter(got_rows)


@dataclass
class Answer:
    rows: list[list[str]]
    error: str | None = None
