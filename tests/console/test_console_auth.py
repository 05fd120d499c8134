"""The console behind the server's auth: nothing but the sign-in form until a
key is accepted, then only what that user may see; signing out hides it all.
(The browser logs each refused request as a console error: expected here.)"""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
from langgraph_sdk import get_client
from playwright.async_api import Browser, Page

from console_browser import REFUSED, Console, dev_server, expect
from servers import GRAPHS

ALICE = {"Authorization": "Bearer token-alice"}
BOB = {"Authorization": "Bearer token-bob"}


async def waiting_thread(url: str, headers: dict[str, str], question: str) -> str:
    """A thread of this user's, interrupted: the overview lists it."""
    client = get_client(url=url, headers=headers)
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], "interrupting", input={"question": question})
    return thread["thread_id"]


async def only_the_sign_in_form(page: Page, *hidden: str) -> None:
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await expect(page.locator("#nav")).to_be_hidden()
    await expect(page.locator("#sign-out")).to_be_hidden()
    await expect(page.locator("#view > *")).to_have_count(1)
    text = await page.locator("body").inner_text()
    for thread_id in hidden:
        assert thread_id[-8:] not in text and thread_id not in await page.content()


async def sign_in(page: Page, key: str, scheme: str = "bearer") -> None:
    await page.locator('select[name="scheme"]').select_option(scheme)
    await page.locator('input[name="credential"]').fill(key)
    await page.get_by_role("button", name="Sign in").click()


async def test_without_a_key_only_the_sign_in_form_shows(
    auth_console: Console, auth_console_url: str
) -> None:
    auth_console.allowed = (REFUSED,)
    alices = await waiting_thread(auth_console_url, ALICE, "Ship it?")
    for path in ("/", "/threads", f"/threads/{alices}", "/crons", "/store"):
        page = await auth_console.open(path)
        await only_the_sign_in_form(page, alices)
    await auth_console.shot("sign-in")
    # A console link (the brand) while signed out changes no more than that.
    await page.locator("a.brand").click()
    await expect(page).to_have_url(f"{auth_console_url}/console/")
    await only_the_sign_in_form(page, alices)
    await expect(page.get_by_role("alert")).to_have_count(0)


async def test_a_wrong_key_is_refused_and_shows_nothing(
    auth_console: Console, auth_console_url: str
) -> None:
    auth_console.allowed = (REFUSED,)
    alices = await waiting_thread(auth_console_url, ALICE, "Ship it?")
    page = await auth_console.open("/")
    await sign_in(page, "token-mallory")
    await expect(page.get_by_role("alert")).to_have_text("Refused: unknown token")
    await only_the_sign_in_form(page, alices)


async def test_a_user_sees_only_their_threads_and_sign_out_hides_them(
    auth_console: Console, auth_console_url: str
) -> None:
    auth_console.allowed = (REFUSED,)
    alices = await waiting_thread(auth_console_url, ALICE, "Alice's question")
    bobs = await waiting_thread(auth_console_url, BOB, "Bob's question")
    page = await auth_console.open(f"/threads/{alices}")
    await only_the_sign_in_form(page, alices, bobs)
    await sign_in(page, "token-alice")
    # Signed in, the view the URL named shows; then the overview.
    await expect(page.locator("#nav")).to_be_visible()
    await expect(page).to_have_url(f"{auth_console_url}/console/threads/{alices}")
    await page.get_by_role("link", name="Overview").click()
    waiting = page.locator("table.waiting")
    await expect(waiting).to_contain_text(alices[-8:])
    await expect(waiting).to_contain_text("Alice's question")
    # (ids made in the same moment share their first characters: tell them by link)
    await expect(waiting.locator(f'a[href="/console/threads/{alices}"]')).to_have_count(1)
    assert bobs not in await page.content()
    assert "Bob's question" not in await page.locator("body").inner_text()

    await page.get_by_role("button", name="Sign out").click()
    await only_the_sign_in_form(page, alices, bobs)
    # Back does not bring the overview back either.
    await page.go_back()
    await only_the_sign_in_form(page, alices, bobs)
    # Bob, signing in in this tab (at the overview), sees his and not hers.
    await page.locator("a.brand").click()
    await sign_in(page, "token-bob")
    await expect(page.locator("table.waiting")).to_contain_text("Bob's question")
    await expect(page.locator(f'a[href="/console/threads/{bobs}"]')).to_have_count(1)
    assert alices not in await page.content()
    assert "Alice's question" not in await page.locator("body").inner_text()


# -- the built-in API-key auth, keys sent as x-api-key --------------------

KEYS_CONFIG = GRAPHS.parent / "langgraph.api_keys.json"
KEYS = {"alice": "ak-alice-console-1", "bob": "ak-bob-console-2"}


@pytest.fixture(scope="module")
def keys_url() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as env:  # the server process inherits it
        env.setenv("DURAGRAPH_API_KEYS", ",".join(f"{k}={who}" for who, k in KEYS.items()))
        env.delenv("DURAGRAPH_API_KEYS_FILE", raising=False)
        with dev_server(KEYS_CONFIG) as url:
            yield url


@pytest.fixture
async def keys_console(browser: Browser, keys_url: str, tmp_path: Path) -> AsyncIterator[Console]:
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    console = Console(await context.new_page(), keys_url, tmp_path)
    console.allowed = (REFUSED,)
    try:
        yield console
    finally:
        await context.close()
    assert console.errors == [], f"the browser's console showed errors: {console.errors}"


async def test_an_api_key_sent_as_x_api_key_signs_in_as_its_user(
    keys_console: Console, keys_url: str
) -> None:
    alice = get_client(url=keys_url, api_key=KEYS["alice"])
    bob = get_client(url=keys_url, api_key=KEYS["bob"])
    hers = await alice.crons.create("echo", schedule="0 0 1 1 *", input={})
    his = await bob.crons.create("echo", schedule="0 0 1 1 *", input={})
    page = await keys_console.open("/crons")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await sign_in(page, KEYS["alice"] + "x", "x-api-key")
    await expect(page.get_by_role("alert")).to_have_text("Refused: invalid API key")
    await sign_in(page, KEYS["alice"], "x-api-key")
    await expect(page.locator(f'tr[data-cron="{hers["cron_id"]}"]')).to_be_visible()
    await expect(page.locator(f'tr[data-cron="{his["cron_id"]}"]')).to_have_count(0)
    await expect(page.locator("h1 .total")).to_have_text("(1)")
