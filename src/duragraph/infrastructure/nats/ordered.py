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


async def stream_messages(
    js: JetStreamContext,
    stream: str,
    subject: str,
    *,
    after_seq: int = 0,
    new_only: bool = False,
    buffer_bytes: int = READER_BUFFER_BYTES,
) -> AsyncGenerator[Msg, None]:
    """The subject's messages in stream order, endless; read again from the
    last one given whenever some were dropped. `buffer_bytes` must exceed the
    largest message, which would otherwise be dropped every time."""
    while True:
        async with ordered_subscription(
            js, stream, subject, after_seq=after_seq, new_only=new_only, buffer_bytes=buffer_bytes
        ) as sub:
            async for msg in _until_drop(sub):
                after_seq, new_only = msg.metadata.sequence.stream, False
                yield msg


def fell_behind(sub: Any) -> None:
    """nats-py dropped messages of `sub` (a slow consumer error's)."""
    _behind.add(sub)


async def _until_drop(sub: Subscription) -> AsyncIterator[Msg]:
    """Messages until one was dropped. nats-py reports a drop before it
    queues any later message, so a message taken while none is reported was
    sent before any dropped one; once one is, the rest are read again.
    (The delivery sequence shows no gap: nats-py counts dropped messages as
    delivered, and recreates its consumer after them.)"""
    while True:
        msg = await sub.next_msg(timeout=None)
        if sub._sub in _behind:  # the inner subscription, the one nats-py reports
            return
        yield msg


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
