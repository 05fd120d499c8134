"""Health, server info and the API description, at the root and under /api/v1."""

from __future__ import annotations

import asyncio

import httpx
import langgraph.version
import langgraph_api
import pytest

from duragraph import __version__

pytestmark = pytest.mark.e2e

PREFIXES = ["", "/api/v1"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_the_health_check_answers_ok(server_url: str, prefix: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get(f"{prefix}/ok")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_info_describes_the_server_and_its_capabilities(server_url: str, prefix: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get(f"{prefix}/info")
    assert response.status_code == 200
    info = response.json()
    assert info["flags"]["assistants"] is True and info["flags"]["crons"] is True
    assert info["metadata"]["version"] == __version__  # our own


async def test_info_reports_the_versions_langgraph_studio_enables_features_by(client) -> None:
    """`version` is the Agent Server release whose API we speak (Studio gates
    features on it, e.g. tracing needs 0.11+), not our own version."""
    info = await client.http.get("/info")
    assert info["version"].split(".")[:2] == langgraph_api.__version__.split(".")[:2]
    assert info["langgraph_py_version"] == langgraph.version.__version__
    assert info["host"]["kind"] == "self-hosted"
    assert info["flags"]["langsmith_tracing_session_on_runs"] is False  # no tracing here


async def test_the_openapi_document_lists_the_langgraph_routes(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/assistants/search",
        "/threads",
        "/threads/{thread_id}/runs",
        "/threads/{thread_id}/runs/stream",
        "/runs/wait",
    ):
        assert path in paths


async def test_the_interactive_docs_page_is_served(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "openapi.json" in response.text


async def test_the_sdk_reaches_the_same_api_under_the_v1_prefix(server_url: str) -> None:
    from langgraph_sdk import get_client

    prefixed = get_client(url=f"{server_url}/api/v1")
    thread = await prefixed.threads.create(metadata={"via": "api-v1"})
    again = await prefixed.threads.get(thread["thread_id"])
    assert again["metadata"] == {"via": "api-v1"}
    result = await prefixed.runs.wait(thread["thread_id"], "echo", input={"value": 7})
    assert result["value"] == 7


async def test_the_docs_page_is_listed_in_the_openapi_document(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        paths = (await http.get("/openapi.json")).json()["paths"]
        docs = await http.get("/api/v1/docs")
    assert "get" in paths["/docs"]
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]


async def _metrics(http: httpx.AsyncClient) -> dict:
    response = await http.get("/metrics", params={"format": "json"})
    assert response.status_code == 200
    return response.json()


async def test_metrics_count_runs_by_status_and_the_queue(server_url: str, client) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        before = await _metrics(http)
        thread = await client.threads.create()
        await client.runs.wait(thread["thread_id"], "echo", input={"value": 1})
        after = await _metrics(http)
        text = await http.get("/metrics")
    assert after["runs"]["success"] == before["runs"]["success"] + 1
    assert after["queue"]["n_pending"] >= 0 and after["queue"]["n_running"] >= 0
    if "workers" in after:  # only a process that executes runs has run slots
        workers = after["workers"]
        assert workers["max"] == workers["active"] + workers["available"]
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert f'lg_api_runs{{status="success"}} {after["runs"]["success"]}' in text.text
    assert "lg_api_num_pending_runs " in text.text


async def test_metrics_in_an_unknown_format_is_rejected(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get("/metrics", params={"format": "xml"})
    assert response.status_code == 422
    assert "format" in str(response.json()["detail"])


async def test_an_idle_keep_alive_connection_outlives_the_clients_own_expiry(
    server_url: str,
) -> None:
    """The client, not the server, ends an idle connection: the SDK's httpx
    pool reuses one idle for up to 5 s, and a server closing it at the same
    moment made that request fail (ReadError)."""
    url = httpx.URL(server_url)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    request = f"GET /ok HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n\r\n".encode()
    try:
        for _ in range(2):
            writer.write(request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            assert head.startswith(b"HTTP/1.1 200")
            length = int(
                next(
                    h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")
                ).split(b":")[1]
            )
            assert await reader.readexactly(length) == b'{"ok":true}'
            await asyncio.sleep(6)  # longer than httpx's keepalive_expiry
    finally:
        writer.close()
