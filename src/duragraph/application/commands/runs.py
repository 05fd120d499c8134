"""Run commands: creating, claiming (executors), finishing, cancelling."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from ...domain.assistant import Assistant, config_over
from ...domain.errors import ConcurrencyConflict, DomainError, Fenced, InvalidInput, NotFound
from ...domain.ids import new_id
from ...domain.events import RunCreated
from ...domain.run_spec import RunSpec
from ...domain.statuses import RunStatus
from ...domain.thread import Thread
from ..acting import acting_as, on_behalf_of_run
from ..ports import (
    Clock, EventStore, Fence, GraphCatalog, GrantLease, ReleaseLease, StreamAppend,
)
from .assistants import default_assistant_id
from .retry import on_conflict, retry_on_conflict


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateRun:
    assistant_id: str
    thread_id: str | None = None  # None: a stateless run on a temporary thread
    run_id: str = field(default_factory=new_id)
    spec: RunSpec = field(default_factory=RunSpec)
    metadata: dict[str, Any] = field(default_factory=dict)
    multitask_strategy: str = "reject"
    if_not_exists: str = "reject"
    # An in-process executor with room claims the run in the creating
    # transaction: one commit fewer, and no dispatch hop.
    claim_for: str | None = None
    default_ttl: dict[str, Any] | None = None  # for a thread this run creates (not a temporary one)
    lease_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class CreatedRun:
    run_id: str
    thread_id: str
    spec: RunCreated
    claim: "Claim | None" = None

    @property
    def status(self) -> RunStatus:
        return RunStatus.running if self.claim else RunStatus.pending


def assistant_key(assistant_id: str, graphs: GraphCatalog) -> str:
    """An assistant id, or a graph id standing for its default assistant."""
    return default_assistant_id(assistant_id) if graphs.has(assistant_id) else assistant_id


async def load_for_run(cmd: "CreateRun", store: EventStore, graphs: GraphCatalog, *,
                       cached: bool = False) -> tuple[Assistant, Thread]:
    key = assistant_key(cmd.assistant_id, graphs)
    if cmd.thread_id is None:  # a temporary thread: a fresh id has no events to load
        (assistant,) = await store.load_many((Assistant, key), cached=cached)
        thread = Thread(new_id())
    else:
        assistant, thread = await store.load_many((Assistant, key), (Thread, cmd.thread_id),
                                                  cached=cached)
    if not assistant.live:
        raise unknown_assistant(cmd.assistant_id, graphs)
    return assistant, thread  # type: ignore[return-value]


def unknown_assistant(requested: str, graphs: GraphCatalog) -> DomainError:
    """As the official server answers: a name that is neither a graph nor a
    UUID is invalid (the answer lists the graphs); an unknown UUID, or a
    graph whose default assistant was deleted, is not found."""
    try:
        uuid.UUID(requested)
    except ValueError:
        if not graphs.has(requested):
            return InvalidInput(f"Invalid assistant: '{requested}'. Must be either:\n"
                                "- A valid assistant UUID, or\n"
                                f"- One of the registered graphs: {', '.join(graphs.ids())}")
    return NotFound("assistant", requested, "Thread or assistant not found.")


@on_conflict()
async def create_run(cmd: CreateRun, store: EventStore, clock: Clock,
                     graphs: GraphCatalog) -> CreatedRun:
    """Decided first on the cached thread and assistant (no read): committed
    only if neither moved since. A refusal may come from a stale cache, so
    it is decided again on the log before it stands."""
    try:
        return await _create_run(cmd, store, clock, graphs, cached=True)
    except DomainError:
        return await _create_run(cmd, store, clock, graphs, cached=False)


async def _create_run(cmd: CreateRun, store: EventStore, clock: Clock, graphs: GraphCatalog, *,
                      cached: bool) -> CreatedRun:
    assistant, thread = await load_for_run(cmd, store, graphs, cached=cached)
    created, leases = open_run(cmd, assistant, thread, clock.now())
    # A run no executor here claimed moves on in another process: caching
    # its thread would only make the next run's decision conflict.
    await store.save(thread, leases=leases, unchanged=[assistant],
                     cache=created.claim is not None)
    return created


async def create_stateless_runs(cmds: Sequence[CreateRun], store: EventStore, clock: Clock,
                                graphs: GraphCatalog) -> list[CreatedRun]:
    """A batch of stateless runs, all or none: each is decided before one
    transaction saves them all, so one invalid run creates nothing."""
    keys = {assistant_key(c.assistant_id, graphs) for c in cmds}
    assistants = {a.id: a for a in await store.load_many(*[(Assistant, k) for k in keys])}
    now = clock.now()
    threads = [Thread(new_id()) for _ in cmds]
    for c, thread in zip(cmds, threads):
        assistant = assistants[assistant_key(c.assistant_id, graphs)]
        if not assistant.live:
            raise unknown_assistant(c.assistant_id, graphs)
        _decide(c, assistant, thread, now)  # type: ignore[arg-type]
    await store.save(*threads)
    return [_created(c, t, None) for c, t in zip(cmds, threads)]


def open_run(cmd: CreateRun, assistant: Assistant, thread: Thread,
             now: Any) -> tuple[CreatedRun, list[GrantLease]]:
    """Decide the run on the loaded thread (its events left pending); returns
    it and the lease to commit with it. Saving is the caller's, so
    another aggregate (a cron's tick) may commit in the same transaction."""
    stops_others = bool(thread.active_runs()) and cmd.multitask_strategy in ("interrupt",
                                                                             "rollback")
    _decide(cmd, assistant, thread, now)
    # A run that stops others waits, pending, for them to wind down (as upstream).
    epoch = None if stops_others else _claim_at_once(thread, cmd, now)
    lease = ([GrantLease(cmd.run_id, thread.id, epoch, cmd.claim_for, cmd.lease_seconds)]
             if epoch and cmd.claim_for else [])
    return _created(cmd, thread, Claim(epoch, thread) if epoch else None), lease


def _decide(cmd: CreateRun, assistant: Assistant, thread: Thread, now: Any) -> None:
    if cmd.if_not_exists not in ("reject", "create"):
        raise InvalidInput("if_not_exists must be 'reject' or 'create'")
    temporary = cmd.thread_id is None
    if not thread.live and (temporary or cmd.if_not_exists == "create"):
        thread.create(metadata=_thread_metadata(assistant, cmd), now=now)
        if cmd.default_ttl and not temporary:
            thread.set_ttl(strategy=cmd.default_ttl["strategy"],
                           minutes=cmd.default_ttl["ttl"], now=now)
    thread.create_run(
        run_id=cmd.run_id, assistant_id=assistant.id, graph_id=assistant.current["graph_id"],
        spec=_with_assistant_settings(assistant, thread, cmd), metadata=cmd.metadata,
        strategy=cmd.multitask_strategy, temporary=temporary, now=now,
    )


def _created(cmd: CreateRun, thread: Thread, claim: "Claim | None") -> CreatedRun:
    created = thread.run(cmd.run_id).created
    assert created is not None
    return CreatedRun(cmd.run_id, thread.id, created, claim)


def _claim_at_once(thread: Thread, cmd: CreateRun, now: Any) -> int | None:
    runnable = thread.next_runnable()
    if (cmd.claim_for is None or cmd.spec.after_seconds
            or runnable is None or runnable.run_id != cmd.run_id):
        return None
    return thread.start_run(cmd.run_id, worker_id=cmd.claim_for, lease_lapsed=False, now=now)


def _with_assistant_settings(assistant: Assistant, thread: Thread,
                             cmd: CreateRun) -> RunSpec:
    """The run's config and context over its assistant's, as of now: a later
    assistant update does not change a run already created."""
    spec = cmd.spec
    run_config = spec.config or {}
    config = {**config_over(assistant.current.get("config") or {}, run_config),
              "metadata": _config_metadata(assistant, thread, run_config, cmd.metadata)}
    context = spec.context
    if assistant.current.get("context") or context:
        context = {**(assistant.current.get("context") or {}), **(context or {})}
    return replace(spec, config=config, context=context)


def _config_metadata(assistant: Assistant, thread: Thread, run_config: dict[str, Any],
                     metadata: dict[str, Any]) -> dict[str, Any]:
    """What the graph sees in config["metadata"], merged as upstream merges it
    (the assistant's `created_by` included); the assistant id is not the
    caller's to choose."""
    return {**(assistant.current.get("metadata") or {}), **thread.metadata,
            **(run_config.get("metadata") or {}), **metadata, "assistant_id": assistant.id}


def _thread_metadata(assistant: Assistant, cmd: CreateRun) -> dict[str, Any]:
    """A thread a run creates takes the run's metadata (an owner stamped by an
    auth handler included), as on the official server."""
    return {**cmd.metadata, "graph_id": assistant.current["graph_id"],
            "assistant_id": assistant.id}


@on_conflict()
async def cancel_run(thread_id: str, run_id: str, action: str, store: EventStore,
                     clock: Clock) -> None:
    thread = await store.load(Thread, thread_id)
    thread.cancel_run(run_id, action=action, now=clock.now())
    await store.save(thread)


@on_conflict()
async def cancel_runs(thread_id: str, run_ids: Sequence[str], action: str, store: EventStore,
                      clock: Clock) -> list[str]:
    """Cancel those of the thread's runs still active; returns their ids."""
    thread = await store.load(Thread, thread_id)
    cancelled = thread.cancel_runs(run_ids, action=action, now=clock.now())
    await store.save(thread)
    return cancelled


@on_conflict()
async def delete_run(thread_id: str, run_id: str, store: EventStore, clock: Clock) -> None:
    thread = await store.load(Thread, thread_id)
    thread.delete_run(run_id, now=clock.now())
    await store.save(thread)


# -- executors --------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimRun:
    run_id: str
    thread_id: str
    worker_id: str
    lease_seconds: float


@dataclass(frozen=True, slots=True)
class Claim:
    epoch: int
    thread: Thread  # kept by the executor: finishing needs no reload

    def run(self, run_id: str) -> dict[str, Any]:
        created = self.thread.run(run_id).created
        assert created is not None
        return {"run_id": created.run_id, "thread_id": created.thread_id,
                "assistant_id": created.assistant_id, "graph_id": created.graph_id,
                "spec": created.spec, "metadata": created.metadata,
                "temporary": created.temporary}


@on_conflict()
async def claim_run(cmd: ClaimRun, store: EventStore, clock: Clock,
                    lease_lapsed: bool) -> Claim | None:
    """Start the run under a new epoch; None when it is not ours to start.
    The executor claims it for the run's caller; a lapsed lease's run is
    claimed back by recovery."""
    thread = await store.load(Thread, cmd.thread_id)
    if not thread.live:
        return None
    try:
        epoch = thread.start_run(cmd.run_id, worker_id=cmd.worker_id,
                                 lease_lapsed=lease_lapsed, now=clock.now())
    except (Fenced, NotFound):
        return None
    lease = GrantLease(cmd.run_id, cmd.thread_id, epoch, cmd.worker_id, cmd.lease_seconds)
    claim, claimer = Claim(epoch, thread), "recovery" if lease_lapsed else "executor"
    with acting_as(on_behalf_of_run(claimer, claim.run(cmd.run_id)["spec"])):
        await store.save(thread, leases=[lease])
    return claim


@on_conflict()
async def fail_unschedulable(run_id: str, thread_id: str, reason: str, store: EventStore,
                             clock: Clock) -> str | None:
    """A run its claim found can never start (see Unschedulable) fails now,
    once; returns the next run waiting on the thread, if any."""
    thread = await store.load(Thread, thread_id)
    try:
        thread.fail_unschedulable(run_id, reason=reason, now=clock.now())
    except (Fenced, NotFound):  # another executor got there first
        return None
    created = thread.runs[run_id].created
    with acting_as(on_behalf_of_run("executor", created.spec if created else RunSpec())):
        await store.save(thread)
    nxt = thread.next_runnable()
    return nxt.run_id if nxt else None


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishRun:
    run_id: str
    thread_id: str
    epoch: int
    outcome: RunStatus  # success | interrupted | error
    values: Any = None
    interrupts: Any = None
    error: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class RideAlong:
    """The run's last uncommitted checkpoints, committed with its outcome."""
    batches: Sequence[StreamAppend] = ()
    fence: Fence | None = None


async def finish_run(cmd: FinishRun, store: EventStore, clock: Clock,
                     thread: Thread | None = None, along: RideAlong = RideAlong(),
                     attempts: int = 8) -> str | None:
    """Record the outcome; returns the next run waiting on the thread, if any.
    `thread` is the claimer's aggregate, reloaded only if another writer moved it."""
    claimed = [thread] if thread else []

    async def attempt() -> str | None:
        current = claimed.pop() if claimed else await store.load(Thread, cmd.thread_id)
        return await _record_outcome(cmd, current, store, clock, along)

    return await retry_on_conflict(attempt, attempts)


async def _record_outcome(cmd: FinishRun, thread: Thread, store: EventStore,
                          clock: Clock, along: RideAlong) -> str | None:
    thread.finish_run(cmd.run_id, epoch=cmd.epoch, outcome=cmd.outcome, now=clock.now(),
                      values=cmd.values, interrupts=cmd.interrupts, error=cmd.error,
                      message=cmd.message)
    release = ReleaseLease(cmd.run_id, cmd.epoch)
    try:
        await store.save(thread, leases=[release], extra=along.batches, fence=along.fence)
    except ConcurrencyConflict:
        thread.pending.clear()
        raise
    nxt = thread.next_runnable()
    return nxt.run_id if nxt else None
