"""The console's interrupts view: a thread waiting on a human shows what it
asks and is resumed from the page; the run completes and the thread leaves."""

from __future__ import annotations

import uuid

from langgraph_sdk import get_client

from console_browser import Console, expect


async def test_an_interrupt_is_shown_and_resumed_with_a_json_value(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    question = f"What is your name, {uuid.uuid4().hex[:6]}?"
    thread = await client.threads.create()
    tid = thread["thread_id"]
    await client.runs.wait(tid, "interrupting", input={"question": question})

    page = await console.open("/interrupts")
    card = page.locator(f'.interrupt[data-thread="{tid}"]')
    await expect(card.locator(".waits-for")).to_contain_text(question)
    await expect(card).to_contain_text("interrupted")
    await console.shot("interrupts")

    field = card.locator('textarea[name="resume"]')
    await field.fill("Alice")  # not JSON: a bare word
    await card.get_by_role("button", name="Resume").click()
    await expect(card.locator(".field-error")).to_contain_text("is not JSON")
    assert len(await client.runs.list(tid)) == 1  # nothing was sent

    await field.fill('"Alice"')
    await card.get_by_role("button", name="Resume").click()
    created = page.locator(".created-run", has=page.get_by_role("link", name=tid))
    await expect(created).to_contain_text("with run")
    run_id = (await created.locator("a").nth(1).get_attribute("href")).rsplit("/", 1)[-1]
    # it leaves the list by itself once the thread no longer waits
    await expect(card).to_have_count(0)

    await client.runs.join(tid, run_id)
    assert (await client.runs.get(tid, run_id))["status"] == "success"
    after = await client.threads.get(tid)
    assert after["status"] == "idle"
    assert after["values"]["greeting"] == "Hello, Alice!"


async def test_approve_resumes_with_true(console: Console, console_url: str) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create()
    tid = thread["thread_id"]
    await client.runs.wait(tid, "interrupting", input={"question": "Approve the deploy?"})

    page = await console.open("/interrupts")
    card = page.locator(f'.interrupt[data-thread="{tid}"]')
    await card.get_by_role("button", name="Approve").click()
    created = page.locator(".created-run", has=page.get_by_role("link", name=tid))
    await expect(created).to_contain_text("with run")
    run_id = (await created.locator("a").nth(1).get_attribute("href")).rsplit("/", 1)[-1]
    await expect(card).to_have_count(0)
    await client.runs.join(tid, run_id)
    state = await client.threads.get(tid)
    assert state["status"] == "idle"
    assert state["values"]["greeting"] == "Hello, True!"
