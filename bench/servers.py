"""The servers under benchmark, as subprocesses on 127.0.0.1: `duragraph dev`
(embedded PostgreSQL + NATS under a fresh temp folder) and the official
server as `langgraph dev` runs it (in-memory runtime), plus their resident
memory and CPU.

Each server is stopped by its own PID with SIGTERM (SIGKILL after a grace
period); an embedded postmaster left behind by a killed `duragraph dev` is
stopped by the PID in its own postmaster.pid."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator
from pathlib import Path

import httpx
import psutil

MB = 1024 * 1024

# What the official dev server would otherwise reach over the network.
OFFLINE_ENV = {
    "LANGSMITH_TRACING": "false",
    "LANGSMITH_TRACING_V2": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGCHAIN_TRACING": "false",
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "LANGSMITH_API_KEY": "",
    "LANGCHAIN_API_KEY": "",
    "LANGGRAPH_CLOUD_LICENSE_KEY": "",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    folder: Path
    log_path: Path
    notes: list[str] = field(default_factory=list)

    @property
    def postmaster_pid(self) -> int | None:
        try:
            return int(
                (self.folder / "data" / "postgres" / "postmaster.pid").read_text().split()[0]
            )
        except (OSError, ValueError, IndexError):
            return None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as e:
            return f"(no log: {e})"


def _child_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DURAGRAPH_DATABASE_URL", "DURAGRAPH_NATS_URL", "DURAGRAPH_DATA_DIR")
    }
    return {**env, **OFFLINE_ENV, **extra}


def _spawn(
    name: str, args: list[str], env: dict[str, str], cwd: Path, folder: Path, port: int
) -> Server:
    log_path = folder / f"{name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    return Server(name, proc, f"http://127.0.0.1:{port}", folder, log_path)


def start_duragraph(
    config: Path,
    *,
    name: str = "duragraph",
    src: Path | None = None,
    env: dict[str, str] | None = None,
) -> Server:
    """`src`: run the `duragraph` package of that source tree (an earlier
    commit's worktree, say) instead of the installed one; `env`: extra variables."""
    folder = Path(tempfile.mkdtemp(prefix="dg-bench-"))
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "duragraph.cli",
        "dev",
        "--config",
        str(config),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(folder / "data"),
        "--log-level",
        "WARNING",
    ]
    extra = {**(env or {}), **({"PYTHONPATH": str(src.resolve())} if src else {})}
    return _spawn(name, args, _child_env(**extra), folder, folder, port)


def config_with_auth(config: Path, auth_path: str) -> Path:
    """A temp copy of the config's folder whose langgraph.json has
    `"auth": {"path": auth_path}` (graph paths stay relative to it)."""
    root = Path(tempfile.mkdtemp(prefix="dg-bench-auth-"))
    atexit.register(shutil.rmtree, root, True)
    folder = root / "graphs"
    shutil.copytree(
        config.resolve().parent,
        folder,
        ignore=shutil.ignore_patterns("__pycache__", ".langgraph_api", ".duragraph"),
    )
    project = json.loads((folder / config.name).read_text())
    project["auth"] = {"path": auth_path}
    (folder / config.name).write_text(json.dumps(project))
    return folder / config.name


def start_official(config: Path, jobs_per_worker: int | None) -> Server:
    """The official server as `langgraph dev` runs it (bench/official_server.py),
    with `jobs_per_worker` run slots (None: its default). It resolves graph
    paths against its working directory and keeps its state in
    `.langgraph_api` there, so it runs in a temp copy of the config's folder."""
    folder = Path(tempfile.mkdtemp(prefix="lg-bench-"))
    graphs = folder / "graphs"
    shutil.copytree(
        config.resolve().parent,
        graphs,
        ignore=shutil.ignore_patterns("__pycache__", ".langgraph_api", ".duragraph"),
    )
    _drop_test_sweeps(graphs / config.name)
    port = free_port()
    runner = Path(__file__).resolve().parent / "official_server.py"
    jobs = "default" if jobs_per_worker is None else str(jobs_per_worker)
    args = [sys.executable, str(runner), config.name, str(port), jobs]
    server = _spawn("official", args, _child_env(), graphs, folder, port)
    server.notes.append(f"--n-jobs-per-worker {jobs}")
    return server


def _drop_test_sweeps(path: Path) -> None:
    """The test config sweeps TTLs every 0.6 s; the official CLI takes whole minutes only."""
    project = json.loads(path.read_text())
    project.pop("checkpointer", None)
    path.write_text(json.dumps(project))


def wait_ready(server: Server, timeout: float = 180.0) -> float:
    """Seconds until GET /ok answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.proc.returncode}:\n{server.log_tail()}"
            )
        try:
            if httpx.get(f"{server.url}/ok", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} not ready after {timeout:.0f}s:\n{server.log_tail()}")


def stop(server: Server, keep_folder: bool = False) -> None:
    postmaster = server.postmaster_pid
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(60)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    _stop_leftover_postmaster(postmaster, server.folder)
    if not keep_folder:
        shutil.rmtree(server.folder, ignore_errors=True)


def _stop_leftover_postmaster(pid: int | None, folder: Path) -> None:
    """Only the postmaster of our own data folder, found by its pidfile."""
    if pid is None:
        return
    try:
        proc = psutil.Process(pid)
        if str(folder) not in " ".join(proc.cmdline()):
            return
        proc.send_signal(signal.SIGINT)  # fast shutdown
        proc.wait(30)
    except (psutil.NoSuchProcess, psutil.TimeoutExpired, psutil.AccessDenied):
        pass


# -- memory ---------------------------------------------------------------------


def _rss(proc: psutil.Process) -> int:
    try:
        return proc.memory_info().rss
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0


def _pss(proc: psutil.Process) -> int:
    """Proportional set size: shared pages split between the processes sharing
    them, so PSS adds up across PostgreSQL's backends where RSS would not."""
    try:
        return proc.memory_full_info().pss
    except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
        return 0


def memory_of(server: Server) -> dict[str, float]:
    """MB per component: the server process itself, nats-server (its child),
    and PostgreSQL (postmaster RSS; PSS summed over the postmaster and all
    its backends; backend count)."""
    try:
        main = psutil.Process(server.proc.pid)
        children = main.children(recursive=True)
    except psutil.NoSuchProcess:
        return {}
    found = {"server RSS": _rss(main) / MB}
    nats = [c for c in children if _name(c) == "nats-server"]
    if nats:
        found["nats-server RSS"] = sum(_rss(p) for p in nats) / MB
    found.update(_postgres_memory(server.postmaster_pid))
    others = [c for c in children if c not in nats]
    if others and server.name != "duragraph":
        found["children RSS"] = sum(_rss(p) for p in others) / MB
    return found


def _postgres_memory(pid: int | None) -> dict[str, float]:
    if pid is None:
        return {}
    try:
        postmaster = psutil.Process(pid)
        tree = [postmaster, *postmaster.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {}
    return {
        "postgres postmaster RSS": _rss(postmaster) / MB,
        "postgres all procs PSS": sum(_pss(p) for p in tree) / MB,
        "postgres processes": float(len(tree)),
    }


def _name(proc: psutil.Process) -> str:
    try:
        return proc.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return ""


# -- CPU ------------------------------------------------------------------------------


def _cpu(proc: psutil.Process) -> float:
    try:
        times = proc.cpu_times()
        return times.user + times.system
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0


def cpu_of(server: Server) -> dict[str, float]:
    """CPU seconds used so far per component (same split as memory_of; the
    client is this process). PostgreSQL: the postmaster and its live backends."""
    try:
        main = psutil.Process(server.proc.pid)
        children = main.children(recursive=True)
    except psutil.NoSuchProcess:
        return {}
    found = {"server": _cpu(main), "client (this benchmark)": _cpu(psutil.Process())}
    nats = [c for c in children if _name(c) == "nats-server"]
    if nats:
        found["nats-server"] = sum(_cpu(p) for p in nats)
    pid = server.postmaster_pid
    if pid is not None:
        try:
            postmaster = psutil.Process(pid)
            found["postgres"] = sum(_cpu(p) for p in [postmaster, *postmaster.children()])
        except psutil.NoSuchProcess:
            pass
    return found


def _tree(server: Server) -> list[psutil.Process]:
    """The server's processes: its own, its children, and (for DuraGraph) the
    embedded postmaster, which pg_ctl started outside the tree."""
    roots = [server.proc.pid] + ([server.postmaster_pid] if server.postmaster_pid else [])
    found: list[psutil.Process] = []
    for pid in roots:
        try:
            root = psutil.Process(pid)
            found += [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
    return found


@contextlib.contextmanager
def paused(servers: list[Server]) -> Iterator[None]:
    """SIGSTOP these servers while another one is measured, so that an idle
    server's background work does not take CPU from the measured one."""
    stopped = [p for server in servers for p in _tree(server)]
    for proc in stopped:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.suspend()
    try:
        yield
    finally:
        for proc in stopped:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.resume()


class Sampler:
    """Calls `sample()` every `interval` seconds on a thread, from enter to exit."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        raise NotImplementedError
