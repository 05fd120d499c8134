"""The console's run view: a running run followed live (its node lit, its
stream frames arriving) and cancelled from the page; a finished run's input,
output and events; a failed run's error."""

from __future__ import annotations

from langgraph_sdk import get_client

from console_browser import Console, expect


async def test_a_running_run_is_followed_live_and_cancelled_from_the_console(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "slow", input={"sleep": 120, "value": "v"})
    page = await console.open(f"/threads/{thread['thread_id']}/runs/{run['run_id']}")
    await expect(page.locator(".run-status")).to_have_text("running")
    await expect(page.locator('.graph .node.active[data-node="nap"]')).to_be_visible()
    # the run's stream: its metadata frame, then its first values
    frames = page.locator(".stream .frame")
    await expect(frames.first).to_contain_text("metadata")
    await expect(frames.filter(has_text="values")).to_contain_text('"sleep":120')
    await console.shot("run-live")

    await page.get_by_role("button", name="Cancel").click()
    await client.runs.join(thread["thread_id"], run["run_id"])
    after = await client.runs.get(thread["thread_id"], run["run_id"])
    assert after["status"] == "interrupted"  # how the server answers a cancelled run
    # the page sees it by itself: no reload
    await expect(page.locator(".run-status")).to_have_text("interrupted")
    await expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    await expect(page.locator(".graph .node.active")).to_have_count(0)
    await expect(page.locator(".events")).to_contain_text("run.started")


async def test_a_finished_run_shows_its_input_output_and_events(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], "steps", input={"delay": 0})
    [run] = await client.runs.list(thread["thread_id"])
    assert run["status"] == "success"
    page = await console.open(f"/threads/{thread['thread_id']}/runs/{run['run_id']}")
    await expect(page.locator(".run-status")).to_have_text("success")
    await expect(page.get_by_role("heading", name="Input").locator("..")).to_contain_text("delay")
    output = page.get_by_role("heading", name="Output").locator("..")
    await expect(output).to_contain_text('"three"')
    events = page.locator(".events .event")
    await expect(events.first).to_contain_text("run.created")
    await expect(events.last).to_contain_text("run.succeeded")
    # the nodes that ran are marked done in the graph
    await expect(page.locator('.graph .node.done[data-node="three"]')).to_be_visible()
    await expect(
        page.get_by_role("link", name=f"Thread {thread['thread_id'][-8:]}").first
    ).to_be_visible()
    await console.shot("run-finished")

    # a later run on the thread: this run's output is no longer the thread's
    await client.runs.wait(thread["thread_id"], "steps", input={"delay": 0})
    await page.reload()
    await expect(page.get_by_role("heading", name="Output").locator("..")).to_contain_text(
        "A later run"
    )


async def test_a_failed_run_shows_its_error(console: Console, console_url: str) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "failing", input={})
    await client.runs.join(thread["thread_id"], run["run_id"])
    run = await client.runs.get(thread["thread_id"], run["run_id"])
    assert run["status"] == "error"
    page = await console.open(f"/threads/{thread['thread_id']}/runs/{run['run_id']}")
    await expect(page.locator(".run-status")).to_have_text("error")
    await expect(page.locator(".run-error")).to_have_text("ValueError: boom")
    await expect(page.locator(".events .event").last).to_contain_text("run.failed")
