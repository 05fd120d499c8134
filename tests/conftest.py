"""Real infrastructure for the tests.

PostgreSQL: DURAGRAPH_TEST_DATABASE_URL (an external server) or an embedded
pgserver under a temporary folder. Each test gets its own database cloned from
a migrated template. NATS: DURAGRAPH_TEST_NATS_URL or an embedded nats-server
with JetStream; each test gets its own subject prefix.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from pathlib import Path
from typing import AsyncIterator, Iterator

import psycopg
import pytest

from duragraph.infrastructure.embedded.nats import EmbeddedNats
from duragraph.infrastructure.embedded.postgres import EmbeddedPostgres
from duragraph.infrastructure.postgres.database import migrate, open_pool
from nats_cluster import NatsCluster


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    external = os.environ.get("DURAGRAPH_TEST_DATABASE_URL")
    if external:
        yield external
        return
    with tempfile.TemporaryDirectory(prefix="dg-pg-") as folder:
        server = EmbeddedPostgres(Path(folder))
        yield server.start()
        server.stop()


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    external = os.environ.get("DURAGRAPH_TEST_NATS_URL")
    if external:
        yield external
        return
    with tempfile.TemporaryDirectory(prefix="dg-nats-") as folder:
        server = EmbeddedNats(Path(folder))
        yield server.start()
        server.stop()


def _with_db(url: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**info)


@pytest.fixture(scope="session")
def template_db(pg_server_url: str) -> Iterator[str]:
    name = f"dg_template_{os.getpid()}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    asyncio.run(migrate(_with_db(pg_server_url, name)))
    yield name
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def database_url(pg_server_url: str, template_db: str) -> Iterator[str]:
    name = f"dg_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    yield _with_db(pg_server_url, name)
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator:
    pool = await open_pool(database_url, min_size=1, max_size=10)
    yield pool
    await pool.close()


@pytest.fixture
def nats_prefix() -> str:
    return f"dgtest{uuid.uuid4().hex[:10]}"


@pytest.fixture
def nats_cluster() -> Iterator[NatsCluster]:
    """A 3-node NATS JetStream cluster of the test's own (tests/nats_cluster.py)."""
    with tempfile.TemporaryDirectory(prefix="dg-nats-cluster-") as folder:
        cluster = NatsCluster(Path(folder))
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.stop()
