"""Checkpoint blobs: channel values kept once per (thread, namespace,
channel, version) beside the events (see migration 010). The event store
writes the blobs a `checkpoint.saved` brings in the event's transaction,
and after anything that deletes checkpoints, drops the blobs no remaining
checkpoint of the thread refers to. Named statements only."""

from __future__ import annotations

from collections.abc import Sequence

from ....application.ports import Statement
from ....domain import events as ev

# Events after which a thread's unreferenced blobs go (their projections
# delete checkpoint rows first, in the same transaction).
DELETING = (ev.CheckpointsDeleted, ev.CheckpointsPruned, ev.ThreadDeleted)

_INSERT = """
INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::bytea[])
ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING"""

_UNREFERENCED = """
DELETE FROM checkpoint_blobs b
WHERE b.thread_id = %s AND NOT EXISTS (
    SELECT 1 FROM checkpoints c CROSS JOIN LATERAL jsonb_each_text(c.blob_versions) v
    WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
      AND v.key = b.channel AND v.value = b.version)"""


def delete_unreferenced_blobs(thread_id: str) -> Statement:
    """Drops the thread's blobs that no checkpoint row of it refers to; run
    it after the statements that delete checkpoint rows (deletion, rollback,
    pruning), in their transaction."""
    return _UNREFERENCED, (thread_id,)


def statements(events: Sequence[ev.DomainEvent]) -> list[Statement]:
    """What the event store runs after the projections of a transaction's
    events: one insert of every blob brought, then the collection of each
    thread that lost checkpoints."""
    rows = [
        (e.thread_id, e.checkpoint_ns, b.channel, b.version, b.type, b.blob)
        for e in events
        if isinstance(e, ev.CheckpointSaved)
        for b in e.blobs
    ]
    out: list[Statement] = [(_INSERT, tuple(map(list, zip(*rows, strict=True))))] if rows else []
    collected = dict.fromkeys(e.thread_id for e in events if isinstance(e, DELETING))
    out.extend(delete_unreferenced_blobs(t) for t in collected)
    return out
