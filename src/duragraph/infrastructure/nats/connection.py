"""The NATS connection and the two JetStream streams.

The connection reconnects forever: a NATS outage must degrade the server
(the relay keeps rows unsent, streams pause), never end the process.
"""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.errors import SlowConsumerError
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from .ordered import fell_behind
from .subjects import all_events, all_runs, events_stream, runs_stream

log = logging.getLogger(__name__)

RECONNECT_WAIT_S = 0.5
DUPLICATE_WINDOW_S = 120.0  # how long a re-published Nats-Msg-Id is dropped
EVENTS_RETENTION_S = 7 * 24 * 3600.0  # PostgreSQL holds the log; this is transport


class _ConnectionLog:
    """Logs each outage once, not every failed reconnect attempt."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.nc: Client | None = None
        self.outage_reported = False
        self.slow_sid: int | None = None

    async def error(self, exc: Exception) -> None:
        if isinstance(exc, SlowConsumerError):
            self._slow(exc)
            return
        connected = self.nc is not None and self.nc.is_connected
        if connected or not self.outage_reported:
            log.warning("nats %s: %s: %s", self.name, type(exc).__name__, exc)
            self.outage_reported = not connected
        else:  # refused again while reconnecting: expected until the server is back
            log.debug("nats %s: still not connected: %s", self.name, exc)

    def _slow(self, exc: SlowConsumerError) -> None:
        """Once per subscription, not per dropped message: a run stream's
        reader whose client does not keep up; it reads again (ordered.py)."""
        fell_behind(exc.sub)
        if exc.sid != self.slow_sid:
            self.slow_sid = exc.sid
            log.info(
                "nats %s: a reader of %s fell behind; it will read again from JetStream",
                self.name,
                exc.subject,
            )

    async def disconnected(self) -> None:
        if self.nc is not None and (self.nc.is_closed or self.nc.is_draining):
            return  # our own close(), not an outage
        log.warning("nats %s: disconnected; reconnecting", self.name)
        self.outage_reported = True

    async def reconnected(self) -> None:
        log.info("nats %s: reconnected", self.name)
        self.outage_reported = False

    async def closed(self) -> None:
        log.info("nats %s: connection closed", self.name)


async def connect(url: str, *, name: str) -> Client:
    """`url` may list several servers separated by commas. Waits (forever,
    logging) for a first server, then survives any outage."""
    events = _ConnectionLog(name)
    nc = await nats.connect(
        servers=[u.strip() for u in url.split(",") if u.strip()],
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=RECONNECT_WAIT_S,
        connect_timeout=2,
        error_cb=events.error,
        disconnected_cb=events.disconnected,
        reconnected_cb=events.reconnected,
        closed_cb=events.closed,
    )
    events.nc, events.outage_reported = nc, False
    return nc


def events_config(prefix: str, retention_s: float = EVENTS_RETENTION_S) -> StreamConfig:
    return StreamConfig(
        name=events_stream(prefix),
        subjects=[all_events(prefix)],
        storage=StorageType.FILE,
        duplicate_window=min(DUPLICATE_WINDOW_S, retention_s),
        max_age=retention_s,
        discard=DiscardPolicy.OLD,
        allow_direct=True,
    )


def runs_config(prefix: str, retention_s: float) -> StreamConfig:
    return StreamConfig(
        name=runs_stream(prefix),
        subjects=[all_runs(prefix)],
        storage=StorageType.FILE,
        duplicate_window=min(DUPLICATE_WINDOW_S, retention_s),
        max_age=retention_s,
        discard=DiscardPolicy.OLD,
        allow_direct=True,
    )


async def ensure_streams(
    js: JetStreamContext,
    prefix: str,
    *,
    run_stream_retention_s: float = 3600,
    events_retention_s: float = EVENTS_RETENTION_S,
) -> None:
    await _create_or_update(js, events_config(prefix, events_retention_s))
    await _create_or_update(js, runs_config(prefix, run_stream_retention_s))


async def _create_or_update(js: JetStreamContext, config: StreamConfig) -> None:
    # Update first: it is the common case on restart, and two processes racing
    # to create the same config both succeed (creation is idempotent).
    try:
        await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)
        log.info("created JetStream stream %s", config.name)
