"""`duragraph events tail` follows the domain events live from NATS."""

from __future__ import annotations

import json
import subprocess
import time

from langgraph_sdk import get_client

from servers import Cluster, command


async def test_events_tail_prints_a_runs_lifecycle_as_json_lines(
    cluster: Cluster, nats_url: str, nats_prefix: str
):
    cluster.start_worker()
    client = get_client(url=cluster.url)
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], "echo", input={"messages": []})

    tail = subprocess.Popen(
        command("events", "tail", "--from-start", "--nats-url", nats_url, "--prefix", nats_prefix),
        stdout=subprocess.PIPE,
        text=True,
        env=cluster.env,
    )
    try:
        seen: list[dict] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(e["type"] == "run.succeeded" for e in seen):
            line = tail.stdout.readline()
            if line.strip():
                seen.append(json.loads(line))
    finally:
        tail.terminate()
        tail.wait(10)
    mine = [e["type"] for e in seen if e["data"].get("thread_id") == thread["thread_id"]]
    assert mine[:2] == ["thread.created", "run.created"]
    assert "run.started" in mine and "run.step_completed" in mine
    assert mine[-1] == "run.succeeded"
