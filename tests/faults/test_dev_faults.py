"""`duragraph dev` killed with SIGKILL, embedded PostgreSQL and NATS included,
then started again: it serves within seconds, its in-flight runs resume and
finish, and no stale embedded server is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psutil

from duragraph.infrastructure.embedded.nats import running_url as nats_url_of
from duragraph.infrastructure.embedded.postgres import running_url as postgres_url_of
from faults_support import (
    create_steps_runs,
    over_executed,
    query,
    reexecuted_after_commit,
    relayed,
    steps_committed_twice,
    stream_gaps,
    wait_terminal,
    time_bound,
    wrong_final_states,
    until,
)
from servers import command, free_port, wait_ready

SERVES_WITHIN_S = 3.0
RESUMES_WITHIN_S = 5.0


def _embedded(data_dir: Path) -> dict[str, list[int]]:
    """Postmasters and nats-servers on this data folder (postgres children excluded)."""
    found: dict[str, list[int]] = {"postgres": [], "nats-server": []}
    for proc in psutil.process_iter(["name", "cmdline", "ppid"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        name = proc.info["name"]
        if name in found and str(data_dir) in cmdline and proc.status() != psutil.STATUS_ZOMBIE:
            found[name].append(proc.pid)
    return found


def _start(data_dir: Path, port: int, env: dict[str, str]) -> tuple[subprocess.Popen, float]:
    started = time.monotonic()
    dev = subprocess.Popen(
        command("dev", "--port", str(port), "--data-dir", str(data_dir)), env=env
    )
    wait_ready(f"http://127.0.0.1:{port}", [dev], timeout=120)
    return dev, time.monotonic() - started


def _nats_url(data_dir: Path) -> str:
    url = nats_url_of(data_dir / "nats")
    assert url is not None
    return url


async def test_dev_killed_with_its_embedded_servers_restarts_and_finishes_in_flight_runs(
    counters: Path,
):
    env = {**os.environ, "DURAGRAPH_TEST_COUNTER_DIR": str(counters)}
    with tempfile.TemporaryDirectory(prefix="dg-dev-kill-") as folder:
        data_dir, port = Path(folder) / "data", free_port()
        dev, _ = _start(data_dir, port, env)
        try:
            db = postgres_url_of(data_dir / "postgres")
            assert db is not None
            runs = await create_steps_runs(
                f"http://127.0.0.1:{port}", 10, delay=1.0, durability="sync"
            )

            async def in_flight() -> bool:
                rows = await query(
                    db, "SELECT count(*) FROM events WHERE type='run.step_completed'"
                )
                return rows[0][0] >= 5

            await until(in_flight, what="runs in flight")
            before = _embedded(data_dir)
            dev.send_signal(signal.SIGKILL)
            dev.wait(30)
            restarted = time.time()
            dev, took = _start(data_dir, port, env)
            assert took <= time_bound(SERVES_WITHIN_S), (
                f"served again {took:.1f}s after the restart"
            )

            await wait_terminal(db, list(runs))
            assert await wrong_final_states(db, list(runs)) == {}
            assert await steps_committed_twice(db) == []
            assert await reexecuted_after_commit(db, counters) == []
            assert over_executed(counters, list(runs.values()), crashes=1) == []
            assert await stream_gaps(db) == []
            resumed = await query(
                db,
                "SELECT min(extract(epoch FROM recorded_at)::float8) FROM "
                "events WHERE type='run.started' "
                "AND (data->>'epoch')::int > 1",
            )
            assert resumed[0][0] is not None and resumed[0][0] - restarted <= time_bound(
                RESUMES_WITHIN_S
            ), f"in-flight runs resumed {resumed[0][0] - restarted:.1f}s after the restart"
            relay = await relayed(db, _nats_url(data_dir), "duragraph")
            assert (len(relay.lost), relay.duplicates) == (0, 0)

            after = _embedded(data_dir)
            assert len(after["postgres"]) == 1 and len(after["nats-server"]) == 1
            assert not set(before["nats-server"]) & set(after["nats-server"])
        finally:
            dev.send_signal(signal.SIGTERM)
            assert dev.wait(60) == 0
        assert _embedded(data_dir) == {"postgres": [], "nats-server": []}
