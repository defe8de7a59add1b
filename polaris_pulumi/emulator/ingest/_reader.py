"""What every job's reader shares, whatever its source (a Kafka topic, pushed events): the
job's pipeline for its table as it is now, a batch committed with its position exactly once
(`_commit`), a reset applied once, and what a batch saw reported to the job's record
(`state._lifecycle.observe` decides its status and health)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from polaris_pulumi._contract import STARTED_STATUSES
from polaris_pulumi.emulator.ingest import _checkpoint, _commit, _lookups, _pipeline
from polaris_pulumi.emulator.ingest._checkpoint import Partition
from polaris_pulumi.emulator.ingest._commit import Delta
from polaris_pulumi.emulator.ingest._rows import Rows
from polaris_pulumi.emulator.state._lifecycle import (
    IDLE_AFTER,
    Observed,
    observe,
    reads,
    unevaluated,
)
from polaris_pulumi.emulator.state._records import JobRecord
from polaris_pulumi.emulator.state._store import Store

POLL = 0.25  # seconds per read (how quickly a stop is noticed)
STALLED_WAIT = 2.0  # seconds between tries of a batch the job's plan cannot ingest
# Records per batch: a batch as big as what waits, within these (a batch's fixed cost, a
# transaction and its temporary tables, is paid once for many records when many wait).
BATCH_MIN, BATCH_MAX = 500, 50_000


class Reader(threading.Thread):
    """One job's reader: its source's records into its table."""

    def __init__(
        self, store: Store, rows: Rows, job: JobRecord, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(name=f"job-{job.id}", daemon=True)
        assert job.spec is not None
        self.store, self.rows, self.job_id, self.spec = store, rows, job.id, job.spec
        self.table = job.spec.target.table_name
        self.clock = clock
        self.started = clock()
        self.types = {f.name: f.data_type for f in job.spec.source.input_schema}
        self.plans: tuple[str, _pipeline.Plan | str] | None = None
        self.reads_lookups = _lookups.used_by(job.spec)
        self.reset_at = job.reset_at
        self.stopping = threading.Event()
        self.last_record = float("-inf")  # nothing read yet: idle until a record comes
        self.assigned = False  # the source answered since the last batch (it works)
        # Where each partition is read from: the table's stored position when reading
        # began, then each batch's end (None: nothing stored).
        self.start_at: dict[Partition, int | None] = {}
        self.batch = BATCH_MIN

    def stop(self) -> None:
        self.stopping.set()

    def _commit(self, plan: _pipeline.Plan, delta: Delta) -> bool:
        """The batch committed; False when it was not (the caller reads again from the
        stored position). A batch the plan cannot ingest stops the job's reading, its health
        saying why, until the job changes; its events are read again then."""
        start = {p: self.start_at.get(p) for p in delta.ends}
        try:
            done = _commit.commit(
                self.rows, self.job_id, plan, delta, start, self.types, self.clock()
            )
        except _commit.Stalled as exc:
            self._apply(Delta(health=unevaluated(str(exc))))
            self.stopping.wait(STALLED_WAIT)
            return False
        if done:
            self.start_at.update(delta.ends)
        return done

    def _stored(self) -> tuple[dict[Partition, int], set[str]]:
        """The table's stored position, and the topics it has one in."""
        with self.rows.cursor() as cur:
            stored = _checkpoint.positions(cur, self.table)
        return stored, {topic for topic, _ in stored}

    def _apply_reset(self, topics: Callable[[list[str]], Iterable[str]]) -> None:
        """A reset not yet applied: the table forgets its position in the job's topics (of
        those it holds one in, `topics` picks them), and the reset is marked applied, in one
        transaction (a kill never applies it twice)."""
        if self.reset_at is None:
            return
        with self.rows.writing() as cur:
            if _checkpoint.applied_reset(cur, self.job_id) == self.reset_at:
                return
            held = sorted({t for t, _ in _checkpoint.positions(cur, self.table)})
            _checkpoint.reset(cur, self.job_id, self.reset_at, self.table, topics(held))

    def _plan(self) -> _pipeline.Plan | str:
        """The job's pipeline for its table as it is now (compiled again when the table
        changes), or why the local engine cannot evaluate it."""
        record = self.store.get_table(self.table)
        if record is None:
            return f"Table {self.table!r} does not exist"
        key = record.table.spec().model_dump_json()
        if self.reads_lookups:  # a lookup made, changed or aliased since: compiled again
            key += _lookups.fingerprint(self.store)
        if self.plans is None or self.plans[0] != key:
            lookups = _lookups.resolver(self.store, self.rows)
            try:
                plan: _pipeline.Plan | str = _pipeline.compile_plan(
                    self.spec, record.table.spec(), self.started, lookups
                )
            except _pipeline.PlanError as exc:
                plan = str(exc)
            self.plans = (key, plan)
        return self.plans[1]

    def _apply(self, delta: Delta) -> bool:
        """Report the batch to the job's record (`observe` decides its status and health);
        whether the job still reads."""
        if delta.consumed:
            self.last_record = time.monotonic()
        flowing = time.monotonic() - self.last_record < IDLE_AFTER
        seen = Observed(delta.totals, delta.consumed, flowing, delta.health, self.assigned)
        self.assigned = False
        with self.store.tx():
            job = self.store.get_job(self.job_id)
            if job is None or not reads(job):
                return False
            changed = observe(job, seen, self.clock())
            if changed != job:
                self.store.put_job(changed)
            return changed.execution_status in STARTED_STATUSES
