"""Human in the loop: a graph that calls interrupt() pauses the thread, and
a run with a resume command continues it."""

from __future__ import annotations

import pytest

from e2e_support import new_thread

pytestmark = pytest.mark.e2e


async def test_an_interrupt_pauses_the_run_and_shows_the_question(client) -> None:
    thread_id = await new_thread(client)
    result = await client.runs.wait(thread_id, "interrupting", input={"question": "Who are you?"})
    interrupts = result["__interrupt__"]
    assert [i["value"] for i in interrupts] == [{"question": "Who are you?"}]
    assert result["question"] == "Who are you?"
    thread = await client.threads.get(thread_id)
    assert thread["status"] == "interrupted"
    assert thread["values"] == {"question": "Who are you?"}
    assert [[i["value"] for i in task] for task in thread["interrupts"].values()] == [
        [{"question": "Who are you?"}]
    ]
    state = await client.threads.get_state(thread_id)
    assert state["next"] == ["ask"]
    assert [i["value"] for i in state["interrupts"]] == [{"question": "Who are you?"}]
    assert [i["value"] for i in state["tasks"][0]["interrupts"]] == [{"question": "Who are you?"}]
    # As on the official server: the run succeeded; its thread is interrupted.
    runs = await client.runs.list(thread_id)
    assert runs[0]["status"] == "success"


async def test_an_interrupt_in_the_thread_state_has_an_id_and_a_value_only(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "interrupting", input={"question": "Who are you?"})
    thread = await client.threads.get(thread_id)
    state = await client.threads.get_state(thread_id)
    for interrupt in [
        *next(iter(thread["interrupts"].values())),
        *state["interrupts"],
        *state["tasks"][0]["interrupts"],
    ]:
        assert set(interrupt) == {"id", "value"}
        assert interrupt["value"] == {"question": "Who are you?"}


async def test_resuming_with_a_command_finishes_the_graph(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "interrupting", input={})
    result = await client.runs.wait(thread_id, "interrupting", command={"resume": "Ada"})
    assert result["answer"] == "Ada"
    assert result["greeting"] == "Hello, Ada!"
    assert "__interrupt__" not in result
    thread = await client.threads.get(thread_id)
    assert thread["status"] == "idle"
    assert thread["values"]["greeting"] == "Hello, Ada!"
    assert not thread["interrupts"]
    state = await client.threads.get_state(thread_id)
    assert state["next"] == [] and state["interrupts"] == []


async def test_an_interrupt_is_streamed_and_a_streamed_resume_completes(client) -> None:
    thread_id = await new_thread(client)
    first = [
        p
        async for p in client.runs.stream(
            thread_id, "interrupting", input={}, stream_mode="updates"
        )
    ]
    updates = [p.data for p in first if p.event == "updates"]
    assert updates[-1]["__interrupt__"][0]["value"] == {"question": "What is your name?"}
    second = [
        p
        async for p in client.runs.stream(
            thread_id, "interrupting", command={"resume": "Bo"}, stream_mode="updates"
        )
    ]
    assert [p.data for p in second if p.event == "updates"] == [
        {"ask": {"answer": "Bo"}},
        {"greet": {"greeting": "Hello, Bo!"}},
    ]
    assert (await client.threads.get(thread_id))["status"] == "idle"


async def test_interrupt_before_a_node_pauses_ahead_of_it(client) -> None:
    thread_id = await new_thread(client)
    await client.runs.wait(thread_id, "steps", input={}, interrupt_before=["two"])
    assert (await client.threads.get(thread_id))["status"] == "interrupted"
    state = await client.threads.get_state(thread_id)
    assert state["next"] == ["two"]
    assert state["values"] == {"steps": ["one"]}
    result = await client.runs.wait(thread_id, "steps", input=None)
    assert result["steps"] == ["one", "two", "three"]
    assert (await client.threads.get(thread_id))["status"] == "idle"
