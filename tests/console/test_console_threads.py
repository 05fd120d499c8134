"""The console's threads list and thread view: what the SDK did shows in the
list, the chat, the runs, the state and the event log; filters narrow the
list; a fork from the history tab runs and the server holds its values."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import httpx
from langgraph_sdk import get_client

from console_browser import Console, expect


async def test_a_thread_and_its_run_show_in_the_list_chat_state_runs_and_events(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create(metadata={"topic": "greeting"})
    tid = thread["thread_id"]
    await client.runs.wait(
        tid, "chat", input={"messages": [{"role": "human", "content": "Hi there"}]}
    )
    run = (await client.runs.list(tid))[0]

    page = await console.open("/threads")
    row = page.locator("table.threads tr", has=page.get_by_role("link", name=tid))
    await expect(row).to_contain_text("idle")
    await expect(row).to_contain_text("chat")
    await expect(row).to_contain_text("topic=greeting")
    await console.shot("threads")

    await row.get_by_role("link", name=tid).click()
    await expect(page).to_have_url(f"{console_url}/console/threads/{tid}")
    await expect(page.locator(".thread-status")).to_have_text("idle")
    await expect(page.locator(".msg.human .content")).to_have_text("Hi there")
    await expect(page.locator(".msg.ai .content")).to_have_text("Hello from the fake model")
    await console.shot("thread-chat")

    await page.locator('.tabs a[data-tab="state"]').click()
    await expect(page.locator(".tab-body")).to_contain_text('"Hello from the fake model"')
    await expect(page.locator(".next")).to_contain_text("the graph is done")
    await console.shot("thread-state")

    await page.locator('.tabs a[data-tab="runs"]').click()
    runs = page.locator("table.runs")
    await expect(runs.get_by_role("link", name=run["run_id"])).to_have_attribute(
        "href", f"/console/threads/{tid}/runs/{run['run_id']}"
    )
    await expect(runs).to_contain_text("success")

    await page.locator('.tabs a[data-tab="events"]').click()
    events = page.locator(".timeline.events")
    await expect(events.locator('li[data-type="thread.created"]')).to_have_count(1)
    await expect(events.locator('li[data-type="run.created"]')).to_have_count(1)
    await expect(events.locator('li[data-type="run.succeeded"]')).to_have_count(1)
    # oldest first: the thread was created before its run
    types = await events.locator("li").evaluate_all("els => els.map(e => e.dataset.type)")
    assert types.index("thread.created") < types.index("run.created") < types.index("run.succeeded")
    await console.shot("thread-events")


async def test_the_status_and_metadata_filters_narrow_the_list(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    tag = uuid.uuid4().hex
    idle = await client.threads.create(metadata={"tag": tag})
    await client.runs.wait(idle["thread_id"], "echo", input={"value": 1})
    waiting = await client.threads.create(metadata={"tag": tag})
    await client.runs.wait(waiting["thread_id"], "interrupting", input={"question": "Go?"})
    other = await client.threads.create(metadata={"tag": "someone-else"})

    page = await console.open("/threads")
    await page.locator('input[name="metadata"]').fill(json.dumps({"tag": tag}))
    await page.get_by_role("button", name="Search").click()
    table = page.locator("table.threads")
    await expect(table.get_by_role("link", name=idle["thread_id"])).to_be_visible()
    await expect(table.get_by_role("link", name=waiting["thread_id"])).to_be_visible()
    await expect(table.locator("tbody tr")).to_have_count(2)
    await expect(table.get_by_role("link", name=other["thread_id"])).to_have_count(0)

    await page.locator('select[name="status"]').select_option("interrupted")
    await page.get_by_role("button", name="Search").click()
    await expect(table.locator("tbody tr")).to_have_count(1)
    await expect(table.get_by_role("link", name=waiting["thread_id"])).to_be_visible()
    await expect(table.get_by_role("link", name=idle["thread_id"])).to_have_count(0)

    # the filters are in the URL: the link shows the same list
    assert "status=interrupted" in page.url and quote(tag) in page.url
    await page.reload()
    await expect(page.locator('select[name="status"]')).to_have_value("interrupted")
    await expect(page.locator("table.threads tbody tr")).to_have_count(1)

    # a metadata filter that is not a JSON object is refused on the page
    await page.locator('input[name="metadata"]').fill("[1, 2")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("alert")).to_contain_text("not JSON")


async def test_a_fork_from_the_history_runs_with_the_edited_values(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create()
    tid = thread["thread_id"]
    await client.runs.wait(
        tid, "echo", input={"messages": [{"role": "human", "content": "first"}], "value": "a"}
    )
    history = await client.threads.get_history(tid)
    before_echo = next(s for s in history if s["metadata"]["step"] == 0)
    assert before_echo["next"] == ["echo"]

    page = await console.open(f"/threads/{tid}?tab=history")
    card = page.locator(
        f'.checkpoint[data-checkpoint="{before_echo["checkpoint"]["checkpoint_id"]}"]'
    )
    await expect(card).to_contain_text("next: echo")
    await expect(page.locator(".checkpoint")).to_have_count(len(history))
    await console.shot("thread-history")

    await card.get_by_role("button", name="Fork").first.click()
    values = card.locator('textarea[name="values"]')
    edited = json.loads(await values.input_value())
    assert edited["value"] == "a"
    edited["value"] = "b"
    edited["messages"][0]["content"] = "edited"
    await values.fill("{broken")
    await card.locator("button.fork-submit").click()
    await expect(card.locator(".field-error")).to_contain_text("is not JSON")
    assert len(await client.runs.list(tid)) == 1  # nothing was sent

    await values.fill(json.dumps(edited))
    await card.locator("button.fork-submit").click()
    created = page.locator(".created-run a")
    await expect(created).to_have_count(1)
    run_id = (await created.get_attribute("href")).rsplit("/", 1)[-1]

    await client.runs.join(tid, run_id)
    run = await client.runs.get(tid, run_id)
    assert run["status"] == "success"
    assert run["kwargs"]["checkpoint_id"] != before_echo["checkpoint"]["checkpoint_id"]
    state = await client.threads.get_state(tid)
    assert state["values"]["value"] == "b"
    assert [m["content"] for m in state["values"]["messages"]] == ["edited", "edited"]
    # once the run is over the history shows the new branch's checkpoints
    await expect(page.locator(".created-run .run-state")).to_have_text(" success")
    await expect(page.locator(".checkpoint").first).to_contain_text("step 2")
    await expect(page.locator(".checkpoint")).to_have_count(len(history) + 2)

    # "Run from here" on the original checkpoint runs the old branch again
    original = page.locator(
        f'.checkpoint[data-checkpoint="{before_echo["checkpoint"]["checkpoint_id"]}"]'
    )
    await original.get_by_role("button", name="Run from here").click()
    await expect(created).not_to_have_attribute("href", f"/console/threads/{tid}/runs/{run_id}")
    await expect(page.locator(".created-run .run-state")).to_have_text(" success")
    again = (await created.get_attribute("href")).rsplit("/", 1)[-1]
    assert (await client.runs.get(tid, again))["status"] == "success"
    state = await client.threads.get_state(tid)
    assert state["values"]["value"] == "a"
    assert [m["content"] for m in state["values"]["messages"]] == ["first", "first"]


async def test_the_thread_view_follows_the_thread_by_itself(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create()
    tid = thread["thread_id"]
    await client.runs.wait(tid, "interrupting", input={"question": "Your name?"})

    page = await console.open(f"/threads/{tid}?tab=state")
    await expect(page.locator(".thread-status")).to_have_text("interrupted")
    await expect(page.locator(".next")).to_contain_text("ask")
    await expect(page.locator(".tab-body")).to_contain_text("Your name?")

    await client.runs.wait(tid, "interrupting", command={"resume": "Bob"})
    await expect(page.locator(".thread-status")).to_have_text("idle")
    await expect(page.locator(".tab-body")).to_contain_text('"Hello, Bob!"')
    await expect(page.locator(".next")).to_contain_text("the graph is done")


async def test_the_event_log_loads_more_after_the_last_event_shown(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create()
    tid = thread["thread_id"]
    for _ in range(8):  # some 8 events each: more than the 50 of one page
        await client.runs.wait(tid, "steps", input={})
    async with httpx.AsyncClient(base_url=console_url) as http:
        logged = (await http.get(f"/threads/{tid}/events", params={"limit": 500})).json()
    assert len(logged) > 50

    page = await console.open(f"/threads/{tid}?tab=events")
    entries = page.locator(".timeline.events li")
    await expect(entries).to_have_count(50)
    more = page.get_by_role("button", name="Load more")
    while (shown := await entries.count()) < len(logged):
        await more.click()
        await expect(entries).not_to_have_count(shown)
    await expect(entries).to_have_count(len(logged))
    if len(logged) % 50 == 0:  # a full last page: one more asks and finds nothing
        await more.click()
    await expect(more).to_be_hidden()
    positions = await entries.evaluate_all("els => els.map(e => Number(e.dataset.position))")
    assert positions == [event["position"] for event in logged]


async def test_the_list_is_paged_by_the_server_and_the_page_is_in_the_url(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    tag = uuid.uuid4().hex
    made = [(await client.threads.create(metadata={"batch": tag}))["thread_id"] for _ in range(23)]

    page = await console.open(f"/threads?metadata={quote(json.dumps({'batch': tag}))}")
    rows = page.locator("table.threads tbody tr")
    await expect(rows).to_have_count(20)
    await page.get_by_role("button", name="Next →").click()
    await expect(rows).to_have_count(3)
    assert "offset=20" in page.url
    await page.reload()
    await expect(rows).to_have_count(3)
    # newest first: the last page holds the first three made
    for thread_id in made[:3]:
        await expect(page.get_by_role("link", name=thread_id)).to_be_visible()
    await expect(page.get_by_role("button", name="Next →")).to_be_disabled()
