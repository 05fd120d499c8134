from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from ...domain.cron import Cron
from ...domain.errors import AlreadyExists, InvalidInput
from ...domain.events import ThreadCreated
from ...domain.ids import new_id
from ...domain.thread import Thread
from ..ports import Clock, EventStore, StateEditor, StreamAppend
from .retry import on_conflict


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateThread:
    thread_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    if_exists: str = "raise"
    ttl: dict[str, Any] | None = None  # {"strategy": ..., "ttl": minutes}
    default_ttl: dict[str, Any] | None = None  # from langgraph.json, when no ttl is given
    # Updates applied at creation, one checkpoint per superstep (as update_state).
    supersteps: list[list[dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CreatedThread:
    thread_id: str
    # The thread.created event committed, when the thread's row is all its
    # doing (no superstep set a state); None too when an existing thread was kept.
    only: ThreadCreated | None = None


@on_conflict()
async def create_thread(
    cmd: CreateThread, store: EventStore, clock: Clock, editor: StateEditor | None = None
) -> CreatedThread:
    if cmd.if_exists not in ("raise", "do_nothing"):
        raise InvalidInput("if_exists must be 'raise' or 'do_nothing'")
    # A fresh id has no events to load (a clash would still conflict on save).
    thread = Thread(new_id()) if not cmd.thread_id else await store.load(Thread, cmd.thread_id)
    if thread.live:
        if cmd.if_exists == "do_nothing":
            return CreatedThread(thread.id)
        raise AlreadyExists("thread", thread.id)
    now = clock.now()
    thread.create(metadata=cmd.metadata, now=now)
    created = thread.pending[-1]
    assert isinstance(created, ThreadCreated)
    _set_ttl(thread, cmd.ttl or cmd.default_ttl, now)
    extra = [await _apply_supersteps(thread, cmd.supersteps, editor, now)] if cmd.supersteps else []
    await store.save(thread, extra=extra)
    return CreatedThread(thread.id, None if cmd.supersteps else created)


async def _apply_supersteps(
    thread: Thread, supersteps: list[list[dict[str, Any]]], editor: StateEditor | None, now: Any
) -> StreamAppend:
    if thread.graph_id is None:
        raise InvalidInput("supersteps need a graph: create the thread with a graph_id")
    assert editor is not None, "supersteps are staged by the caller's editor"
    staged = await editor.stage_supersteps(thread.id, thread.graph_id, supersteps)
    thread.set_state(
        values=staged.values,
        interrupts=staged.interrupts,
        has_next=staged.has_next,
        checkpoint_id=staged.checkpoint["checkpoint_id"],
        now=now,
    )
    return staged.batch


def _set_ttl(thread: Thread, ttl: dict[str, Any] | None, now: Any) -> None:
    if ttl is not None:
        thread.set_ttl(strategy=ttl.get("strategy") or "delete", minutes=ttl.get("ttl"), now=now)


@on_conflict()
async def update_thread(
    thread_id: str,
    metadata: dict[str, Any],
    store: EventStore,
    clock: Clock,
    ttl: dict[str, Any] | None = None,
) -> None:
    thread = await store.load(Thread, thread_id)
    now = clock.now()
    thread.update(metadata=metadata, now=now)
    _set_ttl(thread, ttl, now)
    await store.save(thread)


@on_conflict()
async def delete_thread(
    thread_id: str, store: EventStore, clock: Clock, cron_ids: Sequence[str] = ()
) -> None:
    """The thread and the crons that run on it go in one transaction."""
    thread, *crons = await store.load_many((Thread, thread_id), *[(Cron, c) for c in cron_ids])
    now = clock.now()
    assert isinstance(thread, Thread)
    thread.delete(now=now)
    live = [c for c in crons if isinstance(c, Cron) and c.live]
    for cron in live:
        cron.delete(now=now)
    await store.save(thread, *live)
