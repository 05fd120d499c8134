"""A process frozen half-way through a transaction holds its locks: a lapsed
executor's row locks, a relay's advisory lock. Others end that session
instead of waiting on it forever."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timezone

import psycopg

from duragraph.domain.thread import Thread
from duragraph.infrastructure.nats.relay import RELAY_LOCK, OutboxRelay
from duragraph.infrastructure.postgres.database import PostgresDatabase
from duragraph.infrastructure.postgres.event_store import PostgresEventStore
from duragraph.infrastructure.postgres.leases import PostgresLeases
from duragraph.infrastructure.postgres.stuck_sessions import (
    application_name,
    end_stuck_lock_holder,
)

LEASE = 0.4


async def _lease(db: PostgresDatabase, run_id: str, worker_id: str, lapsed: bool) -> None:
    await db.execute(
        "INSERT INTO leases (run_id, thread_id, epoch, worker_id, expires_at) "
        "VALUES (%s, 't', 1, %s, now() + make_interval(secs => %s))",
        (run_id, worker_id, -5 if lapsed else 60),
    )


@contextlib.asynccontextmanager
async def _half_sent(database_url: str, worker_id: str, run_id: str):
    """A session that sent BEGIN and a row lock in a pipeline, and no more."""
    conn = await psycopg.AsyncConnection.connect(
        database_url, autocommit=True, application_name=application_name(worker_id)
    )
    frozen = asyncio.Event()

    async def send() -> None:
        async with conn.pipeline():
            await conn.execute("BEGIN")
            await conn.execute("SELECT 1 FROM leases WHERE run_id=%s FOR SHARE", (run_id,))
            frozen.set()
            await asyncio.Event().wait()  # never syncs: the process is "frozen"

    task = asyncio.create_task(send())
    await frozen.wait()
    await _lock_taken(database_url, conn.info.backend_pid)
    try:
        yield conn
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await conn.close()


async def _lock_taken(database_url: str, pid: int) -> None:
    """The pipeline is sent, not waited on: wait until PostgreSQL has run the
    SELECT ... FOR SHARE (it holds its lock on `leases`), else a takeover
    started now may simply come first."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as probe:
        for _ in range(200):
            cur = await probe.execute(
                "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = %s AND c.relname = 'leases' AND l.granted",
                (pid,),
            )
            if await cur.fetchone():
                return
            await asyncio.sleep(0.025)
    raise AssertionError(f"session {pid} never took its lock on leases")


async def _takeover(database_url: str, run_id: str) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute("UPDATE leases SET epoch = 2 WHERE run_id=%s", (run_id,))


async def _session_ends(db: PostgresDatabase, pid: int) -> bool:
    """The backend is gone (termination is asynchronous: it may take a moment)."""
    for _ in range(50):
        if not await db.fetchone("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)):
            return True
        await asyncio.sleep(0.1)
    return False


async def test_the_lapsed_owners_half_sent_transaction_is_ended_and_the_takeover_proceeds(
    pool, database_url: str
):
    db = PostgresDatabase(pool)
    await _lease(db, "r1", "w-frozen", lapsed=True)
    async with _half_sent(database_url, "w-frozen", "r1") as frozen:
        takeover = asyncio.create_task(_takeover(database_url, "r1"))
        await asyncio.sleep(LEASE)
        assert not takeover.done()  # blocked by the frozen session's row lock
        assert await PostgresLeases(db).end_stuck_sessions("r1", LEASE) == 1
        await asyncio.wait_for(takeover, 5)
        assert await _session_ends(db, frozen.info.backend_pid)
    row = await db.fetchone("SELECT epoch FROM leases WHERE run_id='r1'")
    assert row == {"epoch": 2}


async def test_sessions_of_live_owners_other_workers_or_outside_a_transaction_are_left(
    pool, database_url: str
):
    db = PostgresDatabase(pool)
    await _lease(db, "live", "w-live", lapsed=False)
    await _lease(db, "lapsed", "w-lapsed", lapsed=True)
    idle = await psycopg.AsyncConnection.connect(
        database_url, autocommit=True, application_name=application_name("w-lapsed")
    )
    try:
        async with (
            _half_sent(database_url, "w-live", "live"),
            _half_sent(database_url, "w-other", "lapsed"),
        ):
            await asyncio.sleep(LEASE)
            assert await PostgresLeases(db).end_stuck_sessions("live", LEASE) == 0
            assert await PostgresLeases(db).end_stuck_sessions("lapsed", LEASE) == 0
        assert (await (await idle.execute("SELECT 1")).fetchone()) == (1,)
    finally:
        await idle.close()


async def test_a_session_stalled_for_less_than_half_a_lease_is_left(pool, database_url: str):
    db = PostgresDatabase(pool)
    await _lease(db, "r2", "w-slow", lapsed=True)
    async with _half_sent(database_url, "w-slow", "r2"):
        assert await PostgresLeases(db).end_stuck_sessions("r2", lease_seconds=60) == 0


async def test_a_relay_frozen_holding_the_relay_lock_is_ended_and_another_relays(
    pool, nc, database_url: str, nats_prefix: str
):
    thread = Thread("t")
    thread.create(metadata={}, now=datetime.now(timezone.utc))
    await PostgresEventStore(pool).save(thread)
    relay = OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix)
    db = PostgresDatabase(pool)
    frozen = await psycopg.AsyncConnection.connect(
        database_url, autocommit=True, application_name=application_name("w-frozen")
    )
    try:
        await frozen.execute("BEGIN")
        await frozen.execute("SELECT pg_advisory_xact_lock(%s)", (RELAY_LOCK,))
        assert await relay.drain_once() == 0  # the frozen relay holds the lock
        assert await end_stuck_lock_holder(db, RELAY_LOCK, stalled_s=60) == 0
        await asyncio.sleep(LEASE)
        assert await end_stuck_lock_holder(db, RELAY_LOCK, stalled_s=LEASE / 2) == 1
        assert await relay.drain_once() == 1
    finally:
        await frozen.close()


async def test_a_stalled_holder_of_the_same_lock_in_another_database_is_left(
    pool, pg_server_url: str
):
    """Advisory locks are per database: another deployment's relay is not ours."""
    elsewhere = await psycopg.AsyncConnection.connect(
        pg_server_url, autocommit=True, application_name=application_name("w-elsewhere")
    )
    try:
        await elsewhere.execute("BEGIN")
        await elsewhere.execute("SELECT pg_advisory_xact_lock(%s)", (RELAY_LOCK,))
        await asyncio.sleep(LEASE)
        db = PostgresDatabase(pool)
        assert await end_stuck_lock_holder(db, RELAY_LOCK, stalled_s=LEASE / 2) == 0
        assert await (await elsewhere.execute("SELECT 1")).fetchone() == (1,)
    finally:
        await elsewhere.close()
