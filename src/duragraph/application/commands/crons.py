"""Cron commands: create, update, delete, and fire a tick (schedulers)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Awaitable, Callable

from ...domain.aggregate import Aggregate
from ...domain.assistant import Assistant
from ...domain.cron import Cron
from ...domain.errors import DomainError, NotFound
from ...domain.run_spec import RunSpec
from ...domain.thread import Thread
from ..ports import Clock, EventStore, GraphCatalog
from ..schedules import next_tick, validate
from .retry import on_conflict
from .runs import CreateRun, assistant_key, load_for_run, open_run


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateCron:
    assistant_id: str
    schedule: str
    thread_id: str | None = None  # None: stateless, a new thread per tick
    timezone: str | None = None
    end_time: datetime | None = None
    enabled: bool = True
    payload: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    on_run_completed: str | None = None
    cron_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    user_id: str | None = None  # the creator, as whom each tick runs


# The official server's wording (langgraph_runtime_inmem Crons.put).
_THREAD_NOT_FOUND = (
    "Thread with ID '{}' not found. Please verify the ID is correct and "
    "the thread hasn't been deleted or expired."
)


async def create_cron(
    cmd: CreateCron, store: EventStore, clock: Clock, graphs: GraphCatalog
) -> str:
    validate(cmd.schedule, cmd.timezone, clock.now())
    wanted: list[tuple[type[Aggregate], str]] = [
        (Assistant, assistant_key(cmd.assistant_id, graphs))
    ]
    if cmd.thread_id is not None:
        wanted.append((Thread, cmd.thread_id))
    assistant, *thread = await store.load_many(*wanted)
    if not assistant.live:
        raise NotFound("assistant", assistant.id, f"Assistant '{assistant.id}' not found")
    if thread and not thread[0].live:
        raise NotFound("thread", thread[0].id, _THREAD_NOT_FOUND.format(thread[0].id))
    cron = Cron(cmd.cron_id)  # a new id: no history to load
    cron.create(
        assistant_id=assistant.id,
        thread_id=cmd.thread_id,
        schedule=cmd.schedule,
        timezone=cmd.timezone,
        end_time=cmd.end_time,
        enabled=cmd.enabled,
        payload={**cmd.payload, "assistant_id": cmd.assistant_id},
        metadata=cmd.metadata,
        on_run_completed=cmd.on_run_completed,
        now=clock.now(),
        next_tick=next_tick,
        user_id=cmd.user_id,
    )
    await store.save(cron)
    return cron.id


@on_conflict()
async def update_cron(
    cron_id: str, changes: dict[str, Any], store: EventStore, clock: Clock
) -> None:
    cron = await store.load(Cron, cron_id)
    if cron.live:
        validate(
            changes.get("schedule", cron.current["schedule"]),
            changes.get("timezone", cron.current["timezone"]),
            clock.now(),
        )
    cron.update(changes, now=clock.now(), next_tick=next_tick)
    await store.save(cron)


@on_conflict()
async def delete_cron(cron_id: str, store: EventStore, clock: Clock) -> None:
    cron = await store.load(Cron, cron_id)
    cron.delete(now=clock.now())
    await store.save(cron)


# -- schedulers -------------------------------------------------------------


class FiringRefused(Exception):
    """The cron's creator may not run it (any more): the tick is skipped."""


# The run a tick would create, as the cron's creator (by user id) may start
# it: their auth handler's metadata and identity in it; or FiringRefused.
AuthorizeFiring = Callable[[CreateRun, "str | None"], Awaitable[CreateRun]]


@dataclass(frozen=True, slots=True)
class Tick:
    cron_id: str
    run_id: str | None
    thread_id: str | None
    error: str | None = None
    cancelled_pending: tuple[str, ...] = ()  # see CreatedRun


@on_conflict()
async def fire_cron(
    cron_id: str,
    store: EventStore,
    clock: Clock,
    graphs: GraphCatalog,
    authorize: AuthorizeFiring | None = None,
) -> Tick | None:
    """Create the due tick's run and record `cron.fired` in one transaction,
    at the cron version loaded here: a scheduler that lost the race to the
    same tick conflicts, reloads, finds the cron no longer due: None."""
    cron = await store.load(Cron, cron_id)
    now = clock.now()
    if not cron.due(now):
        return None
    try:
        request = _run_request(cron)
        if authorize is not None:
            request = await authorize(request, cron.current.get("user_id"))
        assistant, thread = await load_for_run(request, store, graphs)
        created, leases = open_run(request, assistant, thread, now)
    except (DomainError, FiringRefused) as exc:  # gone, busy, no longer the creator's...
        cron.fire(now=now, next_tick=next_tick, error=str(exc))
        if isinstance(exc, NotFound):  # what it runs, or where, is gone: so is the cron
            cron.delete(now=now)
        await store.save(cron)
        return Tick(cron.id, None, None, str(exc))
    cron.fire(now=now, next_tick=next_tick, run_id=created.run_id, thread_id=created.thread_id)
    await store.save(thread, cron, leases=leases)
    return Tick(cron.id, created.run_id, created.thread_id, None, created.cancelled_pending)


def _run_request(cron: Cron) -> CreateRun:
    c = cron.current
    # The payload: the run part of the cron's request, stored in the run's shape.
    spec = RunSpec.from_stored(c["payload"])
    if c["thread_id"] is None:
        spec = replace(spec, on_completion=c["on_run_completed"] or "delete")
    return CreateRun(
        assistant_id=c["assistant_id"],
        thread_id=c["thread_id"],
        spec=spec,
        metadata={**c["metadata"], "cron_id": cron.id},
        multitask_strategy=c["payload"].get("multitask_strategy", "enqueue"),
    )
