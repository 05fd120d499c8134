"""Ordered (ephemeral, flow-controlled) JetStream consumers, released on exit.

nats-py recreates an ordered consumer from the last stream sequence it saw
when it detects a gap or a stall, so a reader survives NATS reconnects.

A reader buffers at most `buffer_bytes` (and READER_PENDING_MSGS messages)
that it has not taken yet: JetStream's flow control does not hold a push
consumer back for long (nats-py answers the server's stalled heartbeats), so
beyond that nats-py drops what arrives and reports it to the connection's
error callback (connection.py), which calls `fell_behind`; `stream_messages`
then reads again from the last message it gave: a reader that falls behind (a
client that does not read its stream) costs bounded memory and loses nothing,
JetStream holds it."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from .errors import NATS_ERRORS
from .pacing import Backoff

log = logging.getLogger(__name__)

# The server deletes a consumer nobody listens to after this long: the
# backstop for a reader whose process died before it could delete it.
INACTIVE_THRESHOLD_S = 30.0
# A reader that misses two heartbeats recreates its consumer: this bounds how
# long a reader stalls after NATS restarts (ephemeral consumers do not survive).
IDLE_HEARTBEAT_S = 2.0
_RELEASE_TIMEOUT_S = 2.0
_RELEASE_ERRORS: tuple[type[BaseException], ...] = (*NATS_ERRORS, asyncio.TimeoutError)
READER_BUFFER_BYTES = 8 << 20
READER_PENDING_MSGS = 4096
BATCH_MSGS = 256
_behind: weakref.WeakSet = weakref.WeakSet()  # subscriptions NATS dropped messages of

Subscription = JetStreamContext.PushSubscription


def _config(after_seq: int, new_only: bool) -> ConsumerConfig:
    if new_only:
        policy, start = DeliverPolicy.NEW, None
    elif after_seq > 0:
        policy, start = DeliverPolicy.BY_START_SEQUENCE, after_seq + 1
    else:
        policy, start = DeliverPolicy.ALL, None
    return ConsumerConfig(
        deliver_policy=policy,
        opt_start_seq=start,
        inactive_threshold=INACTIVE_THRESHOLD_S,
        idle_heartbeat=IDLE_HEARTBEAT_S,
    )


async def stream_batches(
    js: JetStreamContext,
    stream: str,
    subject: str,
    *,
    after_seq: int = 0,
    new_only: bool = False,
    buffer_bytes: int = READER_BUFFER_BYTES,
) -> AsyncGenerator[list[Msg], None]:
    """The subject's messages in stream order, endless, in batches: each batch
    is a message waited for and those queued behind it (see `_queued`); read
    again from the last one given whenever some were dropped. `buffer_bytes`
    must exceed the largest message, which would otherwise be dropped every time."""
    while True:
        async with ordered_subscription(
            js, stream, subject, after_seq=after_seq, new_only=new_only, buffer_bytes=buffer_bytes
        ) as sub:
            async for batch in _until_drop(sub):
                after_seq, new_only = batch[-1].metadata.sequence.stream, False
                yield batch


async def stream_messages(
    js: JetStreamContext,
    stream: str,
    subject: str,
    *,
    after_seq: int = 0,
    new_only: bool = False,
) -> AsyncGenerator[Msg, None]:
    """`stream_batches`, one message at a time."""
    async with contextlib.aclosing(
        stream_batches(js, stream, subject, after_seq=after_seq, new_only=new_only)
    ) as batches:
        async for batch in batches:
            for msg in batch:
                yield msg


def fell_behind(sub: Any) -> None:
    """nats-py dropped messages of `sub` (a slow consumer error's)."""
    _behind.add(sub)


async def _until_drop(sub: Subscription) -> AsyncIterator[list[Msg]]:
    """Batches of messages until one was dropped. nats-py reports a drop
    before it queues any later message, so messages taken while none is
    reported were sent before any dropped one; once one is, the rest are read
    again. (The delivery sequence shows no gap: nats-py counts dropped
    messages as delivered, and recreates its consumer after them.)"""
    inner = sub._sub  # the subscription nats-py queues for and reports
    while True:
        batch = [await _next_msg(inner)]
        batch += _queued(inner)  # no await since the first: no drop reported in between
        if inner in _behind:
            return
        await _answer_flow_control(sub)
        yield batch


async def _next_msg(inner: Any) -> Msg:
    """nats-py's `next_msg(timeout=None)` without the task and uuid4 it makes
    per message: the queue is awaited in the caller's task, which is
    registered, as nats-py registers its task, to be cancelled if the
    connection closes."""
    calls, task = inner._pending_next_msgs_calls, asyncio.current_task()
    calls[id(task)] = task
    try:
        msg = await inner._pending_queue.get()
    except asyncio.CancelledError:
        if inner._conn.is_closed:
            raise nats.errors.ConnectionClosedError from None
        raise
    finally:
        calls.pop(id(task), None)
    inner._pending_size -= len(msg.data)
    inner._pending_queue.task_done()
    return msg


def _queued(inner: Any) -> list[Msg]:
    """The messages nats-py has queued already, taken as `_next_msg` takes
    them, so that a reader behind a fast stream catches up a batch per step.
    At most BATCH_MSGS, so that a batch's frames stay a bounded write."""
    queue: asyncio.Queue = inner._pending_queue
    taken: list[Msg] = []
    while len(taken) < BATCH_MSGS and not queue.empty():
        msg = queue.get_nowait()
        inner._pending_size -= len(msg.data)
        queue.task_done()
        taken.append(msg)
    return taken


async def _answer_flow_control(sub: Subscription) -> None:
    """What nats-py's JetStream `next_msg` does after each message it takes:
    answer the server's flow control once the consumer has it all (JetStream
    sends no more until then). Only the last of a batch is checked: the
    delivered count only grows."""
    jsi = sub._sub._jsi
    if jsi is None:
        return
    jsi._active = True
    if jsi.get_js_delivered() >= jsi._fciseq and jsi._fcr:
        await sub._conn.publish(jsi._fcr)
        jsi._fcr = None


@contextlib.asynccontextmanager
async def ordered_subscription(
    js: JetStreamContext,
    stream: str,
    subject: str,
    *,
    after_seq: int = 0,
    new_only: bool = False,
    buffer_bytes: int = READER_BUFFER_BYTES,
) -> AsyncIterator[Subscription]:
    sub = await _subscribe(js, stream, subject, _config(after_seq, new_only), buffer_bytes)
    try:
        yield sub
    finally:
        await _release(js, stream, sub)


async def _subscribe(
    js: JetStreamContext, stream: str, subject: str, config: ConsumerConfig, buffer_bytes: int
) -> Subscription:
    """Retried until it works (or the caller is cancelled): a reader waits out
    a NATS outage rather than failing."""
    backoff = Backoff()
    while True:
        try:
            return await js.subscribe(
                subject,
                stream=stream,
                ordered_consumer=True,
                config=copy.copy(config),
                pending_msgs_limit=READER_PENDING_MSGS,
                pending_bytes_limit=buffer_bytes,
            )
        except NATS_ERRORS as exc:
            delay = backoff.next()
            log.warning(
                "cannot read %s from %s (%s: %s); retrying in %.1fs",
                subject,
                stream,
                type(exc).__name__,
                exc,
                delay,
            )
            await asyncio.sleep(delay)


async def _release(js: JetStreamContext, stream: str, sub: Subscription) -> None:
    try:
        await sub.unsubscribe()
        await asyncio.wait_for(_delete_consumer(js, stream, sub), _RELEASE_TIMEOUT_S)
    except _RELEASE_ERRORS as exc:
        log.info(
            "could not delete a stream reader's consumer (the server drops it after %.0fs): %s: %s",
            INACTIVE_THRESHOLD_S,
            type(exc).__name__,
            exc,
        )


async def _delete_consumer(js: JetStreamContext, stream: str, sub: Subscription) -> None:
    # Asked, not remembered: an ordered consumer changes name when recreated.
    info = await sub.consumer_info()
    await js.delete_consumer(stream, info.name)
