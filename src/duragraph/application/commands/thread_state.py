"""A thread's state changed outside runs: update_state, copy, prune, and the
TTL sweep. Checkpoint events commit in the same transaction as the thread's
own event, under the thread's stream version (so no run can start between
the decision and the commit)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ...domain.errors import InvalidInput
from ...domain.retention import Retention, to_prune
from ...domain.thread import PRUNE_STRATEGIES, Thread
from ..ports import CheckpointBatches, Clock, Database, EventStore, StateEditor, StateReader
from ..queries.threads import checkpoint_chain
from .retry import on_conflict


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateState:
    thread_id: str
    values: Any
    as_node: str | None = None
    checkpoint: dict[str, Any] | None = None


@on_conflict()
async def update_state(
    cmd: UpdateState, store: EventStore, clock: Clock, editor: StateEditor
) -> dict[str, Any]:
    """Returns the new checkpoint's reference."""
    thread = await store.load(Thread, cmd.thread_id)
    thread.require_idle()
    if thread.graph_id is None:
        raise InvalidInput(
            f"thread '{thread.id}' has no graph yet: run it once, or create "
            'it with metadata {"graph_id": ...}'
        )
    staged = await editor.stage_update(
        thread.id, thread.graph_id, cmd.values, as_node=cmd.as_node, checkpoint=cmd.checkpoint
    )
    thread.set_state(
        values=staged.values,
        interrupts=staged.interrupts,
        has_next=staged.has_next,
        checkpoint_id=staged.checkpoint["checkpoint_id"],
        now=clock.now(),
    )
    await store.save(thread, extra=[staged.batch])
    return staged.checkpoint


@on_conflict()
async def settle_cancelled(
    thread_id: str, run_id: str, store: EventStore, clock: Clock, states: StateReader
) -> None:
    """The thread of a run an `interrupt` cancel stopped, as its last
    checkpoint says. Called once the cancel is committed: the run is fenced
    then, so no later checkpoint of it can commit. A run that left no
    checkpoint leaves the thread as it was (idle), as upstream."""
    thread = await store.load(Thread, thread_id)
    if run_id not in thread.unsettled:
        return
    state = await states.state(thread.id, thread.graph_id)
    if state is None or (state.get("metadata") or {}).get("run_id") != run_id:
        return
    thread.settle_cancelled(
        run_id,
        values=state["values"],
        has_next=bool(state["next"]),
        interrupts={t["id"]: t["interrupts"] for t in state["tasks"] if t["interrupts"]},
        checkpoint_id=state["checkpoint"]["checkpoint_id"],
        now=clock.now(),
    )
    await store.save(thread)


@on_conflict()
async def copy_thread(
    thread_id: str,
    store: EventStore,
    clock: Clock,
    checkpoints: CheckpointBatches,
    target_id: str | None = None,
) -> str:
    """A new thread (`target_id`, or a fresh id) with the source's metadata,
    values and checkpoints."""
    source, target = await store.load_many(
        (Thread, thread_id), (Thread, target_id or str(uuid.uuid4()))
    )
    assert isinstance(source, Thread) and isinstance(target, Thread)
    source.copy_to(target, now=clock.now())
    batch = await checkpoints.copy_batch(source.id, target.id)
    await store.save(source, target, extra=[batch])
    return target.id


async def prune_threads(
    thread_ids: list[str],
    strategy: str,
    store: EventStore,
    clock: Clock,
    checkpoints: CheckpointBatches,
) -> int:
    """How many threads were pruned; unknown ids are skipped, and so are busy
    threads under `keep_latest` (their run is still writing checkpoints)."""
    if strategy not in PRUNE_STRATEGIES:
        raise InvalidInput(f"strategy must be one of {', '.join(PRUNE_STRATEGIES)}")
    pruned = 0
    for thread_id in dict.fromkeys(thread_ids):
        pruned += await _prune(thread_id, strategy, store, clock, checkpoints)
    return pruned


@on_conflict()
async def _prune(
    thread_id: str,
    strategy: str,
    store: EventStore,
    clock: Clock,
    checkpoints: CheckpointBatches,
    *,
    expired: bool = False,
) -> bool:
    thread = await store.load(Thread, thread_id)
    if not thread.live or (strategy == "keep_latest" and thread.active_runs()):
        return False
    if strategy == "delete":
        thread.delete(now=clock.now())
        await store.save(thread)
        return True
    thread.prune(now=clock.now(), expired=expired)
    await store.save(thread, extra=[await checkpoints.prune_batch(thread.id, strategy)])
    return True


@on_conflict()
async def expire_thread(
    thread_id: str, store: EventStore, clock: Clock, checkpoints: CheckpointBatches
) -> bool:
    """The TTL sweep: a thread whose TTL ran out (and that runs nothing) is
    deleted or pruned, as its TTL strategy says."""
    thread = await store.load(Thread, thread_id)
    if not thread.ttl_due(clock.now()):
        return False
    assert thread.ttl is not None
    return await _prune(thread_id, thread.ttl.strategy, store, clock, checkpoints, expired=True)


@on_conflict()
async def apply_retention(
    thread_id: str,
    policy: Retention,
    db: Database,
    store: EventStore,
    clock: Clock,
    checkpoints: CheckpointBatches,
) -> int:
    """How many checkpoints the retention policy dropped. A thread that runs
    something is left for the next sweep: its run may need any checkpoint
    (the one it started from, the ones it writes). The thread's version is
    checked at commit, so no run starts between the decision and the drop."""
    thread = await store.load(Thread, thread_id)
    if not thread.live or thread.active_runs():
        return 0
    doomed = to_prune(await checkpoint_chain(db, thread_id), policy, clock.now())
    if doomed:
        await store.save(extra=[checkpoints.retention_batch(thread_id, doomed)], unchanged=[thread])
    return len(doomed)
