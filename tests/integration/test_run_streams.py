"""A run's stream: replayed from the start or after a seq, followed live,
ended by an `end` chunk, never mixed with another run's chunks; a thread's
stream: its runs' chunks in order."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import orjson
import pytest

from duragraph.infrastructure.nats.connection import ensure_streams
from duragraph.infrastructure.nats.run_streams import Chunk, RunStreams


@pytest.fixture
def streams(nc, nats_prefix) -> RunStreams:
    return RunStreams(nc, nc.jetstream(), nats_prefix)


THREAD = "a-thread"


def _run() -> str:
    return str(uuid.uuid4())


async def _publish_run(streams: RunStreams, run_id: str, n: int, status: str = "success") -> None:
    for i in range(n):
        await streams.publish(run_id, "values", orjson.dumps({"i": i}), thread_id=THREAD)
    await streams.publish_end(run_id, status, thread_id=THREAD)


async def _collect(streams: RunStreams, run_id: str, after_seq: int = 0) -> list[Chunk]:
    async def all_chunks() -> list[Chunk]:
        return [c async for c in streams.subscribe(run_id, after_seq=after_seq)]

    return await asyncio.wait_for(all_chunks(), 10)


def _values(chunks: list[Chunk]) -> list[object]:
    return [orjson.loads(c.data)["i"] if c.event == "values" else c.event for c in chunks]


async def _consumers(streams: RunStreams) -> int:
    return (await streams.js.stream_info(streams.stream)).state.consumer_count


async def test_a_finished_run_replays_from_the_start_to_its_end(streams):
    run_id = _run()
    await _publish_run(streams, run_id, 3)

    chunks = await _collect(streams, run_id)

    assert _values(chunks) == [0, 1, 2, "end"]
    assert [c.seq for c in chunks] == sorted({c.seq for c in chunks})
    assert orjson.loads(chunks[-1].data) == {"run_id": run_id, "status": "success"}


async def test_a_reader_follows_a_run_live_until_its_end(streams):
    run_id = _run()
    reader = asyncio.create_task(_collect(streams, run_id))
    await asyncio.sleep(0.2)
    assert not reader.done()

    await _publish_run(streams, run_id, 4)

    assert _values(await reader) == [0, 1, 2, 3, "end"]


async def test_resuming_after_a_seq_yields_exactly_the_later_chunks(streams):
    run_id = _run()
    await _publish_run(streams, run_id, 5)
    everything = await _collect(streams, run_id)

    later = await _collect(streams, run_id, after_seq=everything[1].seq)

    assert later == everything[2:]


async def test_chunks_of_other_runs_are_not_mixed_in(streams):
    mine, other = _run(), _run()
    for i in range(3):
        await streams.publish(other, "values", orjson.dumps({"i": 100 + i}), thread_id=THREAD)
        await streams.publish(mine, "values", orjson.dumps({"i": i}), thread_id=THREAD)
    await streams.publish_end(other, "success", thread_id=THREAD)
    await streams.publish_end(mine, "error", thread_id=THREAD)

    chunks = await _collect(streams, mine)

    assert _values(chunks) == [0, 1, 2, "end"]
    assert orjson.loads(chunks[-1].data) == {"run_id": mine, "status": "error"}


async def test_leaving_a_stream_early_releases_its_consumer(streams):
    run_id = _run()
    await streams.publish(run_id, "values", orjson.dumps({"i": 0}), thread_id=THREAD)
    async with contextlib.aclosing(streams.subscribe(run_id)) as chunks:
        async for _ in chunks:
            assert await _consumers(streams) == 1
            break

    assert await _consumers(streams) == 0


async def test_cancelling_a_reader_task_releases_its_consumer(streams):
    run_id = _run()
    reader = asyncio.create_task(_collect(streams, run_id))  # the run never ends
    await asyncio.sleep(0.3)
    assert await _consumers(streams) == 1

    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)

    assert await _consumers(streams) == 0


async def test_wait_end_returns_the_status_of_an_ended_run(streams):
    run_id = _run()
    await _publish_run(streams, run_id, 1, status="interrupted")

    assert await streams.wait_end(run_id, timeout=2) == "interrupted"


async def test_wait_end_times_out_with_none_while_the_run_goes_on(streams):
    run_id = _run()
    await streams.publish(run_id, "values", b"{}", thread_id=THREAD)

    assert await streams.wait_end(run_id, timeout=0.3) is None


async def test_wait_end_wakes_when_the_run_ends(streams):
    run_id = _run()
    waiter = asyncio.create_task(streams.wait_end(run_id, timeout=10))
    await asyncio.sleep(0.2)

    await _publish_run(streams, run_id, 2)

    assert await asyncio.wait_for(waiter, 5) == "success"


async def test_ensuring_the_streams_again_applies_a_new_retention(streams, nats_prefix):
    await ensure_streams(streams.js, nats_prefix, run_stream_retention_s=60)
    await ensure_streams(streams.js, nats_prefix, run_stream_retention_s=60)

    config = (await streams.js.stream_info(streams.stream)).config
    assert config.max_age == 60


async def _thread_chunks(
    streams: RunStreams, thread_id: str, count: int, after_seq: int = 0
) -> list[Chunk]:
    async def first() -> list[Chunk]:
        found = []
        async with contextlib.aclosing(
            streams.thread_batches(thread_id, after_seq=after_seq)
        ) as batches:
            async for batch in batches:
                found.extend(batch)
                if len(found) >= count:
                    return found[:count]
        return found

    return await asyncio.wait_for(first(), 10)


async def test_a_thread_stream_holds_its_runs_in_order_and_no_other_threads(streams):
    thread = "my thread.with odd*name"  # not a subject token: hashed
    first, second, elsewhere = _run(), _run(), _run()
    await streams.publish(elsewhere, "values", b'{"i": 99}', thread_id="other")
    for run_id in (first, second):
        await streams.publish(run_id, "values", b'{"i": 1}', thread_id=thread)
        await streams.publish_end(run_id, "success", thread_id=thread)

    chunks = await _thread_chunks(streams, thread, 4)

    assert [(c.event, orjson.loads(c.data).get("run_id")) for c in chunks] == [
        ("values", None),
        ("end", first),
        ("values", None),
        ("end", second),
    ]
    assert [c.seq for c in chunks] == sorted({c.seq for c in chunks})
    assert await _thread_chunks(streams, thread, 2, after_seq=chunks[1].seq) == chunks[2:]


async def test_reading_after_the_last_seq_gives_only_what_comes_next(streams):
    run_id = _run()
    await _publish_run(streams, run_id, 2)
    after = await streams.last_seq()
    reader = asyncio.create_task(_thread_chunks(streams, THREAD, 1, after_seq=after))
    await streams.publish(run_id, "values", b'{"i": 7}', thread_id=THREAD)

    assert [orjson.loads(c.data) for c in await reader] == [{"i": 7}]


async def test_a_reader_that_falls_behind_reads_again_and_loses_nothing(nc, nats_prefix, caplog):
    """Its client does not read: NATS drops what would not fit its small
    buffer, and the reader reads that again from JetStream once it goes on."""
    streams = RunStreams(nc, nc.jetstream(), nats_prefix, reader_buffer_bytes=0)
    run_id, filler = _run(), "x" * 100_000
    async with contextlib.aclosing(streams.subscribe(run_id)) as reader:
        await streams.publish(run_id, "values", orjson.dumps({"i": 0}), thread_id=THREAD)
        first = await asyncio.wait_for(anext(reader), 10)
        with caplog.at_level("INFO"):
            for i in range(1, 100):  # 10 MB, 2 MB fit (twice NATS's largest message)
                await streams.publish(
                    run_id, "values", orjson.dumps({"i": i, "f": filler}), thread_id=THREAD
                )
            await streams.publish_end(run_id, "success", thread_id=THREAD)
            await asyncio.sleep(3)  # NATS pushes, the reader takes nothing
            rest = await asyncio.wait_for(_drain(reader), 30)
    assert "fell behind" in caplog.text
    assert _values([first, *rest]) == [*range(100), "end"]


async def _drain(reader) -> list[Chunk]:
    return [chunk async for chunk in reader]
