"""`duragraph dev` reloads the graphs when their files are saved: a run in
flight goes on, once, on the new code; a save that does not load is one line
and the previous code serves on; `--no-reload` keeps the code it started with."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import psutil
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError

from servers import command, free_port, stop, wait_ready

PROJECT = Path(__file__).resolve().parents[1] / "graphs" / "reload_project"
RELOAD_WITHIN_S = 2.0


class Dev:
    """A `duragraph dev` serving a copy of the reload project, its log kept."""

    def __init__(self, folder: Path, *flags: str) -> None:
        self.project, self.data_dir = folder / "project", folder / "data"
        shutil.copytree(PROJECT, self.project)
        self.agent = self.project / "agent.py"
        self.url = f"http://127.0.0.1:{free_port()}"
        self.proc = subprocess.Popen(
            command(
                "dev",
                "--port",
                self.url.rsplit(":", 1)[1],
                "--data-dir",
                str(self.data_dir),
                *flags,
                config=self.project / "langgraph.json",
            ),
            cwd=self.project,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log: list[str] = []
        threading.Thread(target=self._read_log, daemon=True).start()
        wait_ready(self.url, [self.proc])
        self.client = get_client(url=self.url)

    def _read_log(self) -> None:
        for line in self.proc.stderr:  # type: ignore[union-attr]
            self.log.append(line)

    def save(self, old: str, new: str) -> float:
        """Edit the graph module as an editor saves it; returns when."""
        text = self.agent.read_text()
        assert old in text
        self.agent.write_text(text.replace(old, new, 1))
        return time.monotonic()

    async def quick_version(self) -> Any:
        result = await self.client.runs.wait(None, "quick", input={"versions": []})
        return result["versions"]

    def close(self) -> None:
        stop([self.proc])
        assert _processes_on(self.data_dir) == []


def _processes_on(data_dir: Path) -> list[int]:
    """The embedded postgres and nats-server of that data folder, if any is left."""
    return [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if str(data_dir) in " ".join(p.info["cmdline"] or [])
    ]


@pytest.fixture(scope="module")
def dev() -> Iterator[Dev]:
    with tempfile.TemporaryDirectory(prefix="dg-reload-") as folder:
        server = Dev(Path(folder))
        try:
            yield server
        finally:
            server.close()


async def _until_version(dev: Dev, wanted: list[int], saved_at: float) -> float:
    """Seconds from the save to the first new run that returns `wanted`."""
    while (await dev.quick_version()) != wanted:
        assert time.monotonic() - saved_at < 10, "the new code never came"
        await asyncio.sleep(0.05)
    return time.monotonic() - saved_at


async def test_a_run_in_flight_finishes_once_on_the_new_code(dev: Dev):
    thread = await dev.client.threads.create()
    parts = dev.client.runs.stream(
        thread["thread_id"], "slow", input={"versions": []}, stream_mode="updates"
    )
    updates = []
    async for part in parts:
        if part.event == "updates":
            updates.append(part.data)
            if len(updates) == 1:  # step0 is committed, step1 is in flight
                saved_at = dev.save("VERSION = 1", "VERSION = 2")
                assert await _until_version(dev, [2], saved_at) < RELOAD_WITHIN_S

    assert updates == [
        {"step0": {"versions": [1]}},
        {"step1": {"versions": [2]}},
        {"step2": {"versions": [2]}},
        {"step3": {"versions": [2]}},
    ]
    state = await dev.client.threads.get_state(thread["thread_id"])
    assert state["values"] == {"versions": [1, 2, 2, 2]}
    runs = await dev.client.runs.list(thread["thread_id"])
    assert [r["status"] for r in runs] == ["success"]


BREAKAGES = {  # what a save breaks -> the line the log must name
    "syntax error": ("VERSION = 2", "VERSION = 2\ndef oops(:", "agent.py:13: SyntaxError"),
    "import error": (
        "import asyncio",
        "import asyncio\nimport no_such_module",
        "agent.py:4: ModuleNotFoundError",
    ),
    "name error": ("VERSION = 2", "VERSION = 2 + undefined_name", "agent.py:12: NameError"),
    "missing variable": (
        "graph = builder",
        "graf = builder",
        "langgraph.json:4: graph 'slow': cannot load 'graph'",
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
async def test_a_save_that_does_not_load_is_one_line_and_the_old_code_serves(
    dev: Dev, breakage: str
):
    old, broken, named = BREAKAGES[breakage]
    good, seen = dev.agent.read_text(), len(dev.log)
    dev.save(old, broken)
    await _eventually(lambda: any("reload failed" in line for line in dev.log[seen:]))
    await asyncio.sleep(0.5)  # time for a second line, which must not come
    said = [line for line in dev.log[seen:] if line.strip()]
    assert len(said) == 1 and named in said[0] and str(dev.project) in said[0], said

    assert httpx.get(f"{dev.url}/ok").status_code == 200
    assert await dev.quick_version() == [2]
    dev.agent.write_text(good.replace("VERSION = 2", "VERSION = 3"))
    await _until_version(dev, [3], time.monotonic())
    dev.agent.write_text(good)
    await _until_version(dev, [2], time.monotonic())


async def _served(dev: Dev, graph_id: str) -> bool:
    try:
        return bool(await dev.client.assistants.search(graph_id=graph_id))
    except NotFoundError:
        return False


async def test_a_graph_added_to_langgraph_json_is_served(dev: Dev):
    config = dev.project / "langgraph.json"
    declared = '"quick": "./agent.py:quick"'
    config.write_text(
        config.read_text().replace(declared, f'{declared},\n    "added": "./agent.py:quick"')
    )
    saved_at = time.monotonic()
    while not await _served(dev, "added"):  # an unknown graph is a 404 until then
        assert time.monotonic() - saved_at < RELOAD_WITHIN_S
        await asyncio.sleep(0.05)
    result = await dev.client.runs.wait(None, "added", input={"versions": []})
    assert result == {"versions": [2]}


async def test_a_broken_langgraph_json_is_one_line_and_a_section_read_at_start_is_named(dev: Dev):
    config = dev.project / "langgraph.json"
    good, seen = config.read_text(), len(dev.log)
    config.write_text(good.replace('"graphs": {', '"graphs": {,'))
    await _eventually(lambda: any("reload failed" in line for line in dev.log[seen:]))
    assert "langgraph.json: invalid JSON at line 3" in dev.log[-1]
    assert await dev.quick_version() == [2]

    seen = len(dev.log)
    config.write_text(good.replace('"env": ".env"', '"env": ".env",\n  "http": {"cors": {}}'))
    await _eventually(lambda: any("restart" in line for line in dev.log[seen:]))
    assert 'restart `duragraph dev` to apply the change to "http"' in dev.log[-1]


async def test_the_graph_drawn_and_its_schemas_follow_the_code(dev: Dev):
    text = dev.agent.read_text()
    node = 'add_node("version", version).add_edge("__start__", "version")'
    field = "    versions: Annotated[list, operator.add]\n"
    dev.agent.write_text(
        text.replace(node, node.replace('"version"', '"renamed"')).replace(
            field, field + "    note: str\n"
        )
    )
    saved_at = time.monotonic()
    while not await _drawn_and_described(dev, node="renamed", field="note"):
        assert time.monotonic() - saved_at < RELOAD_WITHIN_S
        await asyncio.sleep(0.05)


async def _drawn_and_described(dev: Dev, *, node: str, field: str) -> bool:
    drawn = await dev.client.assistants.get_graph("quick")
    schemas = await dev.client.assistants.get_schemas("quick")
    return (
        node in {n["id"] for n in drawn["nodes"]} and field in schemas["state_schema"]["properties"]
    )


async def test_an_edit_to_a_module_the_graph_imports_is_applied(dev: Dev):
    helpers = dev.project / "reload_helpers.py"
    helpers.write_text(helpers.read_text().replace('"before"', '"after"'))
    saved_at = time.monotonic()
    while (await dev.client.runs.wait(None, "with_helper", input={"versions": []}))["versions"] != [
        "after"
    ]:
        assert time.monotonic() - saved_at < RELOAD_WITHIN_S
        await asyncio.sleep(0.05)


async def test_an_edit_to_the_env_file_is_applied(dev: Dev):
    dev_env = dev.project / ".env"
    labelled = {"versions": []}
    assert (await dev.client.runs.wait(None, "labelled", input=labelled)) == {"versions": ["first"]}
    dev_env.write_text("RELOAD_TEST_LABEL=second\n")
    saved_at = time.monotonic()
    while (await dev.client.runs.wait(None, "labelled", input=labelled))["versions"] != ["second"]:
        assert time.monotonic() - saved_at < RELOAD_WITHIN_S
        await asyncio.sleep(0.05)


async def test_with_no_reload_an_edit_changes_nothing():
    with tempfile.TemporaryDirectory(prefix="dg-noreload-") as folder:
        server = Dev(Path(folder), "--no-reload")
        try:
            server.save("VERSION = 1", "VERSION = 2")
            await asyncio.sleep(RELOAD_WITHIN_S + 0.5)
            assert await server.quick_version() == [1]
        finally:
            server.close()


async def _eventually(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        await asyncio.sleep(0.05)
