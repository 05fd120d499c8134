"""What `duragraph` logs: a failed run at ERROR with its traceback and run id,
its `error` event as the official server sends it, one line per request, JSON
lines on demand, and nothing at idle."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError

from captured import Captured, dev, start, stop_all, until
from servers import GRAPHS, free_port, fresh_database, wait_ready


def _line_of(path: Path, text: str) -> int:
    return 1 + path.read_text().splitlines().index(text)


# Where tests/graphs/failing.py raises ValueError("boom").
_RAISE = _line_of(GRAPHS.parent / "failing.py", '    raise ValueError("boom")')
FAILING_NODE_LINE = f'failing.py", line {_RAISE}, in explode'


@pytest.fixture(scope="module")
def logged() -> Iterator[tuple[str, Captured]]:
    with dev("--log-level", "INFO") as running:
        yield running


async def _failed_run(url: str) -> tuple[str, str]:
    client = get_client(url=url)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "failing", input={})
    await client.runs.join(thread["thread_id"], run["run_id"])
    return thread["thread_id"], run["run_id"]


def _record_of(lines: list[str], needle: str) -> list[str]:
    """The line holding `needle` and the traceback lines that follow it."""
    start_at = next(i for i, line in enumerate(lines) if needle in line)
    following = [
        start_at + 1 + i for i, line in enumerate(lines[start_at + 1 :]) if line[:4].isdigit()
    ]  # the next record starts with its timestamp
    return lines[start_at : following[0] if following else None]


async def test_a_failing_run_logs_its_traceback_at_error_with_the_run_id(logged):
    url, server = logged
    _, run_id = await _failed_run(url)
    assert until(lambda: f"run {run_id} of graph failing failed" in server.stderr())
    record = _record_of(server.lines(), f"run {run_id} of graph failing failed")
    assert " ERROR " in record[0] and "ValueError: boom" in record[0]
    text = "\n".join(record)
    assert "Traceback (most recent call last)" in text
    assert FAILING_NODE_LINE in text
    assert "During task with name 'explode'" in text


async def test_the_error_event_and_the_run_carry_the_exception_type_and_message(logged):
    url, _ = logged
    client = get_client(url=url)
    thread = await client.threads.create()
    parts = [p async for p in client.runs.stream(thread["thread_id"], "failing", input={})]
    errors = [p.data for p in parts if p.event == "error"]
    assert errors == [{"error": "ValueError", "message": "boom"}]
    [run] = await client.runs.list(thread["thread_id"])
    assert run["status"] == "error"
    assert (await client.threads.get(thread["thread_id"]))["status"] == "error"
    result = await client.runs.join(thread["thread_id"], run["run_id"])
    assert result == {"__error__": {"error": "ValueError", "message": "boom"}}


async def test_a_message_that_may_hold_secrets_reaches_the_log_not_the_client(logged):
    url, server = logged
    client = get_client(url=url)
    thread = await client.threads.create()
    parts = [
        p async for p in client.runs.stream(thread["thread_id"], "failing", input={"value": "leak"})
    ]
    errors = [p.data for p in parts if p.event == "error"]
    assert errors == [{"error": "DatabaseDown", "message": "An internal error occurred"}]
    [run] = await client.runs.list(thread["thread_id"])
    assert "s3cret" not in str(await client.runs.join(thread["thread_id"], run["run_id"]))
    assert until(lambda: "DatabaseDown: cannot reach postgresql://app:s3cret" in server.stderr())


def _request_lines(server: Captured, needle: str) -> list[str]:
    return [line for line in server.lines() if "duragraph.requests" in line and needle in line]


async def test_each_request_is_logged_once_with_status_time_and_ids(logged):
    url, server = logged
    client = get_client(url=url)
    thread_id = (await client.threads.create())["thread_id"]
    await client.threads.get(thread_id)
    run = await client.runs.create(thread_id, "echo", input={"x": 1})
    await client.runs.join(thread_id, run["run_id"])
    missing = str(uuid.uuid4())
    with pytest.raises(NotFoundError):
        await client.threads.get(missing)
    assert until(lambda: _request_lines(server, f"GET /threads/{missing} 404"))
    [got] = _request_lines(server, f"GET /threads/{thread_id} 200")
    assert " INFO " in got and f"thread_id={thread_id}" in got
    assert got.split(" 200 ")[1].split("ms")[0].isdigit()
    [created] = _request_lines(server, f"POST /threads/{thread_id}/runs 200")
    assert f"run_id={run['run_id']}" in created  # from the answer's Content-Location
    [refused] = _request_lines(server, f"GET /threads/{missing} 404")
    assert " WARNING " in refused
    assert not _request_lines(server, "GET /ok ")  # health probes are DEBUG


async def test_concurrent_writes_to_one_thread_log_no_pool_noise(logged):
    """Writers racing on one thread conflict and retry; each retry closed a
    connection on purpose, and psycopg_pool used to warn of every one."""
    url, server = logged
    client = get_client(url=url)
    thread_id = (await client.threads.create())["thread_id"]
    await asyncio.gather(
        *[client.threads.update(thread_id, metadata={"n": n}) for n in range(40)],
        return_exceptions=True,
    )
    assert (await client.threads.get(thread_id))["metadata"]["n"] in range(40)
    assert "psycopg.pool" not in server.stderr()


async def test_nothing_is_logged_at_idle(logged):
    url, server = logged
    await _failed_run(url)  # some activity first: its follow-ups must settle quietly
    time.sleep(3)
    before = len(server.lines())
    time.sleep(20)
    assert server.lines()[before:] == []


@pytest.fixture(scope="module")
def json_split() -> Iterator[tuple[str, Captured, Captured]]:
    """`serve` and `worker` on the external PostgreSQL and NATS, logging JSON."""
    base, nats = (
        os.environ.get("DURAGRAPH_TEST_DATABASE_URL"),
        os.environ.get("DURAGRAPH_TEST_NATS_URL"),
    )
    if not (base and nats):
        pytest.skip("needs DURAGRAPH_TEST_DATABASE_URL and DURAGRAPH_TEST_NATS_URL")
    port = free_port()
    with fresh_database(base, "dg_logs") as database_url:
        env = {
            "DURAGRAPH_DATABASE_URL": database_url,
            "DURAGRAPH_NATS_URL": nats,
            "DURAGRAPH_NATS_PREFIX": f"dglogs{uuid.uuid4().hex[:8]}",
            "DURAGRAPH_LOG_FORMAT": "json",
        }
        with tempfile.TemporaryDirectory(prefix="dg-json-") as folder:
            api = start(
                Path(folder), "serve", ["serve", "--port", str(port), "--log-level", "INFO"], env
            )
            worker = start(Path(folder), "worker", ["worker", "--log-level", "INFO"], env)
            try:
                wait_ready(f"http://127.0.0.1:{port}", [api.proc, worker.proc])
                yield f"http://127.0.0.1:{port}", api, worker
            finally:
                stop_all([api, worker])


def _records(server: Captured) -> list[dict]:
    return [json.loads(line) for line in server.lines()]  # each line is one JSON object


async def test_serve_and_worker_log_one_json_object_per_line(json_split):
    url, api, worker = json_split
    thread_id, run_id = await _failed_run(url)
    assert until(lambda: any(r.get("run_id") == run_id for r in _records(worker)))
    [failure] = [r for r in _records(worker) if r.get("run_id") == run_id]
    assert failure["level"] == "ERROR" and failure["graph_id"] == "failing"
    assert failure["thread_id"] == thread_id and FAILING_NODE_LINE in failure["exc_info"]
    assert {"timestamp", "logger", "message"} <= failure.keys()
    requests = [r for r in _records(api) if r["logger"] == "duragraph.requests"]
    created = [r for r in requests if r["method"] == "POST" and r.get("run_id") == run_id]
    assert len(created) == 1 and created[0]["status"] == 200
    assert isinstance(created[0]["duration_ms"], float)
