"""`/`, the URL the banner prints: a page naming the server and where to go
next, not a 404; open like /ok, auth or not."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


async def test_the_root_names_the_server_and_links_that_answer(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        home = await http.get("/")
        linked = [await http.get(href) for href in home.json()["links"].values()]
        info = (await http.get("/info")).json()
    assert home.status_code == 200
    assert home.json()["name"] == "DuraGraph"
    assert home.json()["version"] == info["metadata"]["version"]
    assert "echo" in home.json()["graphs"]
    assert set(home.json()["links"]) >= {"docs", "openapi", "info", "ok"}
    assert [r.status_code for r in linked] == [200] * len(linked)


async def test_a_browser_gets_an_html_page_with_the_links(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        page = await http.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'href="/docs"' in page.text and "DuraGraph" in page.text


async def test_the_root_needs_no_credentials_when_auth_is_on(auth_server_url: str) -> None:
    async with httpx.AsyncClient(base_url=auth_server_url) as http:
        home = await http.get("/")
        threads = await http.post("/threads/search", json={})
    assert home.status_code == 200 and home.json()["name"] == "DuraGraph"
    assert threads.status_code in (401, 403)  # the data routes still are protected


async def test_the_console_is_on_in_dev_and_off_in_serve(
    server_url: str, request: pytest.FixtureRequest
) -> None:
    dev = request.node.callspec.params["server_url"] == "dev"
    async with httpx.AsyncClient(base_url=server_url) as http:
        home = await http.get("/")
        page = await http.get("/console/")
        info = await http.get("/info")
    assert ("console" in home.json()["links"]) is dev
    assert page.status_code == (200 if dev else 404)
    assert info.json()["flags"]["console"] is dev
