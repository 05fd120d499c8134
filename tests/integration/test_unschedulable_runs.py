"""A run whose start time cannot be computed (its delay stored before delays
were checked, by an older server) fails once, with the reason, and the runs
queued behind it on its thread go on."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from langgraph_sdk import get_client

from duragraph.domain import events as ev
from duragraph.domain.run_spec import RunSpec
from duragraph.domain.thread import Thread
from duragraph.infrastructure.postgres.event_store import PostgresEventStore
from servers import Cluster


async def _store_poisoned_run(pool, thread_id: str, assistant_id: str) -> str:
    """As an older server stored it: `after_seconds` no clock can reach."""
    store = PostgresEventStore(pool)
    thread = await store.load(Thread, thread_id)
    run_id = "00000000-0000-4000-8000-0000000000aa"
    thread._record(
        ev.RunCreated(
            at=datetime.now(timezone.utc),
            run_id=run_id,
            thread_id=thread_id,
            assistant_id=assistant_id,
            graph_id="echo",
            spec=RunSpec(after_seconds=1e308),
            metadata={},
            multitask_strategy="enqueue",
            temporary=False,
        )
    )
    await store.save(thread, cache=False)
    return run_id


async def test_a_run_that_can_never_start_fails_once_and_the_thread_goes_on(
    cluster: Cluster, pool
) -> None:
    cluster.start_worker()
    client = get_client(url=cluster.url)
    thread_id = (await client.threads.create())["thread_id"]
    (assistant,) = await client.assistants.search(graph_id="echo", limit=1)
    poisoned = await _store_poisoned_run(pool, thread_id, assistant["assistant_id"])

    later = await asyncio.wait_for(
        client.runs.wait(thread_id, "echo", input={"messages": []}, multitask_strategy="enqueue"),
        30,
    )

    assert later == {"messages": []}
    assert (await client.runs.get(thread_id, poisoned))["status"] == "error"
    outcome = await client.runs.join(thread_id, poisoned)
    assert outcome["__error__"]["error"] == "Unschedulable"
    assert "after_seconds" in outcome["__error__"]["message"]
    failures = [e for e in await _events(client, thread_id) if e["type"] == "run.failed"]
    assert len(failures) == 1  # once, not every sweep


async def _events(client, thread_id: str) -> list[dict]:
    return await client.http.get(f"/threads/{thread_id}/events")
