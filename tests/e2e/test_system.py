"""Health, server info and the API description, at the root and under /api/v1."""
from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e

PREFIXES = ["", "/api/v1"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_the_health_check_answers_ok(server_url: str, prefix: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get(f"{prefix}/ok")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_info_describes_the_server_and_its_capabilities(server_url: str,
                                                              prefix: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get(f"{prefix}/info")
    assert response.status_code == 200
    info = response.json()
    assert "version" in info
    assert info["flags"]["assistants"] is True


async def test_the_openapi_document_lists_the_langgraph_routes(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        response = await http.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/assistants/search", "/threads", "/threads/{thread_id}/runs",
                 "/threads/{thread_id}/runs/stream", "/runs/wait"):
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
