"""Fixtures for the fault-injection suite: processes the tests kill, and a
NATS server and a PostgreSQL server of the test's own, for the scenarios
that stop them (the machine's servers are never stopped)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from duragraph.infrastructure.embedded.nats import EmbeddedNats
from duragraph.infrastructure.embedded.postgres import EmbeddedPostgres
from faults_support import Processes, env_for
from servers import TEST_LEASE_SECONDS, free_port


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def counters() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="dg-counters-") as folder:
        yield Path(folder)


@pytest.fixture
def procs(database_url: str, nats_url: str, nats_prefix: str, counters: Path):
    """`serve` running; workers started by the test."""
    cluster = Processes(
        env_for(database_url, nats_url, nats_prefix, counters, lease=TEST_LEASE_SECONDS)
    )
    cluster.start_api()
    yield cluster
    cluster.close()


@pytest.fixture
def own_nats() -> Iterator[EmbeddedNats]:
    """A nats-server of this test's own, on a fixed port so it can be stopped
    and started again at the same address."""
    with tempfile.TemporaryDirectory(prefix="dg-own-nats-") as folder:
        server = EmbeddedNats(Path(folder), port=free_port(), die_with_parent=True)
        server.start()
        yield server
        server.stop()


@pytest.fixture
def own_postgres() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL server of this test's own, to restart."""
    with tempfile.TemporaryDirectory(prefix="dg-own-pg-") as folder:
        server = EmbeddedPostgres(Path(folder) / "pg")
        server.start()
        yield server
        server.stop()
