"""A plain Starlette `http.app` (not FastAPI) served beside our API, and the
server reached in process, as on the official server: `get_client()` with no
URL (in a custom route, in a graph, in `worker` processes too), and relative
webhook URLs when the webhook policy allows loopback."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from langgraph_sdk import get_client

from e2e_servers import MODES, server

CONFIG = Path(__file__).resolve().parent.parent / "http_app" / "langgraph.starlette.json"


@pytest.fixture(scope="module")
def hook_log() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="dg-hooks-") as folder:
        yield Path(folder) / "hooks.log"


@pytest.fixture(scope="module", params=MODES)
def url(request: pytest.FixtureRequest, counter_dir: Path, hook_log: Path) -> Iterator[str]:
    os.environ["HOOK_LOG"] = str(hook_log)  # the processes inherit it
    try:
        with server(request, counter_dir, CONFIG) as started:
            yield started
    finally:
        os.environ.pop("HOOK_LOG", None)


async def test_our_routes_and_the_user_routes_answer_beside_a_starlette_app(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        ok, info = await http.get("/ok"), await http.get("/info")
    assert ok.status_code == 200 and ok.json() == {"ok": True}
    assert info.status_code == 200
    thread = await get_client(url=url).threads.create()
    assert thread["status"] == "idle"


async def test_a_custom_route_reaches_the_server_with_get_client_and_no_url(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        seen = await http.get("/graphs-seen")
    assert seen.status_code == 200
    assert seen.json() == {"graphs": ["asks_itself", "echo", "slow"]}


async def test_a_run_streamed_through_the_in_process_client_arrives_live(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        arrivals = (await http.get("/streamed")).json()
    assert arrivals["last"] >= 2  # the run took its 2 s
    assert arrivals["first"] < arrivals["last"] - 1  # its first part came at once


async def test_a_graph_reaches_the_server_it_runs_in_and_sees_the_app_lifespan(url: str) -> None:
    client = get_client(url=url)
    thread = await client.threads.create()
    result = await client.runs.wait(
        thread["thread_id"], "asks_itself", input={"thread_id": thread["thread_id"]}
    )
    assert result["seen"] == {
        "thread_status": "busy",
        "echoed": 7,
        "setup": "the custom app's lifespan",
    }


async def test_a_relative_webhook_url_calls_the_server_itself(url: str, hook_log: Path) -> None:
    client = get_client(url=url)
    thread = await client.threads.create()
    run = await client.runs.create(
        thread["thread_id"], "echo", input={"value": 1}, webhook="/my/hook"
    )
    await client.runs.join(thread["thread_id"], run["run_id"])
    for _ in range(100):
        if hook_log.exists() and f"{run['run_id']} success" in hook_log.read_text():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the webhook never reached /my/hook: {hook_log.exists()}")
