"""Fixtures for integration tests: NATS connections and `serve` + `worker` processes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from duragraph.infrastructure.nats.connection import connect, ensure_streams
from duragraph.infrastructure.nats.subjects import events_stream, runs_stream
from servers import TEST_LEASE_SECONDS as LEASE_SECONDS
from servers import Cluster


@pytest.fixture
async def nc(nats_url: str, nats_prefix: str):
    """A NATS connection with this test's streams, deleted afterwards."""
    nc = await connect(nats_url, name="test")
    await ensure_streams(nc.jetstream(), nats_prefix)
    yield nc
    for name in (events_stream(nats_prefix), runs_stream(nats_prefix)):
        await nc.jetstream().delete_stream(name)
    await nc.close()


@pytest.fixture
def counters() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="dg-counters-") as folder:
        yield Path(folder)


@pytest.fixture
def cluster_env(
    database_url: str, nats_url: str, nats_prefix: str, counters: Path, tmp_path: Path
) -> dict[str, str]:
    return {
        **os.environ,
        "DURAGRAPH_DATABASE_URL": database_url,
        "DURAGRAPH_NATS_URL": nats_url,
        "DURAGRAPH_NATS_PREFIX": nats_prefix,
        "DURAGRAPH_LEASE_SECONDS": str(LEASE_SECONDS),
        "DURAGRAPH_SWEEP_INTERVAL": "0.5",
        "DURAGRAPH_GRACE_SECONDS": "2",
        "DURAGRAPH_TEST_COUNTER_DIR": str(counters),
        "DURAGRAPH_DATA_DIR": str(tmp_path / "data"),
    }


@pytest.fixture
def cluster(cluster_env: dict[str, str]):
    c = Cluster(cluster_env)
    c.start_api()
    yield c
    c.close()


@pytest.fixture
def dev_node(cluster_env: dict[str, str]):
    """`duragraph dev` on this test's database and NATS: one process that
    claims the runs it creates."""
    c = Cluster(cluster_env)
    c.start_api("dev")
    yield c
    c.close()
