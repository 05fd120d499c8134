"""Starting, waiting for and stopping runs on behalf of a request: shared by
the runs routes and the protocols built on them (MCP, A2A, protocol v2)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from ..application.commands import runs as cmd
from ..application.commands.thread_state import settle_cancelled
from ..application.execution.placement import LocalExecutor, executor_here
from ..application.run_stream_end import end_run_stream
from ..application.queries.outcomes import run_outcome
from ..application.queries.threads import require_checkpoint
from ..domain.errors import NotFound, RunAlreadyFinished
from ..domain.ids import new_id
from ..domain.statuses import RunStatus
from .auth.service import current_user, request_headers
from .run_access import authorize_run, with_headers, with_identity
from .run_specs import run_spec
from .schemas import CronRun, RunCreate
from .services import Services

log = logging.getLogger(__name__)


async def create_run(
    s: Services, thread_id: str | None, body: RunCreate, *, start: bool = True
) -> cmd.CreatedRun:
    await check_webhook(s, body)
    if s.auth.enabled:
        body = await authorize_run(s, thread_id, body)
    if thread_id is not None:
        await require_start_checkpoint(s, thread_id, body)
    run_id = new_id()
    local = executor_here(s.executor, run_id)
    command = run_command(thread_id, body, local, s.default_ttl, run_headers(s), run_id=run_id)
    try:
        created = await cmd.create_run(command, s.store, s.clock, s.graphs)
    except BaseException:
        release_slot(s, run_id)
        raise
    if created.claim is None:  # dispatched: whoever claims it takes a slot then
        release_slot(s, run_id)
    if created.cancelled_pending:
        _end_later(s, created.thread_id, created.cancelled_pending)
    if start:
        start_local(s, created)
    return created


def release_slot(s: Services, run_id: str) -> None:
    """The slot held for a run that will not start here now."""
    if s.executor is not None:
        s.executor.release_slot(run_id)


def run_headers(s: Services) -> dict[str, str]:
    """The request's headers that `http.configurable_headers` admits into runs."""
    return s.run_headers.pick(request_headers.get())


async def check_webhook(s: Services, body: RunCreate | CronRun) -> None:
    """A run's or a cron's webhook, refused when given rather than at delivery."""
    if body.webhook is not None and s.webhooks is not None:
        await s.webhooks.check(body.webhook)


def run_command(
    thread_id: str | None,
    body: RunCreate,
    local: LocalExecutor | None = None,
    default_ttl: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    *,
    run_id: str | None = None,
) -> cmd.CreateRun:
    return cmd.CreateRun(
        run_id=run_id or new_id(),
        assistant_id=body.assistant_id,
        thread_id=thread_id,
        spec=with_identity(with_headers(run_spec(body), headers), current_user.get()),
        metadata=body.metadata,
        multitask_strategy=body.multitask_strategy,
        if_not_exists=body.if_not_exists,
        default_ttl=default_ttl,
        claim_for=local.worker_id if local else None,
        lease_seconds=local.lease_seconds if local else 10.0,
    )


async def require_start_checkpoint(s: Services, thread_id: str, body: RunCreate) -> None:
    """Time travel: a run from a checkpoint the thread does not have is refused
    (LangGraph would start it from nothing)."""
    checkpoint = body.checkpoint or {}
    checkpoint_id = body.checkpoint_id or checkpoint.get("checkpoint_id")
    if checkpoint_id:
        await require_checkpoint(
            s.db, thread_id, checkpoint_id, checkpoint.get("checkpoint_ns") or ""
        )


def start_local(s: Services, created: cmd.CreatedRun) -> None:
    """Execute here a run claimed at its creation (idempotent; see
    application/execution/placement.py)."""
    if s.executor is not None and created.claim is not None:
        s.executor.adopt(created.run_id, created.claim)


async def wait_for_run(s: Services, run_id: str) -> Any:
    """Block until the run has finished; the end marker on its NATS subject
    wakes us, and PostgreSQL (the truth) is re-checked every second."""
    if s.executor is not None:
        ours, result = await s.executor.wait_local(run_id)
        if ours:
            return result
    while True:
        outcome = await run_outcome(s.db, run_id)
        if outcome is not None:
            return outcome.result()
        await s.streams.wait_end(run_id, timeout=1.0)


async def cancel_quietly(s: Services, thread_id: str, run_id: str) -> None:
    try:
        await cmd.cancel_run(thread_id, run_id, "interrupt", s.store, s.clock)
    except (RunAlreadyFinished, NotFound):  # finished or gone: nothing to cancel
        return
    await stopped(s, thread_id, [run_id])


async def stopped(s: Services, thread_id: str, run_ids: list[str]) -> None:
    for run_id in run_ids:
        cancel_local(s, run_id)
        await settle_cancelled(thread_id, run_id, s.store, s.clock, s.states)
    await end_streams(s, thread_id, run_ids)


_ending: set[asyncio.Task] = set()


def _end_later(s: Services, thread_id: str, run_ids: Sequence[str]) -> None:
    """Ends their streams without holding up the answer: the creation that
    cancelled them is committed whatever NATS does meanwhile."""
    task = asyncio.create_task(end_streams(s, thread_id, run_ids))
    _ending.add(task)
    task.add_done_callback(_ended)


def _ended(task: asyncio.Task) -> None:
    _ending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("cancelled runs' streams not ended: %s", task.exception())


async def end_streams(s: Services, thread_id: str, run_ids: Sequence[str]) -> None:
    """A run cancelled before any executor took it has nobody else to end
    its stream (who ends a run's stream: application/run_stream_end.py)."""
    for run_id in run_ids:
        await end_run_stream(s.streams, run_id, RunStatus.interrupted, thread_id=thread_id)


def cancel_local(s: Services, run_id: str) -> None:
    """Stop it now if it runs here; other workers hear the relayed event."""
    if s.executor is not None:
        s.executor.cancel(run_id)
