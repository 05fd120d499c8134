"""`duragraph dev` as a new user meets it, from a project folder with no
flags: the banner says where everything is (no password printed), and
`duragraph events tail` run in the same folder finds the embedded NATS."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Iterator

import httpx
import psutil
import pytest
from langgraph_sdk import get_client

from servers import command, free_port, stop, wait_ready

# Where a user's shell would not point us elsewhere: the folder decides.
_ELSEWHERE = (
    "DURAGRAPH_DATA_DIR",
    "DURAGRAPH_DATABASE_URL",
    "DURAGRAPH_NATS_URL",
    "DURAGRAPH_NATS_PREFIX",
)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _ELSEWHERE}


def _lines(stream: IO[str]) -> queue.Queue:
    """The stream's lines, read in the background (a pipe read never blocks the test)."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def _read_until(lines: queue.Queue, done, timeout: float = 20.0) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while not (seen and done(seen)) and time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=0.2).rstrip("\n"))
        except queue.Empty:
            pass
    return seen


class Dev:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            command("dev", "--port", str(self.port)),
            cwd=folder,
            env=_env(),
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.stdout = _lines(self.proc.stdout)
        wait_ready(self.url, [self.proc])
        self.banner = _read_until(self.stdout, lambda seen: any("NATS" in s for s in seen))


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    server = Dev(tmp_path_factory.mktemp("project"))
    children = psutil.Process(server.proc.pid).children(recursive=True)
    try:
        yield server
    finally:
        stop([server.proc])
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert alive == [], f"left running: {alive}"


def test_the_banner_lists_the_api_docs_console_and_embedded_servers(dev: Dev) -> None:
    text = "\n".join(dev.banner)
    assert "serving " in dev.banner[0] and dev.banner[0].endswith(dev.url)
    assert f"API         {dev.url}" in text and f"Docs        {dev.url}/docs" in text
    assert f"Console     {dev.url}/console/" in text
    assert "PostgreSQL  postgresql://postgres@/postgres?host=" in text
    assert "NATS        nats://duragraph@127.0.0.1:" in text
    assert "(password in .duragraph/postgres/duragraph.password)" in text
    assert "(password in .duragraph/nats/client.password)" in text
    assert httpx.get(f"{dev.url}/docs").status_code == 200
    assert httpx.get(f"{dev.url}/console/").status_code == 200


def test_the_banner_prints_no_password(dev: Dev) -> None:
    data = dev.folder / ".duragraph"
    passwords = [
        (data / "postgres" / "duragraph.password").read_text().strip(),
        (data / "nats" / "client.password").read_text().strip(),
    ]
    assert all(passwords)
    assert not any(p in line for p in passwords for line in dev.banner)


async def test_events_tail_in_the_dev_folder_finds_its_nats_with_no_flags(dev: Dev) -> None:
    client = get_client(url=dev.url)
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], "echo", input={"messages": []})
    tail = subprocess.Popen(
        command("events", "tail", "--from-start"),
        cwd=dev.folder,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = _read_until(_lines(tail.stdout), lambda seen: "run.succeeded" in seen[-1])
    finally:
        stop([tail])
    events = [json.loads(line) for line in lines if line.strip()]
    mine = [e["type"] for e in events if e["data"].get("thread_id") == thread["thread_id"]]
    assert mine[:2] == ["thread.created", "run.created"] and mine[-1] == "run.succeeded", (
        tail.stderr.read()
    )
