"""How many NATS servers keep a copy of each stream (DURAGRAPH_NATS_REPLICAS).

Every stream and key-value bucket DuraGraph makes gets the configured count;
one made earlier with another count is scaled to it (a clustered JetStream
moves the copies while it serves). A count the servers cannot hold stops the
start with one line saying why.
"""

from __future__ import annotations

import asyncio
import logging
import time

from nats.js import JetStreamContext
from nats.js.api import StreamInfo
from nats.js.errors import APIError, ServiceUnavailableError

log = logging.getLogger(__name__)

SETTLE_TIMEOUT_S = 30.0

# JetStream's error codes for a replica count it cannot place.
_NO_PEERS = 10005  # "no suitable peers for placement": fewer servers than replicas
_NOT_CLUSTERED = 10074  # "replicas > 1 not supported in non-clustered mode"


class StreamRefused(Exception):
    """NATS refused to create or change one of DuraGraph's streams."""


def unplaceable(exc: APIError) -> bool:
    """NATS has fewer servers than the replicas asked for."""
    return exc.err_code in (_NO_PEERS, _NOT_CLUSTERED)


def refused(exc: APIError, stream: str, replicas: int) -> StreamRefused:
    reason = f"NATS refused the JetStream stream {stream} ({replicas} replicas): {exc.description}"
    if unplaceable(exc):
        reason += (
            "; DURAGRAPH_NATS_REPLICAS may not exceed the number of servers in the NATS "
            "cluster (1 for a single server)"
        )
    return StreamRefused(reason)


async def rescale(js: JetStreamContext, stream: str, replicas: int) -> None:
    """Give an existing stream `replicas` copies, if it has another count."""
    config = (await js.stream_info(stream)).config
    if config.num_replicas == replicas:
        return
    config.num_replicas = replicas
    try:
        await js.update_stream(config)
    except ServiceUnavailableError:
        raise  # JetStream forming or electing: asked again (see NATS_BUSY)
    except APIError as exc:
        raise refused(exc, stream, replicas) from None


async def settled(
    js: JetStreamContext, stream: str, replicas: int, timeout: float = SETTLE_TIMEOUT_S
) -> None:
    """Until the stream has a leader and a quorum of its copies: a stream just
    made or scaled elects its leader first (a second or so), and a write before
    that times out. A node down (one of three) does not hold the start up."""
    deadline = time.monotonic() + timeout
    while not _writable(await js.stream_info(stream), replicas):
        if time.monotonic() > deadline:
            log.warning(
                "JetStream stream %s: no leader with %d copies after %.0fs",
                stream,
                replicas,
                timeout,
            )
            return
        await asyncio.sleep(0.2)


def _writable(info: StreamInfo, replicas: int) -> bool:
    if info.cluster is None:  # a single server
        return True
    current = sum(1 for peer in info.cluster.replicas or [] if peer.current)
    return info.cluster.leader is not None and current >= replicas // 2  # + the leader
