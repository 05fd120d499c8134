"""Crons through the SDK: every operation, the refusals, and ticks that
really create runs (the scheduler runs in the worker, or in `dev`)."""

from __future__ import annotations

import asyncio
import uuid
from functools import partial
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

from e2e_support import eventually, new_thread

pytestmark = pytest.mark.e2e

EVERY_SECOND = "* * * * * *"  # six fields: seconds last
DAILY = "0 9 * * *"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
CRON_FIELDS = {
    "cron_id",
    "assistant_id",
    "thread_id",
    "on_run_completed",
    "end_time",
    "schedule",
    "timezone",
    "created_at",
    "updated_at",
    "user_id",
    "payload",
    "next_run_date",
    "metadata",
    "enabled",
}


async def get_cron(client: Any, cron_id: str) -> dict[str, Any]:
    """GET /runs/crons/{id}: the SDK has no method for it; its HTTP client does."""
    return await client.http.get(f"/runs/crons/{cron_id}")


async def own_assistant(client: Any, graph: str = "echo") -> str:
    """An assistant of this test alone, so its crons' threads can be found."""
    return (await client.assistants.create(graph, metadata={"test": uuid.uuid4().hex}))[
        "assistant_id"
    ]


async def test_a_cron_is_created_read_searched_counted_updated_and_deleted(client) -> None:
    assistant_id = await own_assistant(client)
    thread_id = await new_thread(client)
    tag = {"suite": uuid.uuid4().hex}
    stateless = await client.crons.create(
        assistant_id, schedule=DAILY, input={"value": 1}, metadata=tag, on_run_completed="keep"
    )
    on_thread = await client.crons.create_for_thread(
        thread_id, assistant_id, schedule=DAILY, metadata=tag, enabled=False
    )

    assert set(stateless) >= CRON_FIELDS
    assert (stateless["assistant_id"], stateless["thread_id"]) == (assistant_id, None)
    assert stateless["on_run_completed"] == "keep" and stateless["enabled"] is True
    assert stateless["payload"]["input"] == {"value": 1} and stateless["metadata"] == tag
    assert stateless["next_run_date"] is not None and stateless["user_id"] is None
    assert on_thread["thread_id"] == thread_id and on_thread["enabled"] is False
    assert await get_cron(client, stateless["cron_id"]) == stateless

    found = await client.crons.search(
        assistant_id=assistant_id, sort_by="created_at", sort_order="asc"
    )
    assert [c["cron_id"] for c in found] == [stateless["cron_id"], on_thread["cron_id"]]
    assert [c["cron_id"] for c in await client.crons.search(thread_id=thread_id)] == [
        on_thread["cron_id"]
    ]
    assert [
        c["cron_id"] for c in await client.crons.search(assistant_id=assistant_id, enabled=False)
    ] == [on_thread["cron_id"]]
    assert await client.crons.search(
        assistant_id=assistant_id,
        limit=1,
        offset=1,
        sort_order="asc",
        select=["cron_id", "enabled"],
    ) == [{"cron_id": on_thread["cron_id"], "enabled": False}]
    assert await client.crons.count(assistant_id=assistant_id) == 2
    assert await client.crons.count(metadata=tag) == 2
    assert await client.crons.count(thread_id=thread_id) == 1

    updated = await client.crons.update(
        stateless["cron_id"],
        schedule="30 10 * * *",
        timezone="Europe/Paris",
        metadata={"more": 1},
        input={"value": 2},
        enabled=False,
    )
    assert updated["schedule"] == "30 10 * * *" and updated["timezone"] == "Europe/Paris"
    assert updated["metadata"] == {**tag, "more": 1} and updated["enabled"] is False
    assert updated["payload"]["input"] == {"value": 2}
    assert (
        datetime.fromisoformat(updated["next_run_date"])
        .astimezone(ZoneInfo("Europe/Paris"))
        .strftime("%H:%M")
        == "10:30"
    )
    assert await get_cron(client, stateless["cron_id"]) == updated

    await client.crons.delete(stateless["cron_id"])
    with pytest.raises(NotFoundError):
        await get_cron(client, stateless["cron_id"])
    assert await client.crons.count(assistant_id=assistant_id) == 1


async def test_end_time_is_set_and_cleared_by_update(client) -> None:
    end = datetime.now(timezone.utc) + timedelta(days=30)
    cron = await client.crons.create("echo", schedule=DAILY, end_time=end)
    assert datetime.fromisoformat(cron["end_time"]) == end
    cleared = await client.crons.update(cron["cron_id"], end_time=None)
    assert cleared["end_time"] is None
    await client.crons.delete(cron["cron_id"])


async def test_the_schedule_is_read_in_the_given_timezone(client) -> None:
    cron = await client.crons.create("echo", schedule="30 9 * * *", timezone="Asia/Kolkata")
    local = datetime.fromisoformat(cron["next_run_date"]).astimezone(ZoneInfo("Asia/Kolkata"))
    assert (local.hour, local.minute) == (9, 30)
    assert cron["timezone"] == "Asia/Kolkata"
    await client.crons.delete(cron["cron_id"])


# -- refusals -------------------------------------------------------------------


async def _count_all(server_url: str) -> int:
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as http:
        return (await http.post("/runs/crons/count", json={})).json()


@pytest.mark.parametrize(
    "options,status,words",
    [
        ({"schedule": "every tuesday"}, 422, ["schedule", "every tuesday"]),
        ({"schedule": "61 * * * *"}, 422, ["schedule"]),
        ({"schedule": DAILY, "timezone": "Mars/Olympus"}, 422, ["timezone", "Mars/Olympus"]),
        ({"schedule": DAILY, "assistant_id": UNKNOWN}, 404, ["assistant", UNKNOWN]),
        ({"schedule": DAILY, "on_run_completed": "maybe"}, 422, ["on_run_completed"]),
        ({"assistant_id": "echo"}, 422, ["schedule"]),
    ],
)
async def test_a_bad_cron_is_refused_and_nothing_is_created(
    server_url: str, options, status, words
) -> None:
    before = await _count_all(server_url)
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as http:
        for path in ("/runs/crons", "/api/v1/runs/crons"):
            response = await http.post(path, json={"assistant_id": "echo", **options})
            assert response.status_code == status, response.text
            for word in words:
                assert word.lower() in response.json()["detail"].lower()
    assert await _count_all(server_url) == before


async def test_a_cron_for_an_unknown_thread_or_assistant_is_refused(client, server_url) -> None:
    before = await _count_all(server_url)
    with pytest.raises(NotFoundError) as unknown_thread:
        await client.crons.create_for_thread(UNKNOWN, "echo", schedule=DAILY)
    assert unknown_thread.value.response.json()["detail"] == (  # the official wording
        f"Thread with ID '{UNKNOWN}' not found. Please verify the ID is correct and the "
        "thread hasn't been deleted or expired."
    )
    thread_id = await new_thread(client)
    for create in (client.crons.create, partial(client.crons.create_for_thread, thread_id)):
        for assistant_id in (UNKNOWN, "x"):
            with pytest.raises(NotFoundError) as unknown_assistant:
                await create(assistant_id, schedule=DAILY)
            assert (
                unknown_assistant.value.response.json()["detail"]
                == f"Assistant '{assistant_id}' not found"
            )
    with pytest.raises(UnprocessableEntityError):
        await client.crons.create_for_thread(thread_id, "echo", schedule="* *")
    assert await _count_all(server_url) == before


async def test_an_unknown_cron_is_a_404_for_every_operation(client) -> None:
    with pytest.raises(NotFoundError):
        await get_cron(client, UNKNOWN)
    with pytest.raises(NotFoundError):
        await client.crons.update(UNKNOWN, enabled=False)
    with pytest.raises(NotFoundError):
        await client.crons.delete(UNKNOWN)


async def test_a_bad_update_changes_nothing(client) -> None:
    cron = await client.crons.create("echo", schedule=DAILY)
    with pytest.raises(UnprocessableEntityError):
        await client.crons.update(cron["cron_id"], schedule="99 99 * * *")
    with pytest.raises(UnprocessableEntityError):
        await client.crons.update(cron["cron_id"], timezone="Nowhere/Town")
    assert await get_cron(client, cron["cron_id"]) == cron
    await client.crons.delete(cron["cron_id"])


async def test_searching_with_an_unknown_sort_or_field_is_refused(client) -> None:
    with pytest.raises(UnprocessableEntityError):
        await client.crons.search(sort_by="colour")
    with pytest.raises(UnprocessableEntityError):
        await client.crons.search(select=["cron_id", "colour"])


# -- ticks ----------------------------------------------------------------------


async def test_a_thread_cron_creates_a_run_on_its_thread_at_each_tick(client) -> None:
    thread_id = await new_thread(client)
    cron = await client.crons.create_for_thread(
        thread_id, "echo", schedule=EVERY_SECOND, input={"value": "tick"}, metadata={"k": "v"}
    )
    runs = await eventually(
        lambda: client.runs.list(thread_id),
        lambda rs: len([r for r in rs if r["status"] == "success"]) >= 2,
    )
    await client.crons.delete(cron["cron_id"])
    done = [r for r in runs if r["status"] == "success"]
    assert len(done) >= 2, runs
    assert all(r["metadata"] == {"k": "v", "cron_id": cron["cron_id"]} for r in runs)
    assert (await client.threads.get(thread_id))["values"]["value"] == "tick"
    # the audit log says which tick created the run
    log = await client.http.get(f"/threads/{thread_id}/runs/{done[0]['run_id']}/events")
    assert [e["type"] for e in log][:2] == ["run.created", "cron.fired"]
    assert log[1]["data"]["cron_id"] == cron["cron_id"] and log[1]["data"]["tick"]

    settled = await eventually(
        lambda: client.runs.list(thread_id, limit=100),
        lambda rs: all(r["status"] == "success" for r in rs),
    )
    await asyncio.sleep(3)  # well past several ticks: a deleted cron fires no more
    assert len(await client.runs.list(thread_id, limit=100)) == len(settled)


async def test_a_stateless_cron_that_keeps_its_threads_leaves_one_thread_per_tick(client) -> None:
    assistant_id = await own_assistant(client)
    cron = await client.crons.create(
        assistant_id, schedule=EVERY_SECOND, input={"value": 7}, on_run_completed="keep"
    )
    mine = {"assistant_id": assistant_id}
    threads = await eventually(
        lambda: client.threads.search(metadata=mine, limit=100),
        lambda ts: len([t for t in ts if t["status"] == "idle"]) >= 2,
    )
    await client.crons.delete(cron["cron_id"])
    idle = [t for t in threads if t["status"] == "idle"]
    assert len(idle) >= 2 and len({t["thread_id"] for t in idle}) == len(idle)
    for thread in idle:
        [run] = await client.runs.list(thread["thread_id"])
        assert run["status"] == "success" and run["metadata"]["cron_id"] == cron["cron_id"]
        assert thread["values"]["value"] == 7


async def test_a_stateless_cron_deletes_each_ticks_thread_after_its_run_by_default(
    client, counter_dir
) -> None:
    assistant_id = await own_assistant(client, graph="steps")
    cron = await client.crons.create(assistant_id, schedule=EVERY_SECOND, input={})
    assert cron["on_run_completed"] == "delete"

    def ran() -> list[str]:  # threads where the graph's last node ran
        return [p.name.split(".")[0] for p in counter_dir.glob("*.three")]

    before = set(ran())

    async def new_runs() -> set[str]:
        return set(ran()) - before

    executed = await eventually(new_runs, lambda ids: len(ids) >= 2)
    await client.crons.delete(cron["cron_id"])
    assert len(executed) >= 2

    async def gone(thread_id: str) -> bool:
        try:
            await client.threads.get(thread_id)
            return False
        except NotFoundError:
            return True

    for thread_id in executed:
        # awaited within the iteration: the lambda sees this iteration's id
        assert await eventually(lambda: gone(thread_id), bool), thread_id  # noqa: B023


async def test_a_disabled_cron_does_not_fire_until_enabled(client) -> None:
    thread_id = await new_thread(client)
    cron = await client.crons.create_for_thread(
        thread_id, "echo", schedule=EVERY_SECOND, input={}, enabled=False
    )
    await asyncio.sleep(3)  # several ticks
    assert await client.runs.list(thread_id) == []

    await client.crons.update(cron["cron_id"], enabled=True)
    runs = await eventually(lambda: client.runs.list(thread_id), lambda rs: len(rs) >= 1)
    await client.crons.delete(cron["cron_id"])
    assert runs and runs[0]["metadata"]["cron_id"] == cron["cron_id"]


async def test_a_cron_past_its_end_time_does_not_fire(client) -> None:
    thread_id = await new_thread(client)
    ended = datetime.now(timezone.utc) - timedelta(minutes=1)
    cron = await client.crons.create_for_thread(
        thread_id, "echo", schedule=EVERY_SECOND, input={}, end_time=ended
    )
    assert cron["next_run_date"] is None
    await asyncio.sleep(3)  # several ticks
    assert await client.runs.list(thread_id) == []
    await client.crons.delete(cron["cron_id"])


async def test_deleting_a_thread_deletes_its_crons(client) -> None:
    thread_id = await new_thread(client)
    cron = await client.crons.create_for_thread(
        thread_id, "echo", schedule=EVERY_SECOND, input={}, enabled=False
    )
    await client.threads.delete(thread_id)
    with pytest.raises(NotFoundError):
        await get_cron(client, cron["cron_id"])
    assert await client.crons.count(thread_id=thread_id) == 0
