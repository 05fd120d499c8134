"""The console's browser tests: a `dev` server (one plain, one with the test
app's auth), one headless Chromium, and a fresh tab per test."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, async_playwright

from console_browser import AUTH_GRAPHS, DOCS_SHOTS, Console, chromium, dev_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/console/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.console)


@pytest.fixture(scope="session")
def console_url() -> Iterator[str]:
    with dev_server() as url:
        yield url


@pytest.fixture(scope="session")
def auth_console_url() -> Iterator[str]:
    with dev_server(AUTH_GRAPHS) as url:
        yield url


@pytest.fixture(scope="session")
def shots_dir() -> Iterator[Path]:
    if os.environ.get("DURAGRAPH_SCREENSHOTS"):
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        yield DOCS_SHOTS
        return
    with tempfile.TemporaryDirectory(prefix="dg-shots-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        # --no-sandbox: Chromium's sandbox refuses to run as root (as CI does)
        launched = await playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


async def _console(browser: Browser, url: str, shots: Path) -> AsyncIterator[Console]:
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    console = Console(await context.new_page(), url, shots)
    try:
        yield console
    finally:
        await context.close()
    assert console.errors == [], f"the browser's console showed errors: {console.errors}"


@pytest.fixture
async def console(browser: Browser, console_url: str, shots_dir: Path) -> AsyncIterator[Console]:
    async for tab in _console(browser, console_url, shots_dir):
        yield tab


@pytest.fixture
async def auth_console(
    browser: Browser, auth_console_url: str, shots_dir: Path
) -> AsyncIterator[Console]:
    async for tab in _console(browser, auth_console_url, shots_dir):
        yield tab
