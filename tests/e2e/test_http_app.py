"""langgraph.json `http.app`: a user's FastAPI app served beside ours, as the
official server does it: its routes (shadowing API routes, never /ok), its
middleware on every route, its lifespan with the server."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from langgraph_sdk import get_client

from servers import dev_command, free_port, stop, wait_ready

pytestmark = pytest.mark.e2e

CONFIG = Path(__file__).resolve().parent.parent / "http_app" / "langgraph.json"


@pytest.fixture(scope="module")
def marker() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="dg-http-app-") as folder:
        yield Path(folder) / "lifespan.log"


@pytest.fixture(scope="module")
def app_server(marker: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="dg-http-app-data-") as data_dir:
        proc = subprocess.Popen(
            dev_command(CONFIG, data_dir, port, "--log-level", "WARNING"),
            env={**os.environ, "HTTP_APP_MARKER": str(marker)},
        )
        try:
            wait_ready(url, [proc])
            yield url, proc
        finally:
            stop([proc])


@pytest.fixture
def url(app_server: tuple[str, subprocess.Popen]) -> str:
    return app_server[0]


async def test_the_user_routes_are_served_and_their_lifespan_ran(url: str) -> None:
    client = get_client(url=url)
    assert await client.http.get("/hello") == {"hello": "hello from the lifespan"}


async def test_our_api_works_beside_the_user_app(url: str) -> None:
    client = get_client(url=url)
    thread = await client.threads.create(metadata={"beside": "user app"})
    result = await client.runs.wait(thread["thread_id"], "echo", input={"value": 3})
    assert result["value"] == 3


async def test_a_user_route_shadows_an_api_route_but_not_the_health_check(url: str) -> None:
    client = get_client(url=url)
    assert await client.assistants.count() == 4242
    assert await client.http.get("/ok") == {"ok": True}


async def test_a_user_route_at_the_root_replaces_our_home_page(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.get("/")
    assert response.json() == {"home": "theirs"}


async def test_the_user_middleware_wraps_our_routes_too(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        ours = await http.post("/threads/search", json={})
        theirs = await http.get("/hello")
        missing = await http.get(f"/threads/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert ours.status_code == 200 and ours.headers["X-Custom-Header"] == "stamped"
    assert theirs.headers["X-Custom-Header"] == "stamped"
    assert missing.status_code == 404 and "detail" in missing.json()


async def test_the_openapi_document_lists_the_user_routes(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        paths = (await http.get("/openapi.json")).json()["paths"]
    assert "/hello" in paths and "/threads/{thread_id}/runs" in paths


async def test_a_500_ends_its_response_and_the_connection_stays_usable(url: str) -> None:
    """A bug in a route answers a complete JSON 500; the same pooled keep-alive
    connection then serves the next requests (no reset, no Connection: close)."""
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=1)) as http:
        for _ in range(10):
            failed = await http.get("/boom")
            assert failed.status_code == 500
            assert failed.json() == {"detail": "internal error: RuntimeError"}
            assert failed.headers.get("connection") != "close"
            for _ in range(2):
                assert (await http.get("/ok")).status_code == 200


def test_the_user_lifespan_stops_with_the_server(app_server, marker: Path) -> None:
    _, proc = app_server
    assert marker.read_text().splitlines() == ["started"]
    stop([proc])
    assert marker.read_text().splitlines() == ["started", "stopped"]
