"""Values out of any sane range — times no clock reaches, pages past a
bigint, schedules that never fire, ids longer than an index entry, resume
points past a stream's end — are a 4xx whose `detail` names the field,
never a 500, never a 503 "retry", and never a thread or stream left waiting."""

from __future__ import annotations

import asyncio
import secrets
import time

import pytest

from e2e_support import assert_refused, new_thread, raw_stream, send

pytestmark = pytest.mark.e2e

HUGE = 10**20  # past a PostgreSQL bigint
LONG = secrets.token_hex(5000)  # 10,000 characters that do not compress


# -- times and durations ------------------------------------------------------


async def test_a_run_delayed_past_any_clock_is_refused_and_the_thread_stays_usable(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    for delay in ("1e308", "Infinity", "NaN", "-1", str(11 * 366 * 86400)):
        response = await send(
            server_url,
            "POST",
            f"/threads/{thread_id}/runs",
            content=f'{{"assistant_id": "echo", "after_seconds": {delay}}}',
            headers={"content-type": "application/json"},
        )
        assert_refused(response, 422, "after_seconds")
    assert await client.runs.list(thread_id) == []
    result = await asyncio.wait_for(client.runs.wait(thread_id, "echo", input={"messages": []}), 30)
    assert result == {"messages": []}


@pytest.mark.parametrize(
    "method,path,body,field",
    [
        ("POST", "/threads", {"ttl": {"ttl": 1e308}}, "ttl"),
        ("POST", "/threads", {"ttl": {"strategy": "delete", "ttl": 10**12}}, "ttl"),
        (
            "PUT",
            "/store/items",
            {"namespace": ["hostile"], "key": "k", "value": {}, "ttl": 1e308},
            "ttl",
        ),
        (
            "POST",
            "/runs/crons",
            {
                "assistant_id": "echo",
                "schedule": "* * * * *",
                "end_time": "9999-12-31T23:59:59-05:00",
            },
            "end_time",
        ),
        (
            "POST",
            "/runs/crons",
            {
                "assistant_id": "echo",
                "schedule": "* * * * *",
                "end_time": "0001-01-01T00:00:00+05:00",
            },
            "end_time",
        ),
    ],
)
async def test_durations_and_times_out_of_range_are_refused_naming_the_field(
    server_url: str, method: str, path: str, body: dict, field: str
) -> None:
    assert_refused(await send(server_url, method, path, json=body), 422, field)


# -- pages -----------------------------------------------------------------------

LISTS = [
    ("/assistants/search", {}),
    ("/threads/search", {}),
    ("/runs/crons/search", {}),
    ("/store/items/search", {"namespace_prefix": ["hostile"]}),
    ("/store/namespaces", {}),
]


@pytest.mark.parametrize("path,base", LISTS)
@pytest.mark.parametrize(
    "field,value",
    [("limit", 0), ("limit", 1001), ("limit", HUGE), ("offset", -1), ("offset", HUGE)],
)
async def test_pages_out_of_range_are_refused_naming_the_field(
    server_url: str, path: str, base: dict, field: str, value: int
) -> None:
    response = await send(server_url, "POST", path, json={**base, field: value})
    assert_refused(response, 422, field)


@pytest.mark.parametrize("depth", [0, HUGE])
async def test_a_namespace_depth_out_of_range_is_refused(server_url: str, depth: int) -> None:
    response = await send(server_url, "POST", "/store/namespaces", json={"max_depth": depth})
    assert_refused(response, 422, "max_depth")


async def test_an_assistants_versions_page_out_of_range_is_refused(server_url: str, client) -> None:
    assistant = await client.assistants.create("echo")
    response = await send(
        server_url,
        "POST",
        f"/assistants/{assistant['assistant_id']}/versions",
        json={"offset": HUGE},
    )
    assert_refused(response, 422, "offset")


@pytest.mark.parametrize(
    "path,query,field",
    [
        ("runs", f"limit={HUGE}", "limit"),
        ("runs", "limit=1001", "limit"),
        ("runs", f"offset={HUGE}", "offset"),
        ("history", "limit=0", "limit"),
        ("history", f"limit={HUGE}", "limit"),
        ("events", f"after={HUGE}", "after"),
    ],
)
async def test_query_string_pages_out_of_range_are_refused(
    server_url: str, client, path: str, query: str, field: str
) -> None:
    thread_id = await new_thread(client)
    response = await send(server_url, "GET", f"/threads/{thread_id}/{path}?{query}")
    assert_refused(response, 422, field)


# -- cron schedules and time zones ----------------------------------------------


@pytest.mark.parametrize(
    "change,field",
    [
        ({"schedule": "0 0 30 2 *"}, "schedule"),
        ({"schedule": "0 0 31 4 *"}, "schedule"),
        ({"schedule": "* " * 5000}, "schedule"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "x" * 10_000}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": "/etc/localtime"}, "timezone"),
    ],
)
async def test_a_cron_that_never_fires_or_has_no_real_time_zone_is_refused(
    server_url: str, client, change: dict, field: str
) -> None:
    body = {"assistant_id": "echo", "schedule": "0 0 1 1 *", **change}
    started = time.monotonic()
    assert_refused(await send(server_url, "POST", "/runs/crons", json=body), 422, field)
    cron = await client.crons.create("echo", schedule="0 0 1 1 *")
    try:
        assert_refused(
            await send(server_url, "PATCH", f"/runs/crons/{cron['cron_id']}", json=change),
            422,
            field,
        )
        assert await client.crons.search(assistant_id=cron["assistant_id"])  # still there
    finally:
        await client.crons.delete(cron["cron_id"])
    assert time.monotonic() - started < 5


# -- Last-Event-ID ---------------------------------------------------------------


async def _finished_run(client) -> tuple[str, str]:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "echo", input={"messages": []}, stream_resumable=True)
    await client.runs.join(thread_id, run["run_id"])
    return thread_id, run["run_id"]


@pytest.mark.parametrize("last_event_id", ["yesterday", "-5", "²", "1.5", str(2**63), str(HUGE)])
async def test_a_last_event_id_that_is_no_event_id_is_refused(
    server_url: str, client, last_event_id: str
) -> None:
    thread_id, run_id = await _finished_run(client)
    for path in (f"/threads/{thread_id}/runs/{run_id}/stream", f"/threads/{thread_id}/stream"):
        response = await send(
            server_url,
            "GET",
            path,  # as bytes: "²" is not ASCII
            headers={"Last-Event-ID": last_event_id.encode()},
        )
        assert_refused(response, 422, "Last-Event-ID")


@pytest.mark.parametrize("past", ["1000000000", str(2**63 - 1)])
async def test_resuming_past_a_finished_runs_end_closes_the_stream_at_once(
    server_url: str, client, past: str
) -> None:
    thread_id, run_id = await _finished_run(client)
    path = f"/threads/{thread_id}/runs/{run_id}/stream"
    _, everything = await raw_stream(server_url, path, headers={"Last-Event-ID": "-1"})
    assert everything and everything[-1].id is not None
    for last in (everything[-1].id, past):
        response, frames = await asyncio.wait_for(
            raw_stream(server_url, path, headers={"Last-Event-ID": last}), 5
        )
        assert response.status_code == 200
        assert frames == []


async def test_an_id_never_given_on_a_live_run_still_ends_with_the_run(
    server_url: str, client
) -> None:
    thread_id = await new_thread(client)
    run = await client.runs.create(thread_id, "slow", input={"sleep": 2}, stream_resumable=True)
    path = f"/threads/{thread_id}/runs/{run['run_id']}/stream"
    response, _ = await asyncio.wait_for(
        raw_stream(server_url, path, headers={"Last-Event-ID": str(2**63 - 1)}), 20
    )
    assert response.status_code == 200
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "success"


# -- ids and keys longer than an index entry --------------------------------------


@pytest.mark.parametrize(
    "method,path,body,field",
    [
        ("POST", "/threads", {"thread_id": LONG}, "thread_id"),
        ("POST", "/assistants", {"graph_id": "echo", "assistant_id": LONG}, "assistant_id"),
        ("PUT", "/store/items", {"namespace": ["hostile"], "key": LONG, "value": {}}, "key"),
        ("PUT", "/store/items", {"namespace": [LONG], "key": "k", "value": {}}, "namespace"),
        (
            "POST",
            f"/threads/{LONG}/runs",
            {"assistant_id": "echo", "if_not_exists": "create"},
            "thread_id",
        ),
        (
            "POST",
            f"/threads/{LONG}/runs/crons",
            {"assistant_id": "echo", "schedule": "* * * * *"},
            "thread_id",
        ),
    ],
)
async def test_ids_and_keys_too_long_to_index_are_refused_not_retried(
    server_url: str, method: str, path: str, body: dict, field: str
) -> None:
    response = await send(server_url, method, path, json=body)
    assert_refused(response, 422, field)
    assert "Retry-After" not in response.headers


async def test_reading_an_id_too_long_to_exist_is_not_found_or_refused(server_url: str) -> None:
    for path in (f"/threads/{LONG}", f"/assistants/{LONG}", f"/runs/crons/{LONG}"):
        response = await send(server_url, "GET", path)
        assert response.status_code in (404, 422), response.text


async def test_an_mcp_cursor_past_any_page_is_invalid_params(server_url: str) -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"cursor": str(HUGE)}}
    response = await send(
        server_url,
        "POST",
        "/mcp",
        json=request,
        headers={"accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["error"]["code"] == -32602
    assert "cursor" in response.json()["error"]["message"]
