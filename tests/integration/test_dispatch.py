"""Runs are dispatched to one executor each, redelivered when not acked, and
relayed cancellations reach every worker's core subscription."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone

import orjson

from duragraph.application.ports import StreamAppend
from duragraph.domain.events import RunCancelled
from duragraph.infrastructure.nats.connection import connect
from duragraph.infrastructure.nats.dispatch import (
    DispatchMessage,
    RunDispatch,
    durable_name,
    subscribe_events,
)
from duragraph.infrastructure.nats.relay import OutboxRelay
from duragraph.infrastructure.nats.subjects import event_subject, events_stream
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def _run_created(js, prefix: str, run_id: str) -> None:
    payload = {
        "id": str(uuid.uuid4()),
        "type": "run.created",
        "data": {"run_id": run_id, "thread_id": f"thread-of-{run_id}"},
    }
    await js.publish(event_subject(prefix, "run.created"), orjson.dumps(payload))


async def _take(
    dispatch: RunDispatch, stop: asyncio.Event, n: int, work_s: float = 0.0
) -> list[DispatchMessage]:
    taken = []
    async for message in dispatch.messages(stop):
        taken.append(message)
        await asyncio.sleep(work_s)
        await message.ack()
        if len(taken) == n:
            break
    return taken


async def test_two_executors_share_the_runs_each_run_going_to_one(nc, nats_prefix):
    js = nc.jetstream()
    for i in range(12):
        await _run_created(js, nats_prefix, f"r{i}")
    stop = asyncio.Event()
    taken: list[list[str]] = [[], []]

    async def executor(k: int) -> None:
        async for message in RunDispatch(js, nats_prefix, fetch_timeout=0.5).messages(stop):
            taken[k].append(message.run_id)
            await asyncio.sleep(0.05)  # working on it, so the other one gets the next
            await message.ack()

    tasks = [asyncio.create_task(executor(k)) for k in range(2)]
    while len(taken[0]) + len(taken[1]) < 12:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # time for a wrongful second delivery to show up
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)

    assert sorted(taken[0] + taken[1]) == sorted(f"r{i}" for i in range(12))
    assert taken[0] and taken[1]


async def test_a_dispatched_run_carries_its_thread(nc, nats_prefix):
    await _run_created(nc.jetstream(), nats_prefix, "r1")

    [message] = await asyncio.wait_for(
        _take(RunDispatch(nc.jetstream(), nats_prefix), asyncio.Event(), 1), 10
    )

    assert (message.run_id, message.thread_id, message.attempt) == ("r1", "thread-of-r1", 1)


async def test_an_unacked_run_is_redelivered_after_ack_wait(nc, nats_prefix):
    js = nc.jetstream()
    await _run_created(js, nats_prefix, "r1")
    dispatch = RunDispatch(js, nats_prefix, ack_wait=1.0, fetch_timeout=0.5)
    stop = asyncio.Event()
    deliveries: list[DispatchMessage] = []

    async def consume() -> None:
        async for message in dispatch.messages(stop):
            deliveries.append(message)
            if len(deliveries) == 2:
                await message.ack()
                return  # the first one is never acked

    await asyncio.wait_for(consume(), 10)

    # The delivery count NATS reports for the redelivery varies on a busy
    # machine (a timed-out pull may have been handed one too); what matters
    # is that the un-acked run comes back.
    assert [m.run_id for m in deliveries] == ["r1", "r1"]


async def test_a_nakd_run_comes_back_after_the_delay(nc, nats_prefix):
    js = nc.jetstream()
    await _run_created(js, nats_prefix, "r1")
    dispatch = RunDispatch(js, nats_prefix, fetch_timeout=0.5)
    stop = asyncio.Event()
    seen = []
    async for message in dispatch.messages(stop):
        seen.append(asyncio.get_running_loop().time())
        if len(seen) == 1:
            await message.nak(delay=0.5)
            continue
        await message.ack()
        break

    assert seen[1] - seen[0] >= 0.45


async def test_messages_stops_when_told_even_with_nothing_to_take(nc, nats_prefix):
    stop = asyncio.Event()
    consumer = asyncio.create_task(_take(RunDispatch(nc.jetstream(), nats_prefix), stop, 1))
    await asyncio.sleep(0.3)

    stop.set()

    assert await asyncio.wait_for(consumer, 2) == []


async def test_relayed_cancellations_reach_every_core_subscriber(
    pool, nc, nats_url, database_url, nats_prefix
):
    heard: list[list[str]] = [[], []]
    workers = [await connect(nats_url, name=f"worker{k}") for k in range(2)]
    for k, worker in enumerate(workers):
        await subscribe_events(
            worker,
            nats_prefix,
            "run.cancelled",
            lambda payload, k=k: heard[k].append(orjson.loads(payload)["data"]["run_id"]),
        )
        await worker.flush()
    await PostgresEventStore(pool).append(
        [
            StreamAppend(
                "thread-t1",
                None,
                [RunCancelled(run_id="r1", thread_id="t1", action="interrupt", at=NOW)],
            )
        ]
    )

    await OutboxRelay(pool, nc, nc.jetstream(), database_url, nats_prefix).drain_once()

    try:
        for _ in range(100):
            if heard[0] and heard[1]:
                break
            await asyncio.sleep(0.02)
        assert heard == [["r1"], ["r1"]]
    finally:
        for worker in workers:
            await worker.close()


async def test_an_async_event_handler_is_awaited(nc, nats_prefix):
    got = asyncio.get_running_loop().create_future()

    async def handler(payload: bytes) -> None:
        got.set_result(orjson.loads(payload)["data"]["run_id"])

    await subscribe_events(nc, nats_prefix, "run.cancelled", handler)
    await nc.flush()
    await nc.publish(
        event_subject(nats_prefix, "run.cancelled"), orjson.dumps({"data": {"run_id": "r9"}})
    )

    assert await asyncio.wait_for(got, 5) == "r9"


async def test_a_malformed_dispatch_message_is_dropped_not_redelivered(nc, nats_prefix):
    js = nc.jetstream()
    await js.publish(event_subject(nats_prefix, "run.created"), b"not json")
    await _run_created(js, nats_prefix, "r1")

    taken = await asyncio.wait_for(_take(RunDispatch(js, nats_prefix), asyncio.Event(), 1), 10)

    assert [m.run_id for m in taken] == ["r1"]
    for _ in range(100):  # acks are asynchronous: wait for the server to count them
        info = await js.consumer_info(events_stream(nats_prefix), durable_name(nats_prefix))
        if info.num_ack_pending == 0:
            break
        await asyncio.sleep(0.02)
    assert (info.num_ack_pending, info.num_redelivered) == (0, 0)
