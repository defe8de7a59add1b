"""A job's reader of its push streaming connection's events (kept by `_push`): the table's
position in them is stored with its rows, as for a Kafka partition, so each event is ingested
exactly once, whatever is killed when."""

from __future__ import annotations

from collections.abc import Callable

from polaris_pulumi.connections._streams import PushStreamingConnection
from polaris_pulumi.emulator.ingest import _commit
from polaris_pulumi.emulator.ingest._commit import Delta
from polaris_pulumi.emulator.ingest._decode import Record
from polaris_pulumi.emulator.ingest._push import held, topic
from polaris_pulumi.emulator.ingest._reader import BATCH_MAX, BATCH_MIN, POLL, Reader
from polaris_pulumi.emulator.ingest._rows import META, Rows
from polaris_pulumi.emulator.state._lifecycle import unevaluated
from polaris_pulumi.emulator.state._records import JobRecord
from polaris_pulumi.emulator.state._store import Store


class PushReader(Reader):
    """One job's reader of its push streaming connection's events."""

    def __init__(
        self,
        store: Store,
        rows: Rows,
        job: JobRecord,
        conn: PushStreamingConnection,
        clock: Callable[[], float],
    ) -> None:
        super().__init__(store, rows, job, clock)
        self.conn = conn
        self.where = (topic(conn.name), 0)
        self.next = 0  # the next event to read (its sequence number)

    def run(self) -> None:
        self._apply_reset(lambda held_topics: [t for t in held_topics if t == self.where[0]])
        self._rewind()
        self.assigned = True  # nothing to log in to: the source works
        while not self.stopping.is_set():
            plan = self._plan()
            if isinstance(plan, str):
                self._apply(Delta(health=unevaluated(plan)))
                self.stopping.wait(POLL)
                continue
            delta = self._read()
            if delta.ends and not self._commit(plan, delta):
                self._rewind()  # the table's position moved (a reset, another reader)
                continue
            if delta.ends:
                self.next = delta.ends[self.where]
            if not self._apply(delta):
                break
            if not delta.consumed:
                self.stopping.wait(POLL)

    def _rewind(self) -> None:
        """Read from the table's stored position; without one, from the connection's first
        event (`earliest`) or the next one pushed (`latest`, the default)."""
        stored = self._stored()[0].get(self.where)
        self.start_at[self.where] = stored  # what the commit checks: None, nothing stored
        if stored is not None:
            self.next = stored
        elif self.spec.read_from_point == "earliest":
            self.next = 0
        else:
            self.next = held(self.rows, self.conn.name)

    def _read(self) -> Delta:
        with self.rows.cursor() as cur:
            # As many as wait (up to a batch's most): a push of 100,000 events is read in two
            # batches, not in batches doubling from 500.
            waiting = held(self.rows, self.conn.name) - self.next
            self.batch = min(BATCH_MAX, max(self.batch, waiting))
            found = cur.execute(
                f"SELECT seq, payload, received_ms FROM {META}.pushed "
                "WHERE connection = ? AND seq >= ? ORDER BY seq LIMIT ?",
                [self.conn.name, self.next, self.batch],
            ).fetchall()
        self.batch = min(BATCH_MAX, max(BATCH_MIN, 2 * len(found)))
        delta, now = Delta(), self.clock()
        for seq, payload, received_ms in found:
            delta.consumed = True
            delta.ends[self.where] = seq + 1
            origin = f"pushed event {seq} of connection '{self.conn.name}'"
            record = Record(bytes(payload), None, [], received_ms, origin)
            _commit.decode_into(record, self.spec, delta, now, self.types)
        return delta
