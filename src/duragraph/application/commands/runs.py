"""Run commands: creating, cancelling, deleting. Claiming and finishing (the
executors' side) are application/execution's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from ...domain.aggregate import Aggregate
from ...domain.assistant import Assistant, config_over
from ...domain.errors import DomainError, InvalidInput, NotFound
from ...domain.ids import new_id
from ...domain.events import RunCreated
from ...domain.run_spec import RunSpec
from ...domain.statuses import RunStatus
from ...domain.thread import Thread
from ..execution.claim import Claim
from ..execution.placement import claim_at_creation
from ..ports import Clock, EventStore, GraphCatalog, GrantLease
from .assistants import default_assistant_id
from .retry import on_conflict


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateRun:
    assistant_id: str
    thread_id: str | None = None  # None: a stateless run on a temporary thread
    run_id: str = field(default_factory=new_id)
    spec: RunSpec = field(default_factory=RunSpec)
    metadata: dict[str, Any] = field(default_factory=dict)
    multitask_strategy: str = "reject"
    if_not_exists: str = "reject"
    # The worker id of this process's executor with room (see execution/placement).
    claim_for: str | None = None
    default_ttl: dict[str, Any] | None = None  # for a thread this run creates (not a temporary one)
    lease_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class CreatedRun:
    run_id: str
    thread_id: str
    spec: RunCreated
    claim: Claim | None = None
    # The pending runs its `interrupt`/`rollback` cancelled: no executor ever
    # ends their streams (who does: application/run_stream_end.py).
    cancelled_pending: tuple[str, ...] = ()

    @property
    def status(self) -> RunStatus:
        return RunStatus.running if self.claim else RunStatus.pending


def assistant_key(assistant_id: str, graphs: GraphCatalog) -> str:
    """An assistant id, or a graph id standing for its default assistant."""
    return default_assistant_id(assistant_id) if graphs.has(assistant_id) else assistant_id


async def load_for_run(
    cmd: "CreateRun", store: EventStore, graphs: GraphCatalog, *, cached: bool = False
) -> tuple[Assistant, Thread]:
    wanted: list[tuple[type[Aggregate], str]] = [
        (Assistant, assistant_key(cmd.assistant_id, graphs))
    ]
    if cmd.thread_id is not None:  # else a temporary thread: a fresh id has no events to load
        wanted.append((Thread, cmd.thread_id))
    found = await store.load_many(*wanted, cached=cached)
    assistant, thread = found[0], found[1] if len(found) > 1 else Thread(new_id())
    assert isinstance(assistant, Assistant) and isinstance(thread, Thread)
    if not assistant.live:
        raise unknown_assistant(cmd.assistant_id, graphs)
    return assistant, thread


def unknown_assistant(requested: str, graphs: GraphCatalog) -> DomainError:
    """As the official server answers: a name that is neither a graph nor a
    UUID is invalid (the answer lists the graphs); an unknown UUID, or a
    graph whose default assistant was deleted, is not found."""
    try:
        uuid.UUID(requested)
    except ValueError:
        if not graphs.has(requested):
            return InvalidInput(
                f"Invalid assistant: '{requested}'. Must be either:\n"
                "- A valid assistant UUID, or\n"
                f"- One of the registered graphs: {', '.join(graphs.ids())}"
            )
    return NotFound("assistant", requested, "Thread or assistant not found.")


@on_conflict()
async def create_run(
    cmd: CreateRun, store: EventStore, clock: Clock, graphs: GraphCatalog
) -> CreatedRun:
    """Decided first on the cached thread and assistant (no read): committed
    only if neither moved since. A refusal may come from a stale cache, so
    it is decided again on the log before it stands."""
    try:
        return await _create_run(cmd, store, clock, graphs, cached=True)
    except DomainError:
        return await _create_run(cmd, store, clock, graphs, cached=False)


async def _create_run(
    cmd: CreateRun, store: EventStore, clock: Clock, graphs: GraphCatalog, *, cached: bool
) -> CreatedRun:
    assistant, thread = await load_for_run(cmd, store, graphs, cached=cached)
    created, leases = open_run(cmd, assistant, thread, clock.now())
    # A run no executor here claimed moves on in another process: caching
    # its thread would only make the next run's decision conflict.
    await store.save(thread, leases=leases, unchanged=[assistant], cache=created.claim is not None)
    return created


async def create_stateless_runs(
    cmds: Sequence[CreateRun], store: EventStore, clock: Clock, graphs: GraphCatalog
) -> list[CreatedRun]:
    """A batch of stateless runs, all or none: each is decided before one
    transaction saves them all, so one invalid run creates nothing."""
    keys = {assistant_key(c.assistant_id, graphs) for c in cmds}
    assistants = {
        a.id: a
        for a in await store.load_many(*[(Assistant, k) for k in keys])
        if isinstance(a, Assistant)
    }
    now = clock.now()
    threads = [Thread(new_id()) for _ in cmds]
    for c, thread in zip(cmds, threads, strict=True):
        assistant = assistants[assistant_key(c.assistant_id, graphs)]
        if not assistant.live:
            raise unknown_assistant(c.assistant_id, graphs)
        _decide(c, assistant, thread, now)
    await store.save(*threads)
    return [_created(c, t, None) for c, t in zip(cmds, threads, strict=True)]


def open_run(
    cmd: CreateRun, assistant: Assistant, thread: Thread, now: Any
) -> tuple[CreatedRun, list[GrantLease]]:
    """Decide the run on the loaded thread (its events left pending); returns
    it and the lease to commit with it if it is claimed at once (see
    execution/placement). Saving is the caller's, so another aggregate (a
    cron's tick) may commit in the same transaction."""
    stops_others = bool(thread.active_runs()) and cmd.multitask_strategy in (
        "interrupt",
        "rollback",
    )
    cancelled = tuple(
        r.run_id for r in thread.active_runs() if stops_others and r.status == RunStatus.pending
    )
    _decide(cmd, assistant, thread, now)
    # A run that stops others waits, pending, for them to wind down (as upstream).
    claimed = claim_at_creation(
        thread,
        cmd.run_id,
        worker_id=cmd.claim_for,
        lease_seconds=cmd.lease_seconds,
        delayed=bool(cmd.spec.after_seconds),
        stops_others=stops_others,
        now=now,
    )
    if claimed is None:
        return _created(cmd, thread, None, cancelled), []
    claim, lease = claimed
    return _created(cmd, thread, claim, cancelled), [lease]


def _decide(cmd: CreateRun, assistant: Assistant, thread: Thread, now: Any) -> None:
    if cmd.if_not_exists not in ("reject", "create"):
        raise InvalidInput("if_not_exists must be 'reject' or 'create'")
    temporary = cmd.thread_id is None
    if not thread.live and (temporary or cmd.if_not_exists == "create"):
        thread.create(metadata=_thread_metadata(assistant, cmd), now=now)
        if cmd.default_ttl and not temporary:
            thread.set_ttl(
                strategy=cmd.default_ttl["strategy"], minutes=cmd.default_ttl["ttl"], now=now
            )
    thread.create_run(
        run_id=cmd.run_id,
        assistant_id=assistant.id,
        graph_id=assistant.current["graph_id"],
        spec=_with_assistant_settings(assistant, thread, cmd),
        metadata=cmd.metadata,
        strategy=cmd.multitask_strategy,
        temporary=temporary,
        now=now,
    )


def _created(
    cmd: CreateRun, thread: Thread, claim: Claim | None, cancelled: tuple[str, ...] = ()
) -> CreatedRun:
    created = thread.run(cmd.run_id).created
    assert created is not None
    return CreatedRun(cmd.run_id, thread.id, created, claim, cancelled)


def _with_assistant_settings(assistant: Assistant, thread: Thread, cmd: CreateRun) -> RunSpec:
    """The run's config and context over its assistant's, as of now: a later
    assistant update does not change a run already created."""
    spec = cmd.spec
    run_config = spec.config or {}
    config = {
        **config_over(assistant.current.get("config") or {}, run_config),
        "metadata": _config_metadata(assistant, thread, run_config, cmd.metadata),
    }
    context = spec.context
    if assistant.current.get("context") or context:
        context = {**(assistant.current.get("context") or {}), **(context or {})}
    return replace(spec, config=config, context=context)


def _config_metadata(
    assistant: Assistant, thread: Thread, run_config: dict[str, Any], metadata: dict[str, Any]
) -> dict[str, Any]:
    """What the graph sees in config["metadata"], merged as upstream merges it
    (the assistant's `created_by` included); the assistant id is not the
    caller's to choose."""
    return {
        **(assistant.current.get("metadata") or {}),
        **thread.metadata,
        **(run_config.get("metadata") or {}),
        **metadata,
        "assistant_id": assistant.id,
    }


def _thread_metadata(assistant: Assistant, cmd: CreateRun) -> dict[str, Any]:
    """A thread a run creates takes the run's metadata (an owner stamped by an
    auth handler included), as on the official server."""
    return {**cmd.metadata, "graph_id": assistant.current["graph_id"], "assistant_id": assistant.id}


@on_conflict()
async def cancel_run(
    thread_id: str, run_id: str, action: str, store: EventStore, clock: Clock
) -> None:
    thread = await store.load(Thread, thread_id)
    thread.cancel_run(run_id, action=action, now=clock.now())
    await store.save(thread)


@on_conflict()
async def cancel_runs(
    thread_id: str, run_ids: Sequence[str], action: str, store: EventStore, clock: Clock
) -> list[str]:
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
