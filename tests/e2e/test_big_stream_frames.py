"""A stream frame larger than NATS's payload limit (1 MB by default) reaches
the client whole, live and when the stream is joined again afterwards, with
event ids that still resume exactly after a given frame."""

from __future__ import annotations

import pytest

from e2e_support import new_thread

pytestmark = pytest.mark.e2e

SIZE = 3_000_000  # the graph makes it: the request stays small


def expected_blob(size: int) -> str:  # as tests/graphs/big_state.py writes it
    return "".join(f"{i:08d}" for i in range(size // 8 + 1))[:size]


def values(parts: list) -> list[dict]:
    return [p.data for p in parts if p.event == "values"]


def assert_whole(frames: list[dict]) -> None:
    assert [sorted(f) for f in frames] == [["size"], ["blob", "size"], ["blob", "done", "size"]]
    assert frames[1]["blob"] == frames[2]["blob"] == expected_blob(SIZE)


async def test_a_state_over_the_nats_payload_limit_streams_whole(client) -> None:
    thread_id = await new_thread(client)
    parts = [
        p
        async for p in client.runs.stream(
            thread_id,
            "big_state",
            input={"size": SIZE},
            stream_mode="values",
            stream_resumable=True,
        )
    ]
    assert_whole(values(parts))


async def test_joining_the_stream_afterwards_replays_big_frames_whole(client) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(
        thread_id, "big_state", input={"size": SIZE}, stream_mode="values", stream_resumable=True
    )
    await client.runs.join(thread_id, run["run_id"])
    everything = [p async for p in client.runs.join_stream(thread_id, run["run_id"])]
    assert_whole(values(everything))
    ids = [int(p.id) for p in everything]
    assert ids == sorted(set(ids))
    for cut in (1, 2):
        later = [
            p
            async for p in client.runs.join_stream(
                thread_id, run["run_id"], last_event_id=everything[cut - 1].id
            )
        ]
        assert later == everything[cut:]
