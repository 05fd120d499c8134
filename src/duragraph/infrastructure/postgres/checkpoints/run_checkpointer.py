"""The checkpointer an executor hands to LangGraph for one run.

A super-step costs at most one transaction: `aput_writes` only buffers (its
writes are visible to this view's own reads), and a commit appends, in ONE
fenced call, the buffered writes, the `checkpoint.saved` event and a
`run.step_completed` event on the run's stream. An executor whose lease
epoch is no longer current gets `Fenced` and writes nothing.

With `sync` durability `aput` commits before it returns. With `async` and
`exit` durability (LangGraph persists in the background, and a crash may lose
the latest steps, which then run again) `aput` queues the step and a
background task commits the queue up to `coalesce_s` (50 ms) later: steps that
arrive meanwhile go in the same transaction, and whatever is still queued when
the run ends rides in the run's final transaction (`take_pending`). A fast
graph thus costs one commit in all, also on a loaded machine where its few
steps take tens of milliseconds; a slow one commits each step soon after it.

Which nodes ran in a step: the nodes whose `versions_seen` entry differs
from the one in the previous checkpoint this view saved or loaded (LangGraph
records, in `versions_seen[node]`, the channel versions a node consumed when
it ran). LangGraph's `__interrupt__` bookkeeping entry is not a node and is
left out; `__input__` (the input checkpoint) and `__start__` are reported as
LangGraph names them. A node run only through `Send` records no channel
versions: it is listed the first time it runs (its entry appears) but not
on later runs. Only root-namespace checkpoints are super-steps of the run;
a subgraph's checkpoints commit (fenced) without a `run.step_completed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    SerializerProtocol,
)
from langgraph.checkpoint.serde.types import INTERRUPT

from ....application.ports import Fence, StreamAppend
from ....domain import events as ev
from ..event_store import PostgresEventStore
from . import codec
from .saver import EventSourcedSaver
from .sql import CheckpointRow, StoredWrite


def nodes_that_ran(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    return sorted(
        node for node, seen in current.items() if node != INTERRUPT and previous.get(node) != seen
    )


def _seen(checkpoint: Checkpoint) -> dict[str, Any]:
    # A copy two levels deep: LangGraph updates versions_seen entries in place.
    return {node: dict(versions) for node, versions in checkpoint["versions_seen"].items()}


@dataclass
class RunBuffer:
    """Mutable state of a run view. LangGraph may clone a checkpointer
    (`with_allowlist` makes a shallow copy), so every clone must share this
    one object and mutate it in place."""

    writes: list[ev.WritesSaved] = field(default_factory=list)
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)  # ns -> versions_seen
    known: set[tuple[str, str]] = field(default_factory=set)  # (ns, id) loaded or saved
    queued: list[tuple[ev.CheckpointSaved, list[ev.StepCompleted]]] = field(default_factory=list)
    committing: asyncio.Task | None = None
    writing: bool = False  # the background commit has reached the database
    failure: BaseException | None = None  # a background commit's error, raised on next use
    blank: bool = False  # the thread had no checkpoint when the run began

    def take(self, *, only_known: bool) -> list[ev.WritesSaved]:
        """Remove and return the writes to commit. Writes for a checkpoint this
        view has not saved yet stay behind (with background durability the
        next step's writes can arrive before the previous checkpoint commits)."""
        taken: list[ev.WritesSaved] = []
        kept: list[ev.WritesSaved] = []
        for w in self.writes:
            ready = not only_known or (w.checkpoint_ns, w.checkpoint_id) in self.known
            (taken if ready else kept).append(w)
        self.writes[:] = kept
        return taken

    def put_back(self, taken: list[ev.WritesSaved]) -> None:
        self.writes[:0] = taken


class RunCheckpointer(EventSourcedSaver):
    def __init__(
        self,
        store: PostgresEventStore,
        *,
        run_id: str,
        epoch: int,
        thread_id: str,
        serde: SerializerProtocol | None = None,
        deferred: bool = False,
        coalesce_s: float = 0.05,
        blank: bool = False,
    ) -> None:
        super().__init__(store, serde=serde)
        self.run_id, self.epoch, self.thread_id = run_id, epoch, thread_id
        self.deferred, self.coalesce_s = deferred, coalesce_s
        self.buffer = RunBuffer(blank=blank)

    @property
    def fence(self) -> Fence:
        return Fence(self.run_id, self.epoch)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self._require_own_thread(config)
        self.buffer.writes.append(
            codec.writes_event(self.serde, config, writes, task_id, task_path)
        )

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        self._require_own_thread(config)
        saved = self._saved(config, checkpoint, metadata, new_versions, self.run_id)
        ns = saved.checkpoint_ns
        step = [self._step(checkpoint, metadata)] if ns == "" else []
        self.buffer.known.add((ns, saved.checkpoint_id))
        self.buffer.seen[ns] = _seen(checkpoint)
        self.buffer.queued.append((saved, step))
        if self.deferred:
            self._raise_failure()
            self._commit_in_background()
        else:
            await self._commit_queued(only_known=True)
        return codec.config_for(self.thread_id, ns, saved.checkpoint_id)

    async def flush(self) -> None:
        """Commit everything buffered now, with or without a checkpoint: also
        the pending writes of a step that ended in an interrupt or an error."""
        await self._settle()
        await self._commit_queued(only_known=False)

    async def commit_steps(self) -> None:
        """Commit the finished steps now: a run handed back to be claimed
        again must not run them a second time."""
        await self._settle()
        await self._commit_queued(only_known=True)

    async def take_pending(self) -> list[StreamAppend]:
        """Remove and return what is not committed yet, for the run's final
        transaction (fenced by the caller)."""
        task = self.buffer.committing
        if task is not None and not self.buffer.writing:  # still gathering: take it all
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self._settle()
        return self._assemble(*self._take(only_known=False))

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        if self.buffer.blank and not self.buffer.known:  # nothing saved yet: nothing to read
            thread_id, ns, checkpoint_id = codec.address(config)
            if checkpoint_id is None and thread_id == self.thread_id:
                self._loaded(ns, None)
                return None
        if self.buffer.queued or self.buffer.committing:
            await self.flush()  # read your own checkpoints
        return await super().aget_tuple(config)

    def _commit_in_background(self) -> None:
        if self.buffer.committing is None:
            self.buffer.committing = asyncio.create_task(self._commit_loop())

    async def _commit_loop(self) -> None:
        try:
            await asyncio.sleep(self.coalesce_s)
            self.buffer.writing = True
            while self.buffer.queued:
                await self._commit_queued(only_known=True)
        except asyncio.CancelledError:
            pass  # the run's final transaction took the queue
        except BaseException as exc:  # raised to LangGraph at its next put
            self.buffer.failure = exc
        finally:
            self.buffer.committing, self.buffer.writing = None, False

    async def _settle(self) -> None:
        """Let a background commit finish, then surface its error if any."""
        if self.buffer.committing is not None:
            await asyncio.wait({self.buffer.committing})
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self.buffer.failure is not None:
            raise self.buffer.failure

    async def _commit_queued(self, *, only_known: bool) -> None:
        queued, writes = self._take(only_known=only_known)
        batches = self._assemble(queued, writes)
        if not batches:
            return
        try:
            await self._commit(batches, self.fence)
        except BaseException:
            self.buffer.queued[:0] = queued
            self.buffer.put_back(writes)
            raise

    def _take(self, *, only_known: bool) -> tuple[list, list[ev.WritesSaved]]:
        queued = list(self.buffer.queued)
        self.buffer.queued.clear()
        return queued, self.buffer.take(only_known=only_known)

    def _assemble(
        self,
        queued: list[tuple[ev.CheckpointSaved, list[ev.StepCompleted]]],
        writes: list[ev.WritesSaved],
    ) -> list[StreamAppend]:
        checkpoint_events = [*writes, *(saved for saved, _ in queued)]
        steps = [step for _, found in queued for step in found]
        batches = [StreamAppend(codec.stream_of(self.thread_id), None, checkpoint_events)]
        if steps:
            batches.append(StreamAppend(f"run-{self.run_id}", None, steps))
        return batches if checkpoint_events or steps else []

    def _step(self, checkpoint: Checkpoint, metadata: CheckpointMetadata) -> ev.StepCompleted:
        previous = self.buffer.seen.get("", {})
        return ev.StepCompleted(
            at=codec.now(),
            run_id=self.run_id,
            thread_id=self.thread_id,
            epoch=self.epoch,
            step=int(metadata.get("step", -1)),
            checkpoint_id=checkpoint["id"],
            nodes=nodes_that_ran(previous, checkpoint["versions_seen"]),
        )

    def _unsaved(self, row: CheckpointRow) -> Sequence[StoredWrite]:
        if row.thread_id != self.thread_id:
            return ()
        return [
            w
            for e in self.buffer.writes
            if (e.checkpoint_ns, e.checkpoint_id) == (row.checkpoint_ns, row.checkpoint_id)
            for w in codec.stored_writes(e)
        ]

    def _loaded(self, checkpoint_ns: str, found: CheckpointTuple | None) -> None:
        if found is not None:
            self.buffer.known.add((checkpoint_ns, found.checkpoint["id"]))
        # The first read of a namespace is where the run starts; later reads
        # (state queries, ancestor walks) must not move the baseline.
        self.buffer.seen.setdefault(checkpoint_ns, _seen(found.checkpoint) if found else {})

    def _require_own_thread(self, config: RunnableConfig) -> None:
        thread_id = str(config["configurable"]["thread_id"])
        if thread_id != self.thread_id:
            raise ValueError(
                f"run '{self.run_id}' is bound to thread '{self.thread_id}', not '{thread_id}'"
            )
