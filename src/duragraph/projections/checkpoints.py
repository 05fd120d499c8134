from __future__ import annotations

import base64
from typing import Any

from psycopg.types.json import Jsonb

from ..domain import events as ev

TABLES = ("checkpoints", "checkpoint_writes")


def saved(e: ev.CheckpointSaved) -> list:
    return [
        (
            """INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id,
                  parent_checkpoint_id, run_id, type, checkpoint, metadata, created_at,
                  blob_versions)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET
                  parent_checkpoint_id=EXCLUDED.parent_checkpoint_id, run_id=EXCLUDED.run_id,
                  type=EXCLUDED.type, checkpoint=EXCLUDED.checkpoint, metadata=EXCLUDED.metadata,
                  blob_versions=EXCLUDED.blob_versions""",
            (
                e.thread_id,
                e.checkpoint_ns,
                e.checkpoint_id,
                e.parent_checkpoint_id,
                e.run_id,
                e.checkpoint["type"],
                base64.b64decode(e.checkpoint["blob"]),
                Jsonb(e.metadata),
                e.at,
                None if e.blob_versions is None else Jsonb(e.blob_versions),
            ),
        )
    ]


_WRITES = """INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx,
                                       channel, type, blob, task_path)
              VALUES {rows}
              ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) {conflict}"""
_WRITE_ROW = "(%s, %s, %s, %s, %s, %s, %s, %s, %s)"


def writes_saved(e: ev.WritesSaved) -> list:
    # Special channels (errors, interrupts...) have negative indexes and are
    # overwritten, one statement each; ordinary writes keep the first value
    # (LangGraph's contract), all in one statement.
    rows = [
        (
            e.thread_id,
            e.checkpoint_ns,
            e.checkpoint_id,
            e.task_id,
            idx,
            channel,
            type_,
            base64.b64decode(blob),
            e.task_path,
        )
        for idx, channel, type_, blob in e.writes
    ]
    special = [r for r in rows if r[4] < 0]
    ordinary = [r for r in rows if r[4] >= 0]
    out: list[tuple[str, tuple[Any, ...]]] = [
        (
            _WRITES.format(
                rows=_WRITE_ROW,
                conflict="DO UPDATE SET channel=EXCLUDED.channel, "
                "type=EXCLUDED.type, blob=EXCLUDED.blob",
            ),
            r,
        )
        for r in special
    ]
    if ordinary:
        out.append(
            (
                _WRITES.format(rows=", ".join([_WRITE_ROW] * len(ordinary)), conflict="DO NOTHING"),
                tuple(v for r in ordinary for v in r),
            )
        )
    return out


def deleted(e: ev.CheckpointsDeleted) -> list:
    if e.run_ids is None:
        return [(f"DELETE FROM {t} WHERE thread_id=%s", (e.thread_id,)) for t in TABLES]
    return [
        (
            """DELETE FROM checkpoint_writes w USING checkpoints c
            WHERE w.thread_id=c.thread_id AND w.checkpoint_ns=c.checkpoint_ns
              AND w.checkpoint_id=c.checkpoint_id AND c.thread_id=%s AND c.run_id = ANY(%s)""",
            (e.thread_id, list(e.run_ids)),
        ),
        (
            "DELETE FROM checkpoints WHERE thread_id=%s AND run_id = ANY(%s)",
            (e.thread_id, list(e.run_ids)),
        ),
    ]


def pruned(e: ev.CheckpointsPruned) -> list:
    """The one place checkpoint rows of a live thread are dropped: whatever
    else a checkpoint owns (its writes) goes with it here."""
    namespaces = [ns for ns, _ in e.checkpoints]
    ids = [checkpoint_id for _, checkpoint_id in e.checkpoints]
    return [
        (
            f"""DELETE FROM {table} WHERE thread_id=%s AND (checkpoint_ns, checkpoint_id) IN
                (SELECT * FROM unnest(%s::text[], %s::text[]))""",
            (e.thread_id, namespaces, ids),
        )
        for table in ("checkpoint_writes", "checkpoints")
    ]


HANDLERS = {
    ev.CheckpointSaved: saved,
    ev.WritesSaved: writes_saved,
    ev.CheckpointsDeleted: deleted,
    ev.CheckpointsPruned: pruned,
    ev.ThreadDeleted: lambda e: deleted(ev.CheckpointsDeleted(at=e.at, thread_id=e.thread_id)),
}
