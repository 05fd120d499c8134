"""What run-creating calls answer, as client code relies on it: the SDK's
`on_run_created` fires as soon as a run exists (from `Content-Location`),
and a run that leaves no state answers `{}`."""

from __future__ import annotations

import asyncio

import pytest

from e2e_support import eventually, new_thread

pytestmark = pytest.mark.e2e


async def test_waiting_on_a_stateless_run_names_the_run_before_it_ends(client) -> None:
    created: list = []
    # Longer than the 5 s keep-alive interval: the answer starts with a newline.
    waiting = asyncio.ensure_future(
        client.runs.wait(None, "slow", input={"sleep": 6}, on_run_created=created.append)
    )
    try:
        await eventually(lambda: asyncio.sleep(0, created), bool, timeout=10)
        assert created and not waiting.done()
        [meta] = created
        run = await client.runs.get(meta["thread_id"], meta["run_id"])
        assert run["status"] in ("pending", "running")
        assert (await waiting)["done"] is True
    finally:
        waiting.cancel()


async def test_waiting_on_a_thread_run_names_it_with_its_thread(client) -> None:
    thread_id = await new_thread(client)
    created: list = []
    await client.runs.wait(thread_id, "echo", input={"value": 1}, on_run_created=created.append)
    [meta] = created
    assert meta["thread_id"] == thread_id
    assert [r["run_id"] for r in await client.runs.list(thread_id)] == [meta["run_id"]]


async def test_a_background_stateless_run_is_named_without_a_thread(client) -> None:
    created: list = []
    run = await client.runs.create(None, "echo", input={"value": 1}, on_run_created=created.append)
    assert [dict(m) for m in created] == [{"run_id": run["run_id"], "thread_id": None}]


async def test_a_run_whose_final_state_is_empty_answers_an_empty_object(client) -> None:
    assert await client.runs.wait(None, "echo", input={}) == {}
    thread_id = await new_thread(client)
    assert await client.runs.wait(thread_id, "echo", input={}) == {}
