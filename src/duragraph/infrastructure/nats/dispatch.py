"""Run dispatch to executors, and core subscriptions to relayed events.

Every executor pulls from one durable consumer on `run.created`, so each run
goes to one of them; an un-acked message is redelivered after `ack_wait`.
A run claimed at its creation is relayed on `run.created.claimed` instead,
which this consumer does not pull (see application/execution/placement.py).
Signals such as `run.cancelled` use core subscriptions: every worker hears
them at once, and PostgreSQL stays the truth if one is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from dataclasses import dataclass
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, Callable

import nats.errors
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from .errors import NATS_ERRORS
from .pacing import Backoff, unless_stopped, wait_any
from .subjects import event_subject, events_stream, stream_name

log = logging.getLogger(__name__)

RUN_CREATED = "run.created"


@dataclass(slots=True)
class DispatchMessage:
    run_id: str
    thread_id: str
    attempt: int  # 1 on first delivery
    msg: Msg

    async def ack(self) -> None:
        await self.msg.ack()

    async def nak(self, delay: float | None = None) -> None:
        await self.msg.nak(delay=delay)

    async def in_progress(self) -> None:
        """Restart the ack_wait clock for a message still being worked on."""
        await self.msg.in_progress()


def durable_name(prefix: str) -> str:
    return stream_name(prefix, "executors")


class RunDispatch:
    def __init__(
        self,
        js: JetStreamContext,
        prefix: str,
        *,
        ack_wait: float = 30.0,
        batch: int = 1,
        fetch_timeout: float = 5.0,
    ) -> None:
        self.js, self.prefix = js, prefix
        self.stream, self.durable = events_stream(prefix), durable_name(prefix)
        self.ack_wait, self.batch, self.fetch_timeout = ack_wait, batch, fetch_timeout

    async def messages(self, stop: asyncio.Event) -> AsyncIterator[DispatchMessage]:
        """Dispatched runs until `stop` is set; NATS failures are logged and
        the consumer re-bound with backoff."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                psub = await self._bind()
            except NATS_ERRORS as exc:
                await _pause(stop, backoff, "cannot bind the dispatch consumer", exc)
                continue
            try:
                async with contextlib.aclosing(self._pull(psub, stop, backoff)) as pulled:
                    async for message in pulled:
                        yield message
            finally:
                await _unsubscribe(psub)

    async def _bind(self) -> JetStreamContext.PullSubscription:
        # Create-or-update: every worker declares the same shared consumer.
        await self.js.add_consumer(
            self.stream,
            config=ConsumerConfig(
                name=self.durable,
                durable_name=self.durable,
                filter_subject=event_subject(self.prefix, RUN_CREATED),
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=self.ack_wait,
            ),
        )
        return await self.js.pull_subscribe_bind(durable=self.durable, stream=self.stream)

    async def _pull(
        self, psub: JetStreamContext.PullSubscription, stop: asyncio.Event, backoff: Backoff
    ) -> AsyncGenerator[DispatchMessage, None]:
        while not stop.is_set():
            try:
                fetched = (
                    await unless_stopped(psub.fetch(self.batch, timeout=self.fetch_timeout), stop)
                    or []
                )
            except nats.errors.TimeoutError:
                continue  # a long poll that found nothing
            except NATS_ERRORS as exc:
                await _pause(stop, backoff, "fetching dispatched runs failed", exc)
                return  # re-bind: the consumer may have been deleted
            backoff.reset()
            for msg in fetched:
                message = await _parse(msg)
                if message is not None:
                    yield message


async def _parse(msg: Msg) -> DispatchMessage | None:
    try:
        data = orjson.loads(msg.data)["data"]
        run_id, thread_id = str(data["run_id"]), str(data["thread_id"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        log.error("dropping a malformed run.created message: %r", msg.data[:200])
        await _terminate(msg)
        return None
    return DispatchMessage(run_id, thread_id, msg.metadata.num_delivered, msg)


async def _terminate(msg: Msg) -> None:
    try:
        await msg.term()  # redelivering it would never help
    except NATS_ERRORS as exc:
        log.warning("run dispatch: could not drop the message: %s: %s", type(exc).__name__, exc)


async def _pause(stop: asyncio.Event, backoff: Backoff, what: str, exc: BaseException) -> None:
    delay = backoff.next()
    log.warning(
        "run dispatch: %s (%s: %s); retrying in %.1fs", what, type(exc).__name__, exc, delay
    )
    await wait_any(stop, timeout=delay)


async def _unsubscribe(psub: JetStreamContext.PullSubscription) -> None:
    try:
        await psub.unsubscribe()
    except NATS_ERRORS as exc:
        log.info("run dispatch: unsubscribe failed: %s: %s", type(exc).__name__, exc)


async def subscribe_events(
    nc: Client, prefix: str, event_type: str, handler: Callable[[bytes], Any]
) -> Subscription:
    """Call `handler(payload)` (sync or async) for every relayed event of this
    type; the subscription survives reconnects. Unsubscribe it to stop."""

    async def deliver(msg: Msg) -> None:
        try:
            result = handler(msg.data)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("handler for %s events failed", event_type)

    return await nc.subscribe(event_subject(prefix, event_type), cb=deliver)
