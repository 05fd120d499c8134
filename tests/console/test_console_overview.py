"""The console's overview and its page: served by `dev` with nothing to build,
showing what the SDK did, and updating by itself."""

from __future__ import annotations

import httpx
from langgraph_sdk import get_client

from console_browser import Console, dev_server, expect


async def test_dev_serves_the_console_and_every_view_url_is_the_page(console_url: str) -> None:
    async with httpx.AsyncClient(base_url=console_url) as http:
        root = await http.get("/console")
        view = await http.get("/console/threads/5f0c7a4e-0000-4000-8000-000000000000")
        script = await http.get("/console/js/main.js")
        missing = await http.get("/console/js/nothing.js")
        home = await http.get("/")
    assert root.status_code == 307 and root.headers["location"].endswith("/console/")
    assert view.status_code == 200 and view.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in view.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in view.headers["content-security-policy"]
    assert script.headers["content-type"].startswith("text/javascript")
    assert missing.status_code == 404 and "nothing.js" in missing.json()["detail"]
    assert home.json()["links"]["console"] == "/console/"


async def test_no_console_leaves_it_out() -> None:
    with dev_server(None, "--no-console") as url:
        async with httpx.AsyncClient(base_url=url) as http:
            page = await http.get("/console/")
            home = await http.get("/")
    assert page.status_code == 404
    assert "console" not in home.json()["links"]


async def test_the_overview_shows_runs_and_the_threads_waiting_on_a_human(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], "interrupting", input={"question": "Ship it?"})
    page = await console.open("/")
    waiting = page.locator("table.waiting")
    await expect(waiting).to_contain_text(thread["thread_id"][-8:])
    await expect(waiting).to_contain_text("Ship it?")
    # the run itself succeeded: it ended by asking, and its thread waits
    await expect(page.locator('[data-status="success"] strong')).not_to_have_text("0")
    await expect(page.locator('[data-fact="alive"]')).to_have_text("1")
    await console.shot("overview")
    # It updates by itself: a second interrupted thread appears without a reload.
    other = await client.threads.create()
    await client.runs.wait(other["thread_id"], "interrupting", input={"question": "Deploy?"})
    await expect(page.locator("table.waiting")).to_contain_text(other["thread_id"][-8:])


async def test_the_overview_links_the_runs_going_on_now(console: Console, console_url: str) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "slow", input={"sleep": 30})
    page = await console.open("/")
    going = page.locator("table.going")
    await expect(going).to_contain_text(run["run_id"][-8:])
    await client.runs.cancel(thread["thread_id"], run["run_id"], wait=True)
    await expect(page.get_by_text("No run is going on.")).to_be_visible()
