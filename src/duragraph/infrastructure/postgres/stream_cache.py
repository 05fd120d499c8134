"""Recently read or written aggregate streams, kept in memory so a hot command
(creating a run) can decide without reading the log first.

A cached stream may be stale: another process may have appended since. That
is safe only where the decision is then committed with a version check on
every stream it read (`PostgresEventStore.save(..., unchanged=...)`): a stale
stream makes the save conflict, and the retry reads the log. A refusal decided
on a cached stream is not committed, so the caller decides it again uncached.

Events are kept as their stored JSON, so every load builds fresh objects,
exactly as a load from PostgreSQL does.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable, Sequence

import orjson

from ...domain.events import DomainEvent, from_data

_OPTIONS = orjson.OPT_NON_STR_KEYS
# What an entry costs besides its JSON and its id (the dict slot, the tuple,
# the int, the objects' headers): counted, so that many small streams (a new
# thread's is ~130 bytes) cannot hold far more memory than the budget says.
ENTRY_OVERHEAD = 200


class StreamCache:
    """LRU, bounded by the bytes of the JSON it holds. A stream is one JSON
    array of [name, data] pairs: one object per stream, not several small
    ones per event, which would pin the allocator's memory pools and grow the
    process far beyond the budget. Each entry is counted with its id and
    overhead, and held as a compact copy (see `_compact`)."""

    def __init__(self, max_bytes: int = 16 << 20, max_stream_bytes: int = 1 << 20) -> None:
        self.max_bytes, self.max_stream_bytes = max_bytes, max_stream_bytes
        self.size = 0
        self._streams: OrderedDict[str, tuple[int, bytes]] = OrderedDict()  # (version, JSON)

    def events(self, stream_id: str) -> list[DomainEvent] | None:
        entry = self._streams.get(stream_id)
        if entry is None:
            return None
        self._streams.move_to_end(stream_id)
        return [from_data(name, data) for name, data in orjson.loads(entry[1])]

    def loaded(self, stream_id: str, rows: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """What the log holds now, as read from it."""
        self._put(
            stream_id,
            len(rows),
            _compact(orjson.dumps([[name, data] for name, data in rows], option=_OPTIONS)),
        )

    def appended(
        self, stream_id: str, expected_version: int, events: Sequence[DomainEvent]
    ) -> None:
        """Events committed after `expected_version`; a stream cached at
        another version is no longer known."""
        entry = self._streams.get(stream_id, (0, b"[]") if expected_version == 0 else None)
        if entry is None or entry[0] != expected_version:
            self.forget([stream_id])
            return
        if not events:
            return
        added = _compact(
            orjson.dumps([[e.name, e.to_data()] for e in events], default=str, option=_OPTIONS)
        )
        kept = entry[1]  # spliced, not decoded: "[a]" + "[b]" -> "[a,b]"
        blob = added if kept == b"[]" else kept[:-1] + b"," + added[1:]
        self._put(stream_id, expected_version + len(events), blob)

    def forget(self, stream_ids: Iterable[str]) -> None:
        for stream_id in stream_ids:
            entry = self._streams.pop(stream_id, None)
            if entry is not None:
                self.size -= _cost(stream_id, entry[1])

    def _put(self, stream_id: str, version: int, blob: bytes) -> None:
        self.forget([stream_id])
        if len(blob) > self.max_stream_bytes:
            return
        self._streams[stream_id] = (version, blob)
        self.size += _cost(stream_id, blob)
        while self.size > self.max_bytes:
            evicted_id, (_, evicted) = self._streams.popitem(last=False)
            self.size -= _cost(evicted_id, evicted)


def _cost(stream_id: str, blob: bytes) -> int:
    return len(blob) + len(stream_id) + ENTRY_OVERHEAD


def _compact(blob: bytes) -> bytes:
    """A copy of exactly its length: orjson's result keeps the ~4 KB buffer it
    was written into, so a cached 130-byte stream would hold 4 KB (measured:
    4.3 KB of RSS per thread created, none of it counted by the budget)."""
    return bytes(memoryview(blob))
