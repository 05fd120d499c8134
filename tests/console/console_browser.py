"""Driving the console in a real headless Chromium (Debian's `chromium`,
through Playwright; browsers cannot be downloaded here), and the `dev`
servers it talks to. Kept out of conftest.py so test modules can import it."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from playwright.async_api import Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from servers import GRAPHS, command, free_port, stop, wait_ready

CHROMIUM = os.environ.get("DURAGRAPH_TEST_CHROMIUM", "/usr/bin/chromium")
AUTH_GRAPHS = GRAPHS.parent / "langgraph.auth.json"
# DURAGRAPH_SCREENSHOTS=1 refreshes the docs' pictures; otherwise they go to a
# temporary folder (still taken: a view that cannot be drawn fails the test).
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "console"
# A browser logs a refused request as a console error; the sign-in tests expect them.
REFUSED = "the server responded with a status of 401"


def chromium() -> str:
    """Debian's chromium, installed here when missing and we may (as .ci/run does)."""
    if not Path(CHROMIUM).exists() and shutil.which("apt-get") and os.geteuid() == 0:
        install = ["apt-get", "install", "-y", "-q", "chromium"]
        if subprocess.run(install, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], check=False)
            subprocess.run(install, check=False)
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
        )
    return CHROMIUM


@contextlib.contextmanager
def dev_server(config: Path | None = None, *flags: str) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DURAGRAPH_LEASE_SECONDS": "3", "DURAGRAPH_GRACE_SECONDS": "5"}
    with tempfile.TemporaryDirectory(prefix="dg-console-") as data_dir:
        procs = [
            subprocess.Popen(
                command(
                    "dev",
                    "--port",
                    str(port),
                    "--data-dir",
                    data_dir,
                    *flags,
                    config=config or GRAPHS,
                ),
                env=env,
            )
        ]
        try:
            wait_ready(url, procs)
            yield url
        finally:
            stop(procs)


class Console:
    """One browser tab on the console, collecting every error its console
    shows (and uncaught exceptions): a test fails on any."""

    def __init__(self, page: Page, base_url: str, shots: Path) -> None:
        self.page, self.base_url, self.shots = page, base_url, shots
        self.errors: list[str] = []
        self.allowed: tuple[str, ...] = ()
        page.on("console", lambda m: self._error(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self._error(f"uncaught: {e}"))

    def _error(self, text: str) -> None:
        if not any(allowed in text for allowed in self.allowed):
            self.errors.append(text)

    async def open(self, path: str = "/") -> Page:
        await self.page.goto(f"{self.base_url}/console{path}")
        return self.page

    async def shot(self, name: str) -> None:
        """A picture of the view as it is now, for the docs: once its requests
        settle, or after 2 s for a live view (which polls and streams on)."""
        with contextlib.suppress(PlaywrightTimeout):
            await self.page.wait_for_load_state("networkidle", timeout=2000)
        await self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


__all__ = ["AUTH_GRAPHS", "DOCS_SHOTS", "REFUSED", "Console", "chromium", "dev_server", "expect"]
