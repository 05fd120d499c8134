"""The URLs the server hands out are built from its configuration or the
address it is bound to (the A2A agent card's `url`) or are relative
(redirects), never from the request's Host header, which any client chooses."""

from __future__ import annotations

import os
import subprocess
import tempfile
from typing import Iterator

import httpx
import pytest

from servers import command, free_port, stop, wait_ready

pytestmark = pytest.mark.e2e

EVIL = "evil.example"
PUBLIC = "https://agents.example.com/base"
ECHO_CARD = "/.well-known/agent-card.json?assistant_id=echo"


@pytest.fixture(scope="module")
def configured_url() -> Iterator[str]:
    """`dev` with a public URL set, serving `evil.example` too (as `*` would)."""
    env = {**os.environ, "DURAGRAPH_PUBLIC_URL": PUBLIC, "DURAGRAPH_ALLOWED_HOSTS": EVIL}
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="dg-public-url-") as data_dir:
        proc = subprocess.Popen(
            command("dev", "--port", str(port), "--data-dir", data_dir), env=env
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}", [proc])
            yield f"http://127.0.0.1:{port}"
        finally:
            stop([proc])


def _card(server_url: str, host: str, path: str = ECHO_CARD) -> httpx.Response:
    return httpx.get(f"{server_url}{path}", headers={"Host": host})


def test_a_card_read_with_a_foreign_host_names_the_configured_url(configured_url: str) -> None:
    answer = _card(configured_url, EVIL)
    assert answer.status_code == 200
    assert EVIL not in answer.text
    assert answer.json()["url"].startswith(f"{PUBLIC}/a2a/")


def test_the_api_v1_card_keeps_its_prefix_under_the_configured_url(configured_url: str) -> None:
    card = _card(configured_url, EVIL, f"/api/v1{ECHO_CARD}").json()
    assert card["url"].startswith(f"{PUBLIC}/api/v1/a2a/")


def test_without_configuration_the_card_names_the_bound_address_not_the_host_header(
    server_url: str,
) -> None:
    # *.localhost passes the DNS-rebinding guard of every server
    answer = _card(server_url, "evil.localhost:6666")
    assert answer.status_code == 200
    assert "evil.localhost" not in answer.text and "6666" not in answer.text
    assert answer.json()["url"].startswith(f"{server_url}/a2a/")


def test_a_slash_redirect_names_the_path_not_the_host_header(server_url: str) -> None:
    answer = httpx.post(
        f"{server_url}/api/v1/assistants/search/?limit=1",
        json={},
        headers={"Host": "evil.localhost:6666"},
    )
    assert answer.status_code == 307
    assert answer.headers["location"] == "/api/v1/assistants/search?limit=1"


def test_the_sdk_still_follows_a_relative_redirect(server_url: str) -> None:
    answer = httpx.post(
        f"{server_url}/assistants/search/", json={"limit": 1}, follow_redirects=True
    )
    assert answer.status_code == 200 and len(answer.json()) == 1
