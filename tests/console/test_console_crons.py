"""The console's crons view: the crons the SDK made appear by themselves, and
disabling and deleting one from the console is what the SDK then sees."""

from __future__ import annotations

from langgraph_sdk import get_client

from console_browser import Console, expect


async def test_a_cron_appears_is_disabled_and_deleted_from_the_console(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    thread = await client.threads.create()
    # New Year's midnight: it does not fire during the test.
    first = await client.crons.create_for_thread(
        thread["thread_id"], "echo", schedule="0 0 1 1 *", input={"text": "hi"}
    )
    page = await console.open("/crons")
    row = page.locator(f'tr[data-cron="{first["cron_id"]}"]')
    await expect(row).to_contain_text("0 0 1 1 *")
    await expect(row.locator("td.enabled")).to_have_text("enabled")
    thread_link = row.get_by_role("link", name=thread["thread_id"][-8:])
    await expect(thread_link).to_have_attribute("href", f"/console/threads/{thread['thread_id']}")

    # It updates by itself: a cron made now appears without a reload.
    second = await client.crons.create("echo", schedule="30 4 1 1 *", input={"text": "later"})
    other = page.locator(f'tr[data-cron="{second["cron_id"]}"]')
    await expect(other).to_contain_text("30 4 1 1 *")
    await expect(other).to_contain_text("new each run")
    await console.shot("crons")

    # Disable: the server holds it disabled; Enable turns it back on.
    await row.get_by_role("button", name="Disable").click()
    await expect(row.locator("td.enabled")).to_have_text("disabled")
    [held] = [c for c in await client.crons.search(limit=100) if c["cron_id"] == first["cron_id"]]
    assert held["enabled"] is False
    await row.get_by_role("button", name="Enable").click()
    await expect(row.locator("td.enabled")).to_have_text("enabled")
    [held] = [c for c in await client.crons.search(limit=100) if c["cron_id"] == first["cron_id"]]
    assert held["enabled"] is True

    # Delete asks in the page first; the question survives the refreshes.
    await row.get_by_role("button", name="Delete").click()
    await expect(row).to_contain_text(f"Delete cron {first['cron_id'][-8:]}?")
    third = await client.crons.create("echo", schedule="0 5 1 1 *", input={})
    await expect(page.locator(f'tr[data-cron="{third["cron_id"]}"]')).to_be_visible()
    await expect(row).to_contain_text(f"Delete cron {first['cron_id'][-8:]}?")
    await row.get_by_role("button", name="Yes, delete").click()
    await expect(row).to_have_count(0)
    ids = {c["cron_id"] for c in await client.crons.search(limit=100)}
    assert first["cron_id"] not in ids and second["cron_id"] in ids
    await expect(other).to_be_visible()
