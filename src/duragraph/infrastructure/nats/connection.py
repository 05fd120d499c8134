"""The NATS connection and the two JetStream streams.

The connection reconnects forever: a NATS outage must degrade the server
(the relay keeps rows unsent, streams pause), never end the process.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import nats
from nats.aio.client import Client
from nats.errors import SlowConsumerError
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import APIError, NotFoundError, ServiceUnavailableError

from .ordered import fell_behind
from .replicas import refused, settled
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
    """`url` may list several servers separated by commas (the nodes of a
    cluster): a lost connection moves to another. Waits (forever, logging)
    for a first server, then survives any outage."""
    events = _ConnectionLog(name)
    servers = server_list(url)
    nc = await nats.connect(
        servers=servers,
        **shared_credentials(servers),
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


def server_list(url: str) -> list[str]:
    return [u.strip() for u in url.split(",") if u.strip()]


def shared_credentials(servers: list[str]) -> dict[str, str]:
    """The credentials the URLs carry, when they all carry the same: given
    for every server, since nats-py sends a URL's own only to that URL, and
    none to the cluster's other addresses that it learns from the servers and
    tries when reconnecting."""
    found = {(u.username, u.password) for u in map(urlsplit, servers)}
    if len(found) != 1:
        return {}
    user, password = found.pop()
    if user is None:
        return {}
    return {"token": user} if password is None else {"user": user, "password": password}


def events_config(
    prefix: str, retention_s: float = EVENTS_RETENTION_S, replicas: int = 1
) -> StreamConfig:
    return _config(events_stream(prefix), all_events(prefix), retention_s, replicas)


def runs_config(prefix: str, retention_s: float, replicas: int = 1) -> StreamConfig:
    return _config(runs_stream(prefix), all_runs(prefix), retention_s, replicas)


def _config(name: str, subjects: str, retention_s: float, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=name,
        subjects=[subjects],
        storage=StorageType.FILE,
        duplicate_window=min(DUPLICATE_WINDOW_S, retention_s),
        max_age=retention_s,
        discard=DiscardPolicy.OLD,
        allow_direct=True,
        num_replicas=replicas,
    )


async def ensure_streams(
    js: JetStreamContext,
    prefix: str,
    *,
    run_stream_retention_s: float = 3600,
    events_retention_s: float = EVENTS_RETENTION_S,
    replicas: int = 1,
) -> None:
    """Raises StreamRefused (replicas.py) if NATS will not keep them so."""
    await _create_or_update(js, events_config(prefix, events_retention_s, replicas))
    await _create_or_update(js, runs_config(prefix, run_stream_retention_s, replicas))


async def _create_or_update(js: JetStreamContext, config: StreamConfig) -> None:
    # Update first: it is the common case on restart (it also scales a stream
    # made with another replica count), and two processes racing to create the
    # same config both succeed (creation is idempotent).
    assert config.name is not None and config.num_replicas is not None
    try:
        try:
            await js.update_stream(config)
        except NotFoundError:
            await js.add_stream(config)
            log.info("created JetStream stream %s", config.name)
    except ServiceUnavailableError:
        raise  # JetStream forming or electing: asked again (see NATS_BUSY)
    except APIError as exc:
        raise refused(exc, config.name, config.num_replicas) from None
    await settled(js, config.name, config.num_replicas)
