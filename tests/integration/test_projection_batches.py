"""Events committed together may be projected in fewer statements; the rows
must be those the events leave one by one (which is what a rebuild does)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from duragraph import projections
from duragraph.domain import events as ev
from duragraph.domain.run_spec import RunSpec

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _run_events(started_after: timedelta) -> list[ev.DomainEvent]:
    return [
        ev.RunCreated(
            at=T0,
            run_id="r",
            thread_id="t",
            assistant_id="a",
            graph_id="g",
            spec=RunSpec(input={"x": 1}),
            metadata={"m": 1},
            multitask_strategy="enqueue",
        ),
        ev.RunStarted(at=T0 + started_after, run_id="r", thread_id="t", epoch=3, worker_id="w"),
    ]


async def _rows_after(pool, statements) -> dict[str, list[tuple]]:
    async with pool.connection() as conn:
        async with conn.transaction(force_rollback=True):
            for sql, params in projections.statements(ev.ThreadCreated(at=T0, thread_id="t")):
                await conn.execute(sql, params)
            for sql, params in statements:
                await conn.execute(sql, params)
            return {
                table: await (await conn.execute(f"SELECT * FROM {table}")).fetchall()
                for table in ("runs", "threads")
            }


async def test_a_run_created_and_started_together_is_written_as_the_two_events_leave_it(pool):
    events = _run_events(timedelta(milliseconds=5))
    one_by_one = [s for e in events for s in projections.statements(e)]
    batched = projections.batch_statements(events)
    assert len(batched) < len(one_by_one)
    expected = await _rows_after(pool, one_by_one)
    assert expected["runs"] and expected["threads"]
    assert await _rows_after(pool, batched) == expected


def _sql(statements) -> list[str]:
    return [sql for sql, _ in statements]


async def test_a_start_of_another_run_is_not_merged():
    created, started = _run_events(timedelta(0))
    other = ev.RunStarted(at=T0, run_id="other", thread_id="t", epoch=1, worker_id="w")
    assert _sql(projections.batch_statements([created, other])) == _sql(
        [*projections.statements(created), *projections.statements(other)]
    )
    assert _sql(projections.batch_statements([started, created])) == _sql(
        [*projections.statements(started), *projections.statements(created)]
    )
