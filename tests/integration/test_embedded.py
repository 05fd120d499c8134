"""The embedded PostgreSQL and NATS of `duragraph dev`: real processes on a
temporary folder, Unix sockets and 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import nats
import psutil
import psycopg
import pytest

from duragraph.infrastructure.embedded.nats import EmbeddedNats
from duragraph.infrastructure.embedded.postgres import EmbeddedPostgres
from duragraph.infrastructure.embedded.processes import EmbeddedServerError, FolderInUse, stop_stale

_OWNER = """
import json, sys, threading, time
from pathlib import Path
import psycopg
from duragraph.infrastructure.embedded.nats import EmbeddedNats
from duragraph.infrastructure.embedded.postgres import EmbeddedPostgres

kind, folder = sys.argv[1], Path(sys.argv[2])
if kind == "postgres":
    server = EmbeddedPostgres(folder)
    url = server.start()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE survivor (note text)")
        conn.execute("INSERT INTO survivor VALUES ('written by the killed owner')")
elif kind == "nats":
    server = EmbeddedNats(folder, die_with_parent=False)
    url = server.start()
else:  # started from a thread that ends at once, as asyncio.to_thread may
    server = EmbeddedNats(folder)
    starter = threading.Thread(target=server.start)
    starter.start()
    starter.join()
    url = server.url
    time.sleep(0.3)  # ample time for a signal tied to that thread to land
print(json.dumps({"pid": server.pid, "url": url}), flush=True)
time.sleep(600)
"""


@pytest.fixture
def scratch() -> Iterator[Path]:
    # Not tmp_path: a concurrent pytest session chmods /tmp/pytest-of-<user> to
    # 0700, which locks the `pgserver` user (postgres under root) out of it.
    with tempfile.TemporaryDirectory(prefix="dg-embedded-") as folder:
        yield Path(folder)


@pytest.fixture
def pg_folder(scratch: Path) -> Iterator[Path]:
    folder = scratch / "postgres"
    yield folder
    # only servers on this test's folder
    stop_stale("postgres", "-D", str(folder), sig=signal.SIGINT)


@pytest.fixture
def nats_folder(scratch: Path) -> Iterator[Path]:
    folder = scratch / "nats"
    yield folder
    stop_stale("nats-server", "-sd", str(folder))


def _start_owner(kind: str, folder: Path) -> tuple[subprocess.Popen[str], dict]:
    command = [sys.executable, "-c", _OWNER, kind, str(folder)]
    owner = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        return owner, json.loads(owner.stdout.readline())
    except BaseException:
        _sigkill(owner)
        raise


def _sigkill(owner: subprocess.Popen[str]) -> None:
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    owner.stdout.close()


def _start_owner_then_sigkill_it(kind: str, folder: Path) -> dict:
    """Run a server in a child process and SIGKILL that process, the way a
    crashed `duragraph dev` leaves its servers behind."""
    owner, started = _start_owner(kind, folder)
    _sigkill(owner)
    return started


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def _listening_tcp(pid: int) -> list:
    found = []
    for proc in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        try:
            found += [
                c for c in proc.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
            ]
        except psutil.NoSuchProcess:
            pass  # a backend that ended meanwhile
    return found


def _query(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


# --- PostgreSQL -------------------------------------------------------------


def test_a_table_created_before_stop_is_there_after_the_next_start(pg_folder: Path) -> None:
    server = EmbeddedPostgres(pg_folder)
    _query(server.start(), "CREATE TABLE kept AS SELECT 42 AS answer")
    server.stop()
    try:
        assert _query(server.start(), "SELECT answer FROM kept") == [(42,)]
    finally:
        server.stop()


def test_the_embedded_postgres_listens_on_no_tcp_port(pg_folder: Path) -> None:
    server = EmbeddedPostgres(pg_folder)
    url = server.start()
    try:
        assert _query(url, "SHOW listen_addresses") == [("",)]
        assert _listening_tcp(server.pid) == []
        assert f"host={pg_folder}" in url
    finally:
        server.stop()


def test_stop_stops_the_postgres_it_started(pg_folder: Path) -> None:
    server = EmbeddedPostgres(pg_folder)
    server.start()
    pid = server.pid
    server.stop()
    assert _wait_gone(pid)


def test_a_healthy_postgres_left_by_a_killed_owner_is_reused_with_its_data(pg_folder: Path) -> None:
    stale = _start_owner_then_sigkill_it("postgres", pg_folder)
    assert _alive(stale["pid"])
    server = EmbeddedPostgres(pg_folder)
    url = server.start()
    try:
        assert server.pid == stale["pid"]
        assert _query(url, "SELECT note FROM survivor") == [("written by the killed owner",)]
    finally:
        server.stop()
    assert _wait_gone(stale["pid"])


def test_a_stale_postgres_whose_socket_is_gone_is_restarted_and_works(pg_folder: Path) -> None:
    stale = _start_owner_then_sigkill_it("postgres", pg_folder)
    (pg_folder / ".s.PGSQL.5432").unlink()  # as when a tmp cleaner removes a socket dir
    server = EmbeddedPostgres(pg_folder)
    url = server.start()
    try:
        assert server.pid != stale["pid"] and not _alive(stale["pid"])
        assert _query(url, "SELECT note FROM survivor") == [("written by the killed owner",)]
    finally:
        server.stop()


def test_a_second_server_on_a_folder_in_use_is_refused_and_the_first_keeps_working(
    pg_folder: Path,
) -> None:
    first = EmbeddedPostgres(pg_folder)
    url = first.start()
    try:
        with pytest.raises(FolderInUse, match="in use"):
            EmbeddedPostgres(pg_folder).start()
        assert _query(url, "SELECT 1") == [(1,)]
    finally:
        first.stop()


def test_a_postgres_that_cannot_start_reports_the_tail_of_its_log(pg_folder: Path) -> None:
    server = EmbeddedPostgres(pg_folder)
    server.start()
    server.stop()
    with (pg_folder / "postgresql.conf").open("a") as conf:
        conf.write("\nshared_buffers = 'plenty'\n")
    with pytest.raises(
        EmbeddedServerError, match=r"(?s)pg_ctl start.*last lines of.*shared_buffers"
    ):
        server.start()


def test_a_pgdata_path_too_long_for_a_socket_gets_a_private_socket_dir(scratch: Path) -> None:
    folder = scratch / ("x" * 60) / ("y" * 60)
    server = EmbeddedPostgres(folder)
    socket_dir = Path(psycopg.conninfo.conninfo_to_dict(server.start())["host"])
    try:
        assert socket_dir != folder and socket_dir.stat().st_mode & 0o077 == 0
        assert _query(server.url, "SELECT 1") == [(1,)]
    finally:
        server.stop()
        stop_stale("postgres", "-D", str(folder), sig=signal.SIGINT)
        socket_dir.rmdir()  # empty once the server is down; it lives outside scratch


# --- NATS -------------------------------------------------------------------


async def _publish(url: str, subject: str, *payloads: bytes) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name="KEPT", subjects=["kept.>"])
    for payload in payloads:
        await js.publish(subject, payload)
    await nc.close()


async def _stored(url: str) -> list[bytes]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    info = await js.stream_info("KEPT")
    messages = [(await js.get_msg("KEPT", seq)).data for seq in range(1, info.state.messages + 1)]
    await nc.close()
    return messages


async def test_a_jetstream_stream_and_its_messages_survive_a_restart(nats_folder: Path) -> None:
    server = EmbeddedNats(nats_folder)
    await _publish(server.start(), "kept.a", b"one", b"two")
    server.stop()
    try:
        assert await _stored(server.start()) == [b"one", b"two"]
    finally:
        server.stop()
    assert (nats_folder / "jetstream").is_dir()


def test_the_nats_port_is_a_fresh_loopback_port_and_never_4222(nats_folder: Path) -> None:
    server = EmbeddedNats(nats_folder)
    url = server.start()
    try:
        listening = _listening_tcp(server.pid)
        address = urlsplit(url)
        assert (address.scheme, address.hostname) == ("nats", "127.0.0.1") and address.port != 4222
        assert [(c.laddr.ip, c.laddr.port) for c in listening] == [("127.0.0.1", address.port)]
    finally:
        server.stop()


async def test_a_nats_server_left_by_a_killed_owner_is_stopped_by_the_next_start(
    nats_folder: Path,
) -> None:
    stale = _start_owner_then_sigkill_it("nats", nats_folder)
    assert _alive(stale["pid"])
    await _publish(stale["url"], "kept.a", b"written to the stale server")
    server = EmbeddedNats(nats_folder)
    url = server.start()
    try:
        assert not _alive(stale["pid"]) and server.pid != stale["pid"]
        assert await _stored(url) == [b"written to the stale server"]
    finally:
        server.stop()


async def test_the_embedded_nats_lives_as_long_as_its_owner_and_dies_with_it(
    nats_folder: Path,
) -> None:
    owner, started = _start_owner("nats-dies-with-parent", nats_folder)
    try:
        await _publish(started["url"], "kept.a", b"owner is alive")
    finally:
        _sigkill(owner)
    assert _wait_gone(started["pid"])
    server = EmbeddedNats(nats_folder)
    try:
        assert await _stored(server.start()) == [b"owner is alive"]
    finally:
        server.stop()


def test_an_unrelated_process_named_in_the_pidfile_is_left_alone(nats_folder: Path) -> None:
    nats_folder.mkdir()
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        (nats_folder / "nats-server.pid").write_text(f"{bystander.pid}\n")
        server = EmbeddedNats(nats_folder)
        server.start()
        server.stop()
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_a_nats_server_that_cannot_start_reports_the_tail_of_its_log(nats_folder: Path) -> None:
    nats_folder.mkdir()
    (nats_folder / "jetstream").write_text("not a directory")
    expected = "(?s)exited with code.*last lines of.*storage directory is not a directory"
    with pytest.raises(EmbeddedServerError, match=expected):
        EmbeddedNats(nats_folder).start()
