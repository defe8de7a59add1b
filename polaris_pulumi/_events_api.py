"""Push streaming's client side: events sent to a `push_streaming` connection
(`POST /events/{connectionName}`), which every streaming job on it ingests. Not a resource:
events are data, not configuration."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from polaris_pulumi._answers import segment
from polaris_pulumi._exceptions import PolarisError
from polaris_pulumi._transport import Transport

MAX_PAYLOAD_BYTES = 1_000_000
"""Polaris' limit on one request's payload (Imply's Events API: 1 MB)."""


def _line(event: Mapping[str, Any] | bytes | str, index: int) -> bytes:
    """One event as one line of newline-delimited JSON."""
    if isinstance(event, Mapping):
        line = json.dumps(dict(event), separators=(",", ":"), ensure_ascii=False).encode()
    elif isinstance(event, str):
        line = event.encode()
    elif isinstance(event, bytes):
        line = event
    else:
        raise PolarisError(f"event {index}: a dict, str or bytes, not {type(event).__name__}")
    if b"\n" in line.rstrip(b"\n") or len(line) + 1 > MAX_PAYLOAD_BYTES:
        raise PolarisError(
            f"event {index}: one event is one line of JSON of at most {MAX_PAYLOAD_BYTES} bytes"
        )
    return line.rstrip(b"\n") + b"\n"


def _batches(events: Iterable[Mapping[str, Any] | bytes | str]) -> Iterator[tuple[bytes, int]]:
    """Requests of whole lines, each within Polaris' payload limit, with their event count."""
    batch, count = bytearray(), 0
    for index, event in enumerate(events):
        line = _line(event, index)
        if len(batch) + len(line) > MAX_PAYLOAD_BYTES:
            yield bytes(batch), count
            batch, count = bytearray(), 0
        batch += line
        count += 1
    if batch:
        yield bytes(batch), count


class EventsAPI(Transport):
    def push_events(
        self, connection_name: str, events: Iterable[Mapping[str, Any] | bytes | str]
    ) -> int:
        """Send events to a `push_streaming` connection, as newline-delimited JSON in requests
        of at most 1 MB; the number sent. A request is retried only where Polaris cannot have
        taken it (a 429, a 503, a refused connection): a repeat after a lost answer could
        store its events twice."""
        sent = 0
        path = f"/events/{segment(connection_name)}"
        for body, count in _batches(events):
            # As Imply's examples send it (the SDK's operation takes JSON or octet-stream).
            self._request("POST", path, recognisable=False, content=(body, "application/json"))
            sent += count
        return sent
