"""Creating a run decides on the thread and assistant this process has cached
(no read first). Two stores on one database stand for two server processes:
whatever one of them changes, the other's next run is decided on the current
state, never on its stale cache."""

from __future__ import annotations

import pytest

from duragraph.application.commands import assistants as assistant_cmd
from duragraph.application.commands import runs as run_cmd
from duragraph.application.commands import threads as thread_cmd
from duragraph.application.ports import SystemClock
from duragraph.domain.errors import ThreadBusy
from duragraph.domain.thread import Thread
from duragraph.infrastructure.postgres.event_store import PostgresEventStore

CLOCK = SystemClock()


class Graphs:
    def has(self, graph_id: str) -> bool:
        return graph_id == "g"

    def ids(self) -> list[str]:
        return ["g"]


GRAPHS = Graphs()


async def _assistant(store: PostgresEventStore) -> str:
    return await assistant_cmd.create_assistant(
        assistant_cmd.CreateAssistant(graph_id="g", config={"configurable": {"model": "old"}}),
        store,
        CLOCK,
        GRAPHS,
    )


async def _run(
    store: PostgresEventStore, assistant_id: str, thread_id: str, strategy: str = "reject"
) -> run_cmd.CreatedRun:
    # Claimed at creation by an executor of the same process, as in `dev`:
    # that process goes on caching the thread.
    return await run_cmd.create_run(
        run_cmd.CreateRun(
            assistant_id=assistant_id,
            thread_id=thread_id,
            multitask_strategy=strategy,
            claim_for=f"worker-{id(store)}",
        ),
        store,
        CLOCK,
        GRAPHS,
    )


@pytest.fixture
async def two_processes(pool):
    a, b = PostgresEventStore(pool), PostgresEventStore(pool)
    assistant_id = await _assistant(a)
    thread_id = (await thread_cmd.create_thread(thread_cmd.CreateThread(), a, CLOCK)).thread_id
    return a, b, assistant_id, thread_id


async def test_a_run_sees_the_assistant_another_process_updated(two_processes):
    a, b, assistant_id, thread_id = two_processes
    first = await _run(a, assistant_id, thread_id)  # a caches the assistant and thread
    await run_cmd.cancel_run(thread_id, first.run_id, "interrupt", a, CLOCK)
    await assistant_cmd.update_assistant(
        assistant_cmd.UpdateAssistant(
            assistant_id=assistant_id, config={"configurable": {"model": "new"}}
        ),
        b,
        CLOCK,
        GRAPHS,
    )

    created = await _run(a, assistant_id, thread_id)

    assert created.spec.spec.configurable["model"] == "new"


async def test_a_thread_another_process_made_busy_still_rejects(two_processes):
    a, b, assistant_id, thread_id = two_processes
    await a.load_many((Thread, thread_id))  # a has it cached idle
    await _run(b, assistant_id, thread_id)

    with pytest.raises(ThreadBusy):
        await _run(a, assistant_id, thread_id)


async def test_a_thread_another_process_freed_takes_a_new_run(two_processes):
    a, b, assistant_id, thread_id = two_processes
    first = await _run(a, assistant_id, thread_id)  # a has it cached busy
    await run_cmd.cancel_run(thread_id, first.run_id, "interrupt", b, CLOCK)

    second = await _run(a, assistant_id, thread_id)

    assert second.run_id != first.run_id
    thread = await b.load(Thread, thread_id)
    assert [r.run_id for r in thread.active_runs()] == [second.run_id]
