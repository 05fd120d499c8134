"""The console's store view: the namespaces and items the SDK put, semantic
search and a filter, and putting and deleting items that the SDK then sees."""

from __future__ import annotations

import json
import uuid

from langgraph_sdk import get_client

from console_browser import Console, expect


async def test_items_appear_under_their_namespace_and_search_narrows(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    top = f"shop-{uuid.uuid4().hex[:6]}"
    await client.store.put_item([top, "fruit"], "apple", {"text": "red apples", "kind": "fruit"})
    await client.store.put_item([top, "fruit"], "pear", {"text": "green pears", "kind": "fruit"})
    await client.store.put_item(
        [top, "tools"], "hammer", {"text": "a steel hammer", "kind": "tool"}
    )

    page = await console.open(f"/store?ns={top}")
    await expect(page.locator(".breadcrumb")).to_contain_text(top)
    namespaces = page.locator("ul.namespaces")
    await expect(namespaces).to_contain_text("fruit")
    await expect(namespaces).to_contain_text("tools")
    rows = page.locator("table.items tbody tr")
    await expect(rows).to_have_count(3)
    await console.shot("store")

    # Choosing a namespace narrows to it, with its breadcrumb and URL.
    await namespaces.get_by_role("link", name="tools").click()
    await expect(page).to_have_url(f"{console_url}/console/store?ns={top}%2Ftools")
    await expect(page.locator(".breadcrumb")).to_contain_text(f"All namespaces/{top}/tools")
    await expect(rows).to_have_count(1)
    hammer = page.locator('table.items tr[data-key="hammer"]')
    await expect(hammer).to_contain_text(f"{top}/tools")
    await expect(hammer.locator(".tree")).to_contain_text('"a steel hammer"')
    # ... and the breadcrumb leads back up.
    await page.locator(".breadcrumb").get_by_role("link", name=top).click()
    await expect(rows).to_have_count(3)

    # A filter keeps only what matches it.
    await page.locator('input[name="filter"]').fill(json.dumps({"kind": "fruit"}))
    await page.get_by_role("button", name="Search").click()
    await expect(rows).to_have_count(2)
    await expect(page.locator('table.items tr[data-key="hammer"]')).to_have_count(0)
    assert "filter=" in page.url

    # A semantic query (the test server has an index) ranks and scores.
    await page.locator('input[name="filter"]').fill("")
    await page.locator('input[name="q"]').fill("green pears")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("table.items th", has_text="Score")).to_be_visible()
    await expect(rows.first).to_have_attribute("data-key", "pear")
    await expect(rows.first.locator("td.score")).not_to_have_text("0.000")
    await expect(page.locator('table.items tr[data-key="hammer"] td.score')).to_have_text("0.000")


async def test_an_item_put_in_the_console_is_read_by_the_sdk_and_deleted_for_it(
    console: Console, console_url: str
) -> None:
    client = get_client(url=console_url)
    top = f"notes-{uuid.uuid4().hex[:6]}"
    page = await console.open(f"/store?ns={top}")
    await expect(page.locator("table.items")).to_have_count(0)
    await expect(page.get_by_text("No item under this namespace.")).to_be_visible()

    await expect(page.locator('input[name="namespace"]')).to_have_value(top)
    await page.locator('input[name="namespace"]').fill(f"{top}/alice")
    await page.locator('input[name="key"]').fill("greeting")
    await page.locator('textarea[name="value"]').fill('{"text": "hello", "n": 2}')
    await page.get_by_role("button", name="Put item").click()
    await expect(page.locator(".put-item .note")).to_have_text(f"Saved {top}/alice · greeting")
    item = await client.store.get_item([top, "alice"], "greeting")
    assert item is not None and item["value"] == {"text": "hello", "n": 2}
    row = page.locator('table.items tr[data-key="greeting"]')
    await expect(row).to_contain_text(f"{top}/alice")
    await expect(page.locator("ul.namespaces")).to_contain_text("alice")

    # A value that is not a JSON object is refused in the page, nothing sent.
    await page.locator('input[name="key"]').fill("broken")
    await page.locator('textarea[name="value"]').fill("[1, 2")
    await page.get_by_role("button", name="Put item").click()
    await expect(page.locator(".put-item .note")).to_contain_text("not JSON")
    assert await client.store.get_item([top, "alice"], "broken") is None

    # Delete asks first, in the page; Cancel keeps the item.
    await row.get_by_role("button", name="Delete").click()
    await expect(row).to_contain_text("Delete greeting?")
    await row.get_by_role("button", name="Cancel").click()
    assert await client.store.get_item([top, "alice"], "greeting") is not None
    await row.get_by_role("button", name="Delete").click()
    await row.get_by_role("button", name="Yes, delete").click()
    await expect(page.locator('table.items tr[data-key="greeting"]')).to_have_count(0)
    assert await client.store.get_item([top, "alice"], "greeting") is None
    found = await client.store.search_items([top])
    assert found["items"] == []
