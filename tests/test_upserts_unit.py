"""Upserts (issue 45): a job with `enableUpserts` keeps one row per key (compound keys too),
the one of the highest version (`__time` by default; of one version, the one that came last),
across batches; a batch that does not commit changes nothing; LOOKUP reads the winners; a key
or version column the job does not map is refused at create and at preview."""

from __future__ import annotations

from typing import Any

import pytest

from polaris_pulumi.emulator.ingest import _checkpoint
from polaris_pulumi.jobs._model import StreamingJobSpec
from polaris_pulumi.jobs._rules import job_problems
from tests import samples
from tests.pushed import BASE, Pushed

NOW_MS = 1_796_000_000_000
FIELDS = {"code": "string", "region": "string", "name": "string", "rev": "long", "ms": "long"}


def upserting(keys: list[str], version: str | None = "rev") -> dict[str, Any]:
    job = samples.stream_job(
        "c",
        "countries",
        FIELDS,
        {"code": '"code"', "region": '"region"', "name": '"name"', "rev": '"rev"'},
    )
    job["mappings"][0]["expression"] = 'MILLIS_TO_TIMESTAMP("ms")'
    job |= {"enableUpserts": True, "upsertKeyColumns": keys}
    if version is not None:
        job["upsertVersionColumn"] = version
    return job


def winners(events: list[dict[str, Any]], keys: list[str], version: str) -> list[dict[str, Any]]:
    """Computed here: per key, the event of the highest version; of equal ones, the last."""
    best: dict[tuple[Any, ...], dict[str, Any]] = {}
    for e in events:
        key = tuple(e[k] for k in keys)
        if key not in best or e[version] >= best[key][version]:
            best[key] = e
    return sorted(
        ({"code": e["code"], "region": e["region"], "name": e["name"]} for e in best.values()),
        key=lambda r: (r["code"], r["region"]),
    )


def stored(stack: Pushed) -> list[dict[str, Any]]:
    return list(
        stack.rows('SELECT "code", "region", "name" FROM "countries" ORDER BY "code", "region"')
    )


def event(code: str, name: str, rev: int, region: str = "eu", at: int = 0) -> dict[str, Any]:
    return {"code": code, "region": region, "name": name, "rev": rev, "ms": NOW_MS + at}


BATCHES = [
    [event("FR", "France", 1), event("DE", "Germany", 1), event("FR", "République", 2)],
    [event("FR", "Gaul", 1), event("DE", "Deutschland", 3), event("IT", "Italy", 1)],
    [event("IT", "Italia", 1), event("FR", "France", 2)],  # equal versions: the last wins
]


def test_one_row_per_key_the_highest_version_winning_across_batches() -> None:
    stack = Pushed(upserting(["code"]))
    seen: list[dict[str, Any]] = []
    for batch in BATCHES:
        assert stack.push(*batch).status_code == 200
        stack.read_all()
        seen += batch
        assert stored(stack) == winners(seen, ["code"], "rev")


def test_a_compound_key_and_the_default_version_time() -> None:
    stack = Pushed(upserting(["code", "region"], version=None))
    events = [
        event("FR", "Paris", 0, "eu", at=5),
        event("FR", "Guyane", 0, "sa", at=1),
        event("FR", "Lyon", 0, "eu", at=2),  # older than Paris: Paris stays
        event("FR", "Cayenne", 0, "sa", at=9),
    ]
    assert stack.push(*events).status_code == 200
    stack.read_all()
    assert stored(stack) == winners(events, ["code", "region"], "ms")  # __time is "ms"


def test_a_batch_that_does_not_commit_upserts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a kill between the upsert and the commit: the transaction rolls back, the position
    stays, and reading again gives the same table as reading once."""
    stack = Pushed(upserting(["code"]))
    assert stack.push(*BATCHES[0]).status_code == 200
    stack.read_all()
    assert stack.push(*BATCHES[1]).status_code == 200
    real = _checkpoint.add

    def killed(*args: Any) -> Any:
        raise KeyboardInterrupt  # after the rows, before the totals: nothing must stay

    monkeypatch.setattr(_checkpoint, "add", killed)
    reader = stack.reader()
    plan = reader._plan()
    assert not isinstance(plan, str)
    with pytest.raises(KeyboardInterrupt):
        reader._commit(plan, reader._read())
    assert stored(stack) == winners(BATCHES[0], ["code"], "rev")
    monkeypatch.setattr(_checkpoint, "add", real)
    stack.read_all()
    assert stored(stack) == winners(BATCHES[0] + BATCHES[1], ["code"], "rev")


def test_lookup_reads_the_winning_rows() -> None:
    table = {
        "name": "countries",
        "type": "detail",
        "partitioningGranularity": "all",  # as a lookup table must be
        "schema": [
            {"name": "__time", "dataType": "timestamp"},
            *({"name": n, "dataType": "string"} for n in ("code", "region", "name")),
            {"name": "rev", "dataType": "long"},
        ],
    }
    stack = Pushed(upserting(["code"]), tables=[table])
    for batch in BATCHES:
        assert stack.push(*batch).status_code == 200
        stack.read_all()
    lookup = {"name": "names", "source": {"type": "table", "tableName": "countries"}}
    assert stack.http.post(f"{BASE}/lookups", json=lookup).status_code in (200, 201)
    want = {r["code"]: r["name"] for r in winners(sum(BATCHES, []), ["code"], "rev")}
    answer = stack.rows("SELECT LOOKUP('FR', 'names[code][name]') AS fr")
    assert answer == [{"fr": want["FR"]}]


@pytest.mark.parametrize(
    ("keys", "version", "path"),
    [
        (["kode"], "rev", "upsert_key_columns"),
        ([], "rev", "upsert_key_columns"),
        (["code"], "revision", "upsert_version_column"),
    ],
)
def test_a_key_or_version_the_job_does_not_map_is_refused(
    keys: list[str], version: str, path: str
) -> None:
    job = upserting(keys, version)
    stack = Pushed()
    answer = stack.http.post(
        f"{BASE}/jobs", json=job | {"target": {"type": "table", "tableName": "other"}}
    )
    assert answer.status_code == 400 and path.split("_")[-1] in answer.text.lower()
    problems = job_problems(StreamingJobSpec.model_validate(job))
    assert any(p.path[0] == path for p in problems)
