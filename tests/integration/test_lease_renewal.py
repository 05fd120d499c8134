"""The leases an executor holds are renewed together: one statement extends
every lease still of its epoch and names the runs whose lease is not."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from duragraph.infrastructure.executor.leases import LeaseKeeper
from duragraph.infrastructure.postgres.database import PostgresDatabase
from duragraph.infrastructure.postgres.leases import PostgresLeases


async def _grant(db: PostgresDatabase, run_id: str, epoch: int, seconds: float) -> None:
    await db.execute(
        "INSERT INTO leases (run_id, thread_id, epoch, worker_id, expires_at) "
        "VALUES (%s, 't', %s, 'w', now() + make_interval(secs => %s))",
        (run_id, epoch, seconds),
    )


async def _left(db: PostgresDatabase, run_id: str) -> float:
    row = await db.fetchone(
        "SELECT extract(epoch FROM expires_at - now())::float AS left FROM leases WHERE run_id=%s",
        (run_id,),
    )
    assert row is not None
    return row["left"]


async def test_one_renewal_extends_the_leases_of_their_epoch_and_names_the_lost(pool) -> None:
    db = PostgresDatabase(pool)
    await _grant(db, "r1", 1, 1)
    await _grant(db, "r2", 3, 1)  # claimed again by another executor since
    lost = await PostgresLeases(db).renew({"r1": 1, "r2": 2, "gone": 1}, 30)
    assert lost == {"r2", "gone"}
    assert await _left(db, "r1") > 20
    assert await _left(db, "r2") < 2


async def test_a_keeper_stops_the_work_of_a_run_whose_lease_is_lost(pool) -> None:
    db = PostgresDatabase(pool)
    await _grant(db, "kept", 1, 0.6)
    await _grant(db, "taken", 2, 0.6)
    keeper = LeaseKeeper(SimpleNamespace(leases=PostgresLeases(db), lease_seconds=0.6))  # type: ignore[arg-type]
    kept = asyncio.create_task(asyncio.sleep(30))
    taken = asyncio.create_task(asyncio.sleep(30))
    held = [keeper.keep("kept", 1, kept), keeper.keep("taken", 1, taken)]
    await asyncio.sleep(1.0)  # five periods of 0.2 s
    assert taken.cancelled() and not kept.done()
    assert await _left(db, "kept") > 0.2  # renewed past its first 0.6 s
    for h in held:
        h.cancel()
    kept.cancel()
