"""The outbox relay puts every committed event on JetStream once, in order,
and holds the backlog while NATS is away."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest

from duragraph.domain.run_spec import RunSpec
from duragraph.domain.thread import Thread
from duragraph.infrastructure.embedded.nats import nats_server_binary
from duragraph.infrastructure.nats.connection import connect, ensure_streams
from duragraph.infrastructure.nats.errors import NatsUnavailable
from duragraph.infrastructure.nats.relay import OutboxRelay
from duragraph.infrastructure.nats.subjects import events_stream
from duragraph.infrastructure.nats.tail import tail_events
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def _create_threads(pool, *idents: str) -> None:
    threads = [Thread(i) for i in idents]
    for t in threads:
        t.create(metadata={"n": t.id}, now=NOW)
    await PostgresEventStore(pool).save(*threads)


async def _outbox(pool, where: str = "TRUE") -> list[tuple[str, str]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT e.event_id::text, e.type FROM outbox o JOIN events e USING (event_id) "
            f"WHERE {where} ORDER BY o.id"
        )
        return await cur.fetchall()


async def _stream(js, prefix: str) -> list[tuple[str, str, dict]]:
    """(Nats-Msg-Id, subject, payload) of every stored event, in stream order."""
    name = events_stream(prefix)
    last = (await js.stream_info(name)).state.last_seq
    msgs = [await js.get_msg(name, seq) for seq in range(1, last + 1)]
    return [(m.headers["Nats-Msg-Id"], m.subject, orjson.loads(m.data)) for m in msgs]


async def _eventually(check, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_appended_events_reach_jetstream_in_order_keyed_by_event_id(
    pool, nc, database_url, nats_prefix
):
    await _create_threads(pool, "a", "b")
    await _create_threads(pool, "c")
    relay = OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix)

    assert await relay.drain_once() == 3

    stored = await _stream(nc.jetstream(), nats_prefix)
    assert [s[0] for s in stored] == [event_id for event_id, _ in await _outbox(pool)]
    assert {s[1] for s in stored} == {f"{nats_prefix}.events.thread.created"}
    assert [s[2]["data"]["thread_id"] for s in stored] == ["a", "b", "c"]
    assert [s[2]["position"] for s in stored] == sorted(s[2]["position"] for s in stored)
    assert set(stored[0][2]) == {"id", "type", "stream_id", "version", "position", "data", "at"}
    assert await _outbox(pool, "sent_at IS NULL") == []


async def test_republishing_a_sent_row_stores_no_duplicate(pool, nc, database_url, nats_prefix):
    await _create_threads(pool, "a", "b")
    relay = OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix)
    await relay.drain_once()
    async with pool.connection() as conn:
        await conn.execute("UPDATE outbox SET sent_at = NULL")

    assert await relay.drain_once() == 2

    assert len(await _stream(nc.jetstream(), nats_prefix)) == 2


async def test_a_batch_larger_than_the_batch_size_drains_in_several_rounds(
    pool, nc, database_url, nats_prefix
):
    await _create_threads(pool, *[f"t{i}" for i in range(5)])
    relay = OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix, batch_size=2)

    assert [await relay.drain_once() for _ in range(4)] == [2, 2, 1, 0]


async def test_a_running_relay_publishes_new_events_promptly(pool, nc, database_url, nats_prefix):
    # A long poll interval: only the NOTIFY can make this fast.
    relay = OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix, poll_interval=30)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(0.3)  # let it LISTEN
        await _create_threads(pool, "a")
        await _eventually(lambda: _all_sent(pool), timeout=5)
    finally:
        stop.set()
        await task


async def _all_sent(pool) -> bool:
    return not await _outbox(pool, "sent_at IS NULL")


async def test_two_relays_at_once_publish_each_event_exactly_once_in_order(
    pool, nc, nats_url, database_url, nats_prefix
):
    await _create_threads(pool, *[f"backlog{i}" for i in range(120)])
    received: list[str] = []

    async def count(msg):  # a core subscriber sees every publish, duplicates too
        received.append(msg.headers["Nats-Msg-Id"])

    await nc.subscribe(f"{nats_prefix}.events.>", cb=count)
    await nc.flush()
    connections = [await connect(nats_url, name=f"relay{i}") for i in range(2)]
    relays = [
        OutboxRelay(
            pool, c, c.jetstream(), database_url, nats_prefix, poll_interval=0.05, batch_size=7
        )
        for c in connections
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in relays]
    try:
        for i in range(30):  # one writer keeps writing while both relay
            await _create_threads(pool, f"live{i}")
        await _eventually(lambda: _all_sent(pool))
        await nc.flush()
        await asyncio.sleep(0.2)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for c in connections:
            await c.close()

    in_outbox_order = [event_id for event_id, _ in await _outbox(pool)]
    assert len(in_outbox_order) == 150
    assert received == in_outbox_order
    assert [s[0] for s in await _stream(nc.jetstream(), nats_prefix)] == in_outbox_order


async def test_sent_rows_are_pruned_after_the_keep_period(pool, nc, database_url, nats_prefix):
    await _create_threads(pool, "a", "b")
    relay = OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix, keep_sent_s=0)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await _eventually(lambda: _outbox_is_empty(pool))
    finally:
        stop.set()
        await task
    assert len(await _stream(nc.jetstream(), nats_prefix)) == 2


async def _outbox_is_empty(pool) -> bool:
    async with pool.connection() as conn:
        return (await (await conn.execute("SELECT count(*) FROM outbox")).fetchone())[0] == 0


async def _tail(js, prefix: str, n: int, *, from_start: bool) -> list[dict]:
    async def first_n() -> list[dict]:
        got = []
        async with contextlib.aclosing(tail_events(js, prefix, from_start=from_start)) as events:
            async for event in events:
                got.append(event)
                if len(got) == n:
                    return got
        return got

    return await asyncio.wait_for(first_n(), 10)


async def test_tailing_from_the_start_shows_relayed_events_in_order(
    pool, nc, database_url, nats_prefix
):
    await _create_threads(pool, "a", "b")
    await OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix).drain_once()

    events = await _tail(nc.jetstream(), nats_prefix, 2, from_start=True)

    assert [(e["type"], e["data"]["thread_id"]) for e in events] == [
        ("thread.created", "a"),
        ("thread.created", "b"),
    ]


async def test_tailing_from_now_skips_older_events(pool, nc, database_url, nats_prefix):
    relay = OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix)
    await _create_threads(pool, "old")
    await relay.drain_once()
    tail = asyncio.create_task(_tail(nc.jetstream(), nats_prefix, 1, from_start=False))
    await asyncio.sleep(0.3)

    await _create_threads(pool, "new")
    await relay.drain_once()

    assert [e["data"]["thread_id"] for e in await tail] == ["new"]


class _PinnedNats:
    """A nats-server of this test's own, restartable on the same port (so the
    client's reconnect loop finds it again) and the same store."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"nats://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen | None = None

    def start(self) -> None:
        self._proc = subprocess.Popen(
            [
                str(nats_server_binary()),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "nats-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(15)
            self._proc = None


async def test_while_nats_is_down_rows_stay_unsent_and_drain_when_it_is_back(
    pool, database_url, nats_prefix, tmp_path
):
    server = _PinnedNats(tmp_path / "nats")
    server.start()
    nc = await connect(server.url, name="test-outage")
    stop = asyncio.Event()
    relay = OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix, poll_interval=0.1)
    task = asyncio.create_task(relay.run(stop))
    try:
        await ensure_streams(nc.jetstream(), nats_prefix)
        await _create_threads(pool, "before")
        await _eventually(lambda: _all_sent(pool))

        server.stop()
        await _eventually(_async(lambda: not nc.is_connected))
        await _create_threads(pool, "during1", "during2")  # the API keeps writing
        await _create_threads(pool, "during3")
        await asyncio.sleep(1.5)
        assert len(await _outbox(pool, "sent_at IS NULL")) == 3
        with pytest.raises(NatsUnavailable):
            await relay.drain_once()

        server.start()
        await _eventually(lambda: _all_sent(pool), timeout=30)
        stored = await _stream(nc.jetstream(), nats_prefix)
        assert [s[0] for s in stored] == [event_id for event_id, _ in await _outbox(pool)]
    finally:
        stop.set()
        await task
        await nc.close()
        server.stop()


def _async(predicate):
    async def check() -> bool:
        return predicate()

    return check


async def test_a_run_claimed_at_its_creation_is_not_offered_to_dispatch(
    pool, nc, database_url, nats_prefix
):
    """Its run.created goes to `run.created.claimed`: the dispatch consumer
    (filtered on `run.created`) never sees it; the events stream keeps it."""
    store = PostgresEventStore(pool)
    threads = [Thread("claimed"), Thread("queued")]
    for t in threads:
        t.create(metadata={}, now=NOW)
        t.create_run(
            run_id=f"run-{t.id}",
            assistant_id="a",
            graph_id="g",
            spec=RunSpec(),
            metadata={},
            strategy="enqueue",
            temporary=False,
            now=NOW,
        )
    threads[0].start_run("run-claimed", worker_id="w", lapsed_epoch=None, now=NOW)
    await store.save(*threads)
    relay = OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix)

    assert await relay.drain_once() == 5

    subjects = {
        s[2]["data"].get("run_id"): s[1]
        for s in await _stream(nc.jetstream(), nats_prefix)
        if s[2]["type"] == "run.created"
    }
    assert subjects == {
        "run-claimed": f"{nats_prefix}.events.run.created.claimed",
        "run-queued": f"{nats_prefix}.events.run.created",
    }
