"""Apache Druid's own QA suites (quidem files, vendored in tests/druid_qa) against the local
Polaris: every case that held when `tests/druid_qa/holding.txt` was written still holds.
The list only grows: `python -m tests.druid_qa.run --update` adds new passes, and prints the
per-file table of cases, passes and failures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.druid_qa.quidem import SUITES, read, suites
from tests.druid_qa.run import Endpoint, Verdict, kept, loaded

HOLDING = kept()
# The files with a case that holds (a file none of whose cases holds yet has nothing to keep:
# docs/emulator.md says why).
FILES = [
    p
    for p in suites()
    if any(k.startswith(f"{p.relative_to(SUITES).as_posix()}:") for k in HOLDING)
]


@pytest.fixture(scope="session")
def _loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Endpoint]]:
    """One emulator per dataset and worker, loaded when a file first needs it."""
    with ExitStack() as stack:

        class Lazy(dict[str, Endpoint]):
            def __missing__(self, dataset: str) -> Endpoint:
                workdir = tmp_path_factory.mktemp(dataset.replace("/", "-"))
                self[dataset] = stack.enter_context(loaded(dataset, workdir))
                return self[dataset]

        yield Lazy()


def test_the_holding_list_names_only_vendored_cases() -> None:
    cases = {f"{s.file}:{c.ident}" for s in map(read, suites()) for c in s.cases}
    assert HOLDING, "tests/druid_qa/holding.txt lists no case"
    assert cases >= HOLDING, sorted(HOLDING - cases)[:10]


# A dataset's files stay on one worker (xdist_group): each dataset is loaded once a run.
PARAMS = [
    pytest.param(
        p,
        marks=pytest.mark.xdist_group(f"druid-qa-{read(p).dataset}"),
        id=p.relative_to(SUITES).as_posix(),
    )
    for p in FILES
]


@pytest.mark.parametrize("path", PARAMS)
def test_druid_qa_cases_that_held_still_hold(path: Path, _loaded: dict[str, Endpoint]) -> None:
    suite = read(path)
    held = [c for c in suite.cases if f"{suite.file}:{c.ident}" in HOLDING]
    endpoint = _loaded[suite.dataset]
    lost = [v for v in (Verdict(c, endpoint.ask(c)) for c in held) if not v.holds]
    assert not lost, "\n".join(
        f"{v.key}: {v.case.sql}\n  Druid: {v.case.expected[:8]}\n  got: {v.answer.error or v.answer.rows[:8]}"
        for v in lost[:5]
    )
