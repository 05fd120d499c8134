"""The run-bound checkpointer as an executor and a user see it: real graphs,
real PostgreSQL, runs started through the Thread aggregate."""

from __future__ import annotations

import operator
import uuid
from collections import Counter
from datetime import datetime, timezone
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.checkpoint.serde.types import ERROR
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from duragraph.domain.errors import Fenced
from duragraph.domain.run_spec import RunSpec
from duragraph.domain.thread import Thread
from duragraph.infrastructure.postgres.checkpoints.checkpointer import EventStoreCheckpointer
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

# "sync" commits each checkpoint before the next step starts; "async" (the
# LangGraph default) commits it while the next step runs.
durabilities = pytest.mark.parametrize("durability", ["sync", "async"])


class State(TypedDict):
    log: Annotated[list[str], operator.add]


def _node(name: str):
    return lambda state: {"log": [name]}


def fan_out() -> StateGraph:
    """START -> a -> (b, c) -> END: three super-steps after the input."""
    g = StateGraph(State)
    for name in "abc":
        g.add_node(name, _node(name))
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    g.add_edge("a", "c")
    g.add_edge("b", END)
    g.add_edge("c", END)
    return g


def asking() -> StateGraph:
    def ask(state: State) -> dict[str, Any]:
        return {"log": [f"hello {interrupt('name?')}"]}

    g = StateGraph(State)
    g.add_node("a", _node("a"))
    g.add_node("ask", ask)
    g.add_edge(START, "a")
    g.add_edge("a", "ask")
    g.add_edge("ask", END)
    return g


class Harness:
    """A thread with runs started through the domain, as the executor would."""

    def __init__(self, pool) -> None:
        self.store = PostgresEventStore(pool)
        self.checkpointer = EventStoreCheckpointer(self.store)
        self.thread_id = str(uuid.uuid4())
        self.config = {"configurable": {"thread_id": self.thread_id}}

    async def start_run(self) -> tuple[str, int]:
        thread = await self.store.load(Thread, self.thread_id)
        if not thread.exists:
            thread.create(metadata={}, now=NOW)
        for run in thread.active_runs():
            thread.finish_run(run.run_id, epoch=run.epoch, outcome="interrupted", now=NOW)
        run_id = str(uuid.uuid4())
        thread.create_run(
            run_id=run_id,
            assistant_id="asst",
            graph_id="g",
            spec=RunSpec(),
            metadata={},
            strategy="reject",
            temporary=False,
            now=NOW,
        )
        epoch = thread.start_run(run_id, worker_id="w1", lapsed_epoch=None, now=NOW)
        await self.store.save(thread)
        return run_id, epoch

    async def reclaim(self, run_id: str) -> int:
        thread = await self.store.load(Thread, self.thread_id)
        lapsed = thread.run(run_id).epoch
        epoch = thread.start_run(run_id, worker_id="w2", lapsed_epoch=lapsed, now=NOW)
        await self.store.save(thread)
        return epoch

    def view(self, run_id: str, epoch: int):
        return self.checkpointer.for_run(run_id, epoch, self.thread_id)

    async def steps(self, run_id: str) -> list:
        return [
            e
            for e in await self.store.read_stream(f"run-{run_id}")
            if e.type == "run.step_completed"
        ]

    async def checkpoint_events(self) -> list:
        return await self.store.read_stream(f"checkpoints-{self.thread_id}")

    async def event_count(self) -> int:
        async with self.store.pool.connection() as conn:
            return (await (await conn.execute("SELECT count(*) FROM events")).fetchone())[0]


@pytest.fixture
def harness(pool) -> Harness:
    return Harness(pool)


@durabilities
async def test_each_super_step_records_a_step_completed_naming_its_nodes(harness, durability):
    run_id, epoch = await harness.start_run()
    graph = fan_out().compile(checkpointer=harness.view(run_id, epoch))

    await graph.ainvoke({"log": ["in"]}, harness.config, durability=durability)

    steps = await harness.steps(run_id)
    assert [(s.data["step"], s.data["nodes"]) for s in steps] == [
        (-1, ["__input__"]),
        (0, ["__start__"]),
        (1, ["a"]),
        (2, ["b", "c"]),
    ]
    assert {s.data["epoch"] for s in steps} == {epoch}


@durabilities
async def test_each_super_step_is_exactly_one_transaction(harness, durability):
    run_id, epoch = await harness.start_run()
    graph = fan_out().compile(checkpointer=harness.view(run_id, epoch))

    await graph.ainvoke({"log": ["in"]}, harness.config, durability=durability)

    steps = await harness.steps(run_id)
    events = await harness.checkpoint_events()
    saved_in = {e.data["checkpoint_id"]: e.tx_id for e in events if e.type == "checkpoint.saved"}
    assert all(saved_in[s.data["checkpoint_id"]] == s.tx_id for s in steps)
    assert {e.tx_id for e in events} == {s.tx_id for s in steps}
    assert len({s.tx_id for s in steps}) == len(steps) == 4
    assert any(e.type == "checkpoint.writes_saved" for e in events)


async def test_the_graph_state_reads_back_from_the_database_after_a_run(harness):
    run_id, epoch = await harness.start_run()
    await (
        fan_out()
        .compile(checkpointer=harness.view(run_id, epoch))
        .ainvoke({"log": ["in"]}, harness.config)
    )

    state = await fan_out().compile(checkpointer=harness.checkpointer).aget_state(harness.config)

    assert state.values == {"log": ["in", "a", "b", "c"]}
    assert state.next == ()
    assert state.metadata["step"] == 2 and state.metadata["run_id"] == run_id
    history = [
        s
        async for s in fan_out()
        .compile(checkpointer=harness.checkpointer)
        .aget_state_history(harness.config)
    ]
    assert [s.metadata["step"] for s in history] == [2, 1, 0, -1]


async def test_a_stale_epoch_is_fenced_and_writes_nothing(harness):
    run_id, stale_epoch = await harness.start_run()
    stale = harness.view(run_id, stale_epoch)
    current_epoch = await harness.reclaim(run_id)
    before = await harness.event_count()

    with pytest.raises(Fenced):
        await fan_out().compile(checkpointer=stale).ainvoke({"log": ["in"]}, harness.config)
    await stale.aput_writes(
        {
            "configurable": {
                **harness.config["configurable"],
                "checkpoint_ns": "",
                "checkpoint_id": "x",
            }
        },
        [("log", ["late"])],
        "task-1",
    )
    with pytest.raises(Fenced):
        await stale.flush()

    assert await harness.event_count() == before
    assert await harness.checkpointer.aget_tuple(harness.config) is None
    fresh = fan_out().compile(checkpointer=harness.view(run_id, current_epoch))
    assert (await fresh.ainvoke({"log": ["in"]}, harness.config))["log"] == ["in", "a", "b", "c"]


@durabilities
async def test_an_interrupted_graph_resumes_with_a_command_in_the_next_run(harness, durability):
    run_id, epoch = await harness.start_run()
    first = harness.view(run_id, epoch)
    result = (
        await asking()
        .compile(checkpointer=first)
        .ainvoke({"log": []}, harness.config, durability=durability)
    )
    await first.flush()
    assert result["__interrupt__"][0].value == "name?"

    paused = await asking().compile(checkpointer=harness.checkpointer).aget_state(harness.config)
    assert paused.next == ("ask",)
    assert [i.value for i in paused.interrupts] == ["name?"]

    resume_run, resume_epoch = await harness.start_run()
    resumed = asking().compile(checkpointer=harness.view(resume_run, resume_epoch))
    result = await resumed.ainvoke(Command(resume="Ada"), harness.config, durability=durability)

    assert result == {"log": ["a", "hello Ada"]}
    assert [s.data["nodes"] for s in await harness.steps(resume_run)] == [["ask"]]


@durabilities
async def test_a_flushed_failed_step_does_not_rerun_its_finished_siblings(harness, durability):
    calls: Counter[str] = Counter()

    def steady(state: State) -> dict[str, Any]:
        calls["steady"] += 1
        return {"log": ["steady"]}

    def flaky(state: State) -> dict[str, Any]:
        calls["flaky"] += 1
        if calls["flaky"] == 1:
            raise RuntimeError("boom")
        return {"log": ["flaky"]}

    builder = StateGraph(State)
    builder.add_node("steady", steady)
    builder.add_node("flaky", flaky)
    builder.add_edge(START, "steady")
    builder.add_edge(START, "flaky")

    run_id, epoch = await harness.start_run()
    failing = harness.view(run_id, epoch)
    with pytest.raises(RuntimeError):
        await builder.compile(checkpointer=failing).ainvoke(
            {"log": []}, harness.config, durability=durability
        )
    await failing.flush()

    saved = await harness.checkpointer.aget_tuple(harness.config)
    assert ERROR in {channel for _, channel, _ in saved.pending_writes}

    retry_run, retry_epoch = await harness.start_run()
    retried = builder.compile(checkpointer=harness.view(retry_run, retry_epoch))
    result = await retried.ainvoke(None, harness.config, durability=durability)

    assert sorted(result["log"]) == ["flaky", "steady"]
    assert calls == {"steady": 1, "flaky": 2}


async def test_buffered_writes_are_visible_to_the_run_but_committed_only_by_flush(harness):
    run_id, epoch = await harness.start_run()
    view = harness.view(run_id, epoch)
    await fan_out().compile(checkpointer=view).ainvoke({"log": ["in"]}, harness.config)
    latest = (await view.aget_tuple(harness.config)).config

    await view.aput_writes(latest, [("log", ["extra"])], "task-1")

    assert (await view.aget_tuple(latest)).pending_writes == [("task-1", "log", ["extra"])]
    assert (await harness.checkpointer.aget_tuple(latest)).pending_writes == []
    await view.flush()
    assert (await harness.checkpointer.aget_tuple(latest)).pending_writes == [
        ("task-1", "log", ["extra"])
    ]
