"""The embedded servers of `duragraph dev` are ours alone: NATS asks every
client for the credentials kept in its folder, PostgreSQL admits its owner
role only, by the password kept in its PGDATA; a folder from before these
credentials gets them at its next start and keeps its data."""

from __future__ import annotations

import json
import os
import select
import signal
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import httpx
import nats
import psycopg
import pytest
from nats.errors import Error as NatsError

from duragraph.infrastructure.embedded.nats import EmbeddedNats
from duragraph.infrastructure.embedded.postgres import EmbeddedPostgres, Postmaster
from duragraph.infrastructure.embedded.processes import stop_stale
from servers import command, free_port, stop, wait_ready

OLD_TRUST_RULES = "local all all trust\nhost all all 127.0.0.1/32 trust\n"  # initdb --auth=trust


@pytest.fixture
def folder() -> Iterator[Path]:
    # Not tmp_path: under root the server's user must reach it (see test_embedded.py)
    with tempfile.TemporaryDirectory(prefix="dg-access-") as scratch:
        yield Path(scratch) / "data"
        stop_stale("postgres", "-D", str(Path(scratch) / "data"), sig=signal.SIGINT)
        stop_stale("nats-server", "-sd", str(Path(scratch) / "data"))


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


async def _nats_works(url: str) -> bool:
    try:
        nc = await nats.connect(
            url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2
        )
    except NatsError:
        return False
    await nc.close()
    return True


def _without_credentials(url: str) -> str:
    address = urlsplit(url)
    return f"nats://{address.hostname}:{address.port}"


def _with_password(url: str, password: str) -> str:
    return url.replace(f":{urlsplit(url).password}@", f":{password}@")


async def test_the_embedded_nats_refuses_a_client_without_the_credentials_of_its_folder(
    folder: Path,
) -> None:
    server = EmbeddedNats(folder)
    url = server.start()
    try:
        password = (folder / "client.password").read_text().strip()
        assert _private(folder / "client.password") and _private(server.config_path)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert not await _nats_works(_without_credentials(url))
        assert not await _nats_works(_with_password(url, "guessed"))
        assert await _nats_works(f"nats://duragraph:{password}@127.0.0.1:{urlsplit(url).port}")
    finally:
        server.stop()


async def test_the_nats_credentials_are_kept_across_restarts(folder: Path) -> None:
    server = EmbeddedNats(folder)
    first = urlsplit(server.start()).password
    server.stop()
    try:
        assert urlsplit(server.start()).password == first
    finally:
        server.stop()


async def test_a_nats_folder_from_before_credentials_gets_them_and_keeps_its_streams(
    folder: Path,
) -> None:
    server = EmbeddedNats(folder)
    nc = await nats.connect(server.start())
    await nc.jetstream().add_stream(name="KEPT", subjects=["kept.>"])
    await nc.jetstream().publish("kept.a", b"before")
    await nc.close()
    server.stop()
    (folder / "client.password").unlink()  # as a folder written before this change
    server.config_path.unlink()
    url = server.start()
    try:
        assert _private(folder / "client.password")
        assert not await _nats_works(_without_credentials(url))
        nc = await nats.connect(url)
        assert (await nc.jetstream().get_msg("KEPT", 1)).data == b"before"
        await nc.close()
    finally:
        server.stop()


def _refused(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return True
    return False


def test_the_embedded_postgres_admits_only_its_owner_with_the_kept_password(folder: Path) -> None:
    server = EmbeddedPostgres(folder)
    url = server.start()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE ROLE intruder LOGIN PASSWORD 'intruder'")
        no_password = Postmaster.read(folder).url()
        assert _private(folder / "duragraph.password")
        socket_dir = Path(psycopg.conninfo.conninfo_to_dict(url)["host"])
        assert stat.S_IMODE(socket_dir.stat().st_mode) == 0o700
        assert _refused(no_password)
        assert _refused(_with_password(url, "guessed"))
        assert _refused(no_password.replace("postgres@", "intruder@"))
        assert _refused(no_password.replace("postgres@", "intruder:intruder@"))
        assert "trust" not in (folder / "pg_hba.conf").read_text()
    finally:
        server.stop()


def test_a_postgres_folder_from_before_passwords_gets_one_and_keeps_its_data(folder: Path) -> None:
    server = EmbeddedPostgres(folder)
    with psycopg.connect(server.start(), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept AS SELECT 42 AS answer")
    server.stop()
    (folder / "duragraph.password").unlink()  # as a folder written before this change
    (folder / "pg_hba.conf").write_text(OLD_TRUST_RULES)
    url = server.start()
    try:
        assert _refused(Postmaster.read(folder).url())
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT answer FROM kept").fetchall() == [(42,)]
    finally:
        server.stop()


def _dev_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("DURAGRAPH_NATS_URL", "DURAGRAPH_DATABASE_URL")
    }


def _first_event(tail: subprocess.Popen[str]) -> dict:
    ready = select.select([tail.stdout], [], [], 20)[0]
    assert ready, "events tail printed nothing"
    return json.loads(tail.stdout.readline())


def test_events_tail_beside_a_running_dev_reads_its_nats_with_the_kept_credentials(
    folder: Path,
) -> None:
    port, env = free_port(), _dev_env()
    dev = subprocess.Popen(command("dev", "--port", str(port), "--data-dir", str(folder)), env=env)
    tail = None
    try:
        wait_ready(f"http://127.0.0.1:{port}", [dev])
        httpx.post(f"http://127.0.0.1:{port}/threads", json={}).raise_for_status()
        tail = subprocess.Popen(
            command("events", "tail", "--from-start", "--data-dir", str(folder)),
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert _first_event(tail)["type"]
    finally:
        for proc in (tail, dev):
            if proc is not None:
                stop([proc])
