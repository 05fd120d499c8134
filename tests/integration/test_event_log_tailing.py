"""A reader tailing the log by cursor never skips an event committed late."""

import asyncio
from datetime import datetime, timezone

import psycopg
from psycopg.types.json import Jsonb

from duragraph.domain.thread import Thread
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def _create(store: PostgresEventStore, ident: str) -> None:
    t = Thread(ident)
    t.create(metadata={}, now=NOW)
    await store.save(t)


async def _tail(
    store: PostgresEventStore, cursor: tuple[int, int]
) -> tuple[list[str], tuple[int, int]]:
    events = await store.read_all(after=cursor)
    if events:
        cursor = (events[-1].tx_id, events[-1].position)
    return [e.stream_id for e in events], cursor


async def _tail_until(
    store: PostgresEventStore, cursor: tuple[int, int], count: int
) -> tuple[list[str], tuple[int, int]]:
    """Tails as a reader does, until `count` events came: the PostgreSQL cluster
    is shared, and another database's open transaction holds the horizon back
    for a moment too."""
    seen: list[str] = []
    for _ in range(100):
        more, cursor = await _tail(store, cursor)
        seen += more
        if len(seen) >= count:
            break
        await asyncio.sleep(0.05)
    return seen, cursor


async def test_a_late_commit_with_a_lower_position_is_not_skipped(pool, database_url):
    store = PostgresEventStore(pool)
    await _create(store, "first")
    seen, cursor = await _tail_until(store, (0, 0), 1)
    assert seen == ["thread-first"]

    # A slow writer takes a lower position and stays uncommitted...
    slow = await psycopg.AsyncConnection.connect(database_url)
    await slow.execute(
        "INSERT INTO events (event_id, stream_id, stream_version, type, data) "
        "VALUES (gen_random_uuid(), 'thread-slow', 1, 'thread.created', %s)",
        (Jsonb({"at": NOW.isoformat(), "thread_id": "slow", "metadata": {}}),),
    )
    slow_position = (
        await (
            await slow.execute("SELECT max(position) FROM events WHERE stream_id='thread-slow'")
        ).fetchone()
    )[0]

    # ...while later writers commit higher positions.
    await _create(store, "fast1")
    await _create(store, "fast2")
    seen, cursor = await _tail(store, cursor)
    assert seen == []  # nothing past the open transaction is handed out yet

    await slow.commit()
    await slow.close()
    seen, cursor = await _tail_until(store, cursor, 3)
    assert seen == ["thread-slow", "thread-fast1", "thread-fast2"]
    fast_positions = [e.position for e in await store.read_stream("thread-fast1")]
    assert slow_position < fast_positions[0]  # it really was a lower position
    seen, _ = await _tail(store, cursor)
    assert seen == []
