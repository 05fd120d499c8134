"""The console's assistants: the list, one assistant's graph drawn, its
schemas, its versions (one made current from the page), and the playground
running it (a chat, and a form from the input schema)."""

from __future__ import annotations

import uuid

from langgraph_sdk import get_client

from console_browser import Console, expect

REPLY = "Hello from the fake model"  # tests/graphs/chat.py


async def _default(console_url: str, graph_id: str) -> dict:
    client = get_client(url=console_url)
    found = await client.assistants.search(graph_id=graph_id, metadata={"created_by": "system"})
    return found[0]


async def test_the_list_shows_assistants_and_links_to_each(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    name = f"listed-{uuid.uuid4().hex[:6]}"
    made = await client.assistants.create("echo", name=name)
    page = await console.open("/assistants")
    rows = page.locator("table.assistants tbody tr")
    row = rows.filter(has_text=name)
    await expect(row).to_contain_text("echo")
    await expect(row.locator("td").nth(2)).to_have_text("1")
    await console.shot("assistants")
    await row.get_by_role("link", name=name).click()
    await expect(page).to_have_url(f"{console_url}/console/assistants/{made['assistant_id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)


async def test_the_list_pages_through_the_server(console: Console, console_url: str) -> None:
    client = get_client(url=console_url)
    existing = await client.assistants.search(limit=100)
    for i in range(max(0, 21 - len(existing))):
        await client.assistants.create("echo", name=f"filler-{i}-{uuid.uuid4().hex[:6]}")
    total = len(await client.assistants.search(limit=100))
    page = await console.open("/assistants")
    rows = page.locator("table.assistants tbody tr")
    await expect(rows).to_have_count(20)
    await page.get_by_role("button", name="Next →").click()
    await expect(page).to_have_url(f"{console_url}/console/assistants?offset=20")
    await expect(rows).to_have_count(min(20, total - 20))


async def test_the_graph_tab_draws_the_nodes_and_the_schemas_tab_the_input(
    console: Console, console_url: str
) -> None:
    steps = await _default(console_url, "steps")
    page = await console.open(f"/assistants/{steps['assistant_id']}")
    texts = page.locator(".graph svg text")
    await expect(texts).to_have_text(["__start__", "one", "two", "three", "__end__"])
    await expect(page.locator(".graph svg path.edge")).to_have_count(4)
    await console.shot("assistant-graph")

    await page.get_by_role("link", name="Schemas").click()
    await expect(page).to_have_url(
        f"{console_url}/console/assistants/{steps['assistant_id']}?tab=schemas"
    )
    schema = page.locator('[data-schema="input_schema"]')
    await expect(schema).to_contain_text("steps:")
    await expect(schema).to_contain_text("delay:")
    await expect(page.locator('[data-schema="context_schema"]')).to_contain_text("None.")
    await console.shot("assistant-schemas")


async def test_the_versions_tab_lists_versions_and_makes_one_current(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    made = await client.assistants.create("steps", name=f"versioned-{uuid.uuid4().hex[:6]}")
    aid = made["assistant_id"]
    page = await console.open(f"/assistants/{aid}?tab=versions")
    rows = page.locator("table.versions tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first.locator("td").first).to_have_text("1")

    await client.assistants.update(aid, metadata={"tuned": "yes"})
    await page.reload()
    await expect(rows).to_have_count(2)
    two = rows.filter(has=page.locator("td:first-child", has_text="2"))
    one = rows.filter(has=page.locator("td:first-child", has_text="1"))
    await expect(two).to_contain_text("current")
    await expect(page.locator(".current-version")).to_have_text("2")
    await one.get_by_role("button", name="Make current").click()
    await expect(one).to_contain_text("current")
    await expect(page.locator(".current-version")).to_have_text("1")
    assert (await client.assistants.get(aid))["version"] == 1


async def test_a_chat_in_the_playground_streams_the_reply_and_continues_its_thread(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    chat = await _default(console_url, "chat")
    page = await console.open(f"/assistants/{chat['assistant_id']}?tab=playground")
    await page.get_by_placeholder("Write a message…").fill("Hi there")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".chat .msg.human")).to_have_text(["human" + "Hi there"])
    await expect(page.locator(".chat .msg.ai")).to_contain_text(REPLY)
    await expect(page.locator('.graph .node.done[data-node="respond"]')).to_be_visible()
    run_link = page.locator(".links a", has_text="Run ")
    await expect(run_link).to_be_visible()
    await console.shot("playground")
    first = await run_link.get_attribute("href")
    thread_id, run_id = first.split("/")[-3::2]
    run = await client.runs.get(thread_id, run_id)
    assert run["status"] == "success"
    state = await client.threads.get_state(thread_id)
    assert [(m["type"], m["content"]) for m in state["values"]["messages"]] == [
        ("human", "Hi there"),
        ("ai", REPLY),
    ]

    # a second message goes on the same thread
    await page.get_by_placeholder("Write a message…").fill("Again")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".chat .msg.ai")).to_have_count(2)
    await expect(page.locator(".chat .msg.ai").last).to_contain_text(REPLY)
    await expect(run_link).not_to_have_attribute("href", first)
    await expect(page.locator(".result")).to_contain_text("Final values")
    second = await run_link.get_attribute("href")
    assert second.startswith(f"/console/threads/{thread_id}/runs/")
    await client.runs.join(thread_id, second.split("/")[-1])
    state = await client.threads.get_state(thread_id)
    assert len(state["values"]["messages"]) == 4


async def test_a_form_in_the_playground_runs_a_graph_with_the_values_typed(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    steps = await _default(console_url, "steps")
    page = await console.open(f"/assistants/{steps['assistant_id']}?tab=playground")
    await page.locator('input[name="delay"]').fill("0.05")
    await page.get_by_role("button", name="Run").click()
    result = page.locator(".result")
    await expect(result).to_contain_text("Final values")
    await expect(result).to_contain_text('"three"')
    await expect(page.locator(".graph .node.done")).to_have_count(3)
    href = await page.locator(".links a", has_text="Run ").get_attribute("href")
    thread_id, run_id = href.split("/")[-3::2]
    assert (await client.runs.get(thread_id, run_id))["status"] == "success"
    state = await client.threads.get_state(thread_id)
    assert state["values"] == {"steps": ["one", "two", "three"], "delay": 0.05}
