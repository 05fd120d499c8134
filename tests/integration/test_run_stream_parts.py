"""Chunks larger than the NATS server's payload limit, as that server is
configured (here 64 KiB), are stored in parts no larger than the limit and
read back whole, in order, resumable after any chunk's id; a thread's stream
joins them too."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import AsyncIterator, Iterator

import nats
import pytest

from duragraph.infrastructure.embedded.nats import nats_server_binary
from duragraph.infrastructure.nats.connection import ensure_streams
from duragraph.infrastructure.nats.run_streams import Chunk, RunStreams

MAX_PAYLOAD = 64 * 1024
PREFIX = "parts"
THREAD = "a-thread"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def small_nats() -> Iterator[str]:
    """A nats-server of this test's own whose max_payload is 64 KiB."""
    with tempfile.TemporaryDirectory(prefix="dg-parts-") as folder:
        conf, port = Path(folder) / "nats.conf", _free_port()
        conf.write_text(f'max_payload: {MAX_PAYLOAD}\njetstream {{ store_dir: "{folder}" }}\n')
        server = subprocess.Popen(
            [str(nats_server_binary()), "-c", str(conf), "-a", "127.0.0.1", "-p", str(port)],
            stderr=subprocess.DEVNULL,
        )
        try:
            yield f"nats://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(15)


@pytest.fixture
async def streams(small_nats: str) -> AsyncIterator[RunStreams]:
    nc = await nats.connect(small_nats, connect_timeout=5, max_reconnect_attempts=20)
    await ensure_streams(nc.jetstream(), PREFIX)
    yield RunStreams(nc, nc.jetstream(), PREFIX)
    await nc.close()


def _big(n: int, size: int) -> bytes:
    """`size` bytes in which each 8-byte block names its position (and the chunk)."""
    return b"".join(b"%d:%06d" % (n, i) for i in range(size // 8 + 1))[:size]


CHUNKS = [b"small", _big(1, 200_000), _big(2, MAX_PAYLOAD), b"after", _big(3, 150_000)]


async def _publish(streams: RunStreams, run_id: str) -> None:
    for data in CHUNKS:
        await streams.publish(run_id, "values", data, thread_id=THREAD)
    await streams.publish_end(run_id, "success", thread_id=THREAD)


async def _collect(chunks: AsyncIterator[Chunk], count: int | None = None) -> list[Chunk]:
    async def collect() -> list[Chunk]:
        out = []
        async for chunk in chunks:
            out.append(chunk)
            if len(out) == count:
                break
        return out

    return await asyncio.wait_for(collect(), 10)


async def test_the_client_reads_the_limit_from_the_connected_server(streams) -> None:
    assert streams.nc.max_payload == MAX_PAYLOAD


async def test_big_chunks_are_read_back_whole_and_in_order(streams) -> None:
    run_id = str(uuid.uuid4())
    await _publish(streams, run_id)
    chunks = await _collect(streams.subscribe(run_id))
    assert [c.data for c in chunks[:-1]] == CHUNKS and chunks[-1].event == "end"
    assert [c.seq for c in chunks] == sorted({c.seq for c in chunks})


async def test_no_stored_message_exceeds_the_servers_limit(streams) -> None:
    run_id = str(uuid.uuid4())
    await _publish(streams, run_id)
    info = await streams.js.stream_info(streams.stream)
    stored = [
        await streams.js.get_msg(streams.stream, seq)
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]
    assert len(stored) > len(CHUNKS) + 1  # the big ones went in parts
    assert max(len(m.data) + len(str(m.headers)) for m in stored) <= MAX_PAYLOAD


async def test_resuming_after_a_big_chunks_id_gives_exactly_the_later_chunks(streams) -> None:
    run_id = str(uuid.uuid4())
    await _publish(streams, run_id)
    everything = await _collect(streams.subscribe(run_id))
    for cut in range(1, len(everything)):
        later = await _collect(streams.subscribe(run_id, after_seq=everything[cut - 1].seq))
        assert later == everything[cut:]


async def test_a_threads_stream_joins_big_chunks_too(streams) -> None:
    run_id = str(uuid.uuid4())
    await _publish(streams, run_id)
    batches = streams.thread_batches(THREAD, after_seq=0)
    chunks = await _collect((c async for b in batches for c in b), len(CHUNKS) + 1)
    assert [c.data for c in chunks[:-1]] == CHUNKS
