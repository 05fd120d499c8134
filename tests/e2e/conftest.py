"""The server under test, as real processes, driven by the official SDK.

Mode `dev`: one `duragraph dev` process with embedded PostgreSQL and NATS.
Mode `split`: `duragraph serve` and `duragraph worker` as separate processes
against the external PostgreSQL and NATS named by DURAGRAPH_TEST_DATABASE_URL
and DURAGRAPH_TEST_NATS_URL (only when those are set).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from langgraph_sdk import get_client

from e2e_servers import AUTH_GRAPHS, MODES, as_user, server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is `e2e`, so that `-m "not e2e"` leaves out all of them."""
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def counter_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="dg-counters-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session", params=MODES)
def server_url(request, counter_dir: Path) -> Iterator[str]:
    with server(request, counter_dir) as url:
        yield url


@pytest.fixture(scope="session", params=MODES)
def auth_server_url(request, counter_dir: Path) -> Iterator[str]:
    """A server whose langgraph.json has `auth` (tests/graphs/auth.py): users
    alice and bob by bearer token, each owning what they create."""
    with server(request, counter_dir, AUTH_GRAPHS) as url:
        yield url


@pytest.fixture
def alice(auth_server_url: str):
    return as_user(auth_server_url, "alice")


@pytest.fixture
def bob(auth_server_url: str):
    return as_user(auth_server_url, "bob")


@pytest.fixture
def client(server_url: str):
    return get_client(url=server_url)
