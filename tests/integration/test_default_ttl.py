"""`checkpointer.ttl` in langgraph.json: threads created without a `ttl` get
`default_ttl`, and the sweeper of `duragraph dev` expires them as its
strategy says."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError

from servers import dev_on, dev_refusing, project_with_checkpointer


@pytest.fixture
def dev_server(tmp_path: Path, database_url: str, nats_url: str, nats_prefix: str):
    ttl = {"strategy": "delete", "sweep_interval_minutes": 0.01, "default_ttl": 0.03}
    path = project_with_checkpointer(tmp_path, {"ttl": ttl})
    with dev_on(path, tmp_path / "data", database_url, nats_url, nats_prefix) as url:
        yield url


async def gone(client, thread_id: str, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            await client.threads.get(thread_id)
        except NotFoundError:
            return True
        await asyncio.sleep(0.2)
    return False


async def test_threads_get_the_default_ttl_and_are_swept(dev_server: str) -> None:
    client = get_client(url=dev_server)
    default = await client.threads.create()
    own = await client.threads.create(ttl=60)
    by_run = str(uuid.uuid4())
    await client.runs.wait(by_run, "steps", input={}, if_not_exists="create")
    for thread_id in (default["thread_id"], by_run):
        shown = await client.threads.get(thread_id, include=["ttl"])
        assert shown["ttl"]["ttl_minutes"] == 0.03 and shown["ttl"]["strategy"] == "delete"
    for thread_id in (default["thread_id"], by_run):
        assert await gone(client, thread_id)
    assert (await client.threads.get(own["thread_id"], include=["ttl"]))["ttl"]["ttl_minutes"] == 60


@pytest.mark.parametrize(
    "ttl, problem",
    [
        ({"strategy": "shred"}, "strategy"),
        ({"default_ttl": -1}, "default_ttl"),
        ({"sweep_interval_minutes": "often"}, "sweep_interval_minutes"),
    ],
)
def test_a_bad_ttl_config_stops_the_server_with_a_message(
    tmp_path: Path, ttl: dict, problem: str
) -> None:
    done = dev_refusing(tmp_path, {"ttl": ttl})
    assert done.returncode != 0
    assert f"checkpointer.ttl.{problem}" in done.stderr
    assert "Traceback" not in done.stderr  # one line naming the field, not a stack
