"""Ordered (ephemeral, flow-controlled) JetStream consumers, released on exit.

nats-py recreates an ordered consumer from the last stream sequence it saw
when it detects a gap or a stall, so a reader survives NATS reconnects."""
from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
from typing import AsyncIterator

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

Subscription = JetStreamContext.PushSubscription


def _config(after_seq: int, new_only: bool) -> ConsumerConfig:
    if new_only:
        policy, start = DeliverPolicy.NEW, None
    elif after_seq > 0:
        policy, start = DeliverPolicy.BY_START_SEQUENCE, after_seq + 1
    else:
        policy, start = DeliverPolicy.ALL, None
    return ConsumerConfig(deliver_policy=policy, opt_start_seq=start,
                          inactive_threshold=INACTIVE_THRESHOLD_S,
                          idle_heartbeat=IDLE_HEARTBEAT_S)


@contextlib.asynccontextmanager
async def ordered_subscription(js: JetStreamContext, stream: str, subject: str, *,
                               after_seq: int = 0,
                               new_only: bool = False) -> AsyncIterator[Subscription]:
    sub = await _subscribe(js, stream, subject, _config(after_seq, new_only))
    try:
        yield sub
    finally:
        await _release(js, stream, sub)


async def _subscribe(js: JetStreamContext, stream: str, subject: str,
                     config: ConsumerConfig) -> Subscription:
    """Retried until it works (or the caller is cancelled): a reader waits out
    a NATS outage rather than failing."""
    backoff = Backoff()
    while True:
        try:
            return await js.subscribe(subject, stream=stream, ordered_consumer=True,
                                      config=copy.copy(config))
        except NATS_ERRORS as exc:
            delay = backoff.next()
            log.warning("cannot read %s from %s (%s: %s); retrying in %.1fs", subject, stream,
                        type(exc).__name__, exc, delay)
            await asyncio.sleep(delay)


async def messages(sub: Subscription) -> AsyncIterator[Msg]:
    while True:
        yield await sub.next_msg(timeout=None)


async def _release(js: JetStreamContext, stream: str, sub: Subscription) -> None:
    try:
        await sub.unsubscribe()
        await asyncio.wait_for(_delete_consumer(js, stream, sub), _RELEASE_TIMEOUT_S)
    except (*NATS_ERRORS, asyncio.TimeoutError) as exc:
        log.info("could not delete a stream reader's consumer (the server drops it "
                 "after %.0fs): %s: %s", INACTIVE_THRESHOLD_S, type(exc).__name__, exc)


async def _delete_consumer(js: JetStreamContext, stream: str, sub: Subscription) -> None:
    # Asked, not remembered: an ordered consumer changes name when recreated.
    info = await sub.consumer_info()
    await js.delete_consumer(stream, info.name)
