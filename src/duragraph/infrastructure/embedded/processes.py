"""Process plumbing shared by the embedded servers: folder locks, pidfiles,
stale-process cleanup, children that die with us, errors with log tails."""

from __future__ import annotations

import ctypes
import fcntl
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from queue import SimpleQueue
from typing import Any, Callable

import psutil

_PR_SET_PDEATHSIG = 1


class EmbeddedServerError(RuntimeError):
    """An embedded server failed to start or stop; the message carries its log tail."""


class FolderInUse(EmbeddedServerError):
    """Another live process already runs an embedded server on this folder."""


def server_error(what: str, reason: str, log: Path | None = None) -> EmbeddedServerError:
    message = f"{what}: {reason}"
    if log is not None:
        message += f"\n--- last lines of {log} ---\n{log_tail(log)}"
    return EmbeddedServerError(message)


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        with path.open("rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 16_384))
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"(log unreadable: {e})"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


class FolderLock:
    """An exclusive flock on a data folder, held for as long as we own its server.

    The kernel drops the lock when its holder dies, however it dies, so a folder
    we can lock has no live owner: any server still running on it is stale. The
    fd is close-on-exec, so the servers we spawn never inherit (and pin) it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None

    def acquire(self, wait_s: float | None = 0.0) -> None:
        """Waits up to `wait_s` seconds for the lock (None: for ever)."""
        fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            _flock(fd, wait_s)
        except BlockingIOError:
            os.close(fd)
            raise FolderInUse(
                f"{self.folder} is in use by another running process "
                "(another `duragraph dev` on the same data folder?)"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _flock(fd: int, wait_s: float | None) -> None:
    if wait_s is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def read_pidfile(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def write_pidfile(path: Path, pid: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{pid}\n")
    tmp.replace(path)


def runs_with(proc: psutil.Process, name: str, flag: str, value: str) -> bool:
    """True if proc is the executable `name` started with `flag value` (exact)."""
    try:
        cmdline = proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    if not cmdline or Path(cmdline[0]).name != name:
        return False
    return any(a == flag and b == value for a, b in itertools.pairwise(cmdline))


def pid_runs_with(pid: int | None, name: str, flag: str, value: str) -> bool:
    if pid is None or pid <= 0:
        return False
    try:
        return runs_with(psutil.Process(pid), name, flag, value)
    except psutil.NoSuchProcess:
        return False


def processes_running_with(name: str, flag: str, value: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter() if runs_with(p, name, flag, value)]


def stop_stale(
    name: str,
    flag: str,
    value: str,
    *,
    pidfile: Path | None = None,
    sig: int = signal.SIGTERM,
    timeout: float = 10.0,
) -> list[int]:
    """Stop every `name` process started with `flag value`; returns their pids.

    Callers hold the folder lock first, so such a process has lost its owner.
    The pidfile finds it even where the process table scan cannot see it."""
    found = {p.pid: p for p in processes_running_with(name, flag, value)}
    recorded = read_pidfile(pidfile) if pidfile else None
    if recorded and recorded not in found and pid_runs_with(recorded, name, flag, value):
        found[recorded] = psutil.Process(recorded)
    for proc in found.values():
        stop_process(proc, sig, timeout)
    return sorted(found)


def stop_process(proc: psutil.Process, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Ask politely with `sig`, then SIGKILL if it does not exit within timeout."""
    try:
        proc.send_signal(sig)
        if not _gone_within(proc, timeout):
            proc.kill()
    except psutil.NoSuchProcess:
        return
    if not _gone_within(proc, 5):
        raise EmbeddedServerError(f"could not stop stale process {proc.pid}")


def _gone_within(proc: psutil.Process, timeout: float) -> bool:
    # Not our child, so no wait(): an orphan is a zombie until init reaps it.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.02)
    return False


def popen_dying_with_us(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """Popen, but the child gets SIGTERM when this process dies, however it dies.

    PR_SET_PDEATHSIG (Linux) fires when the *thread* that forked the child ends,
    not the process: forking from a caller's short-lived thread (asyncio.to_thread)
    would kill the child with that thread. So one daemon thread that lives as long
    as the process does all the forking. Elsewhere this is a plain Popen."""
    if not sys.platform.startswith("linux"):
        return subprocess.Popen(args, **kwargs)
    done: Future[subprocess.Popen[bytes]] = Future()
    _spawner().put((args, kwargs, done))
    return done.result()


_spawner_requests: SimpleQueue[tuple[list[str], dict[str, Any], Future[Any]]] | None = None
_spawner_lock = threading.Lock()


def _spawner() -> SimpleQueue[tuple[list[str], dict[str, Any], Future[Any]]]:
    global _spawner_requests
    with _spawner_lock:
        if _spawner_requests is None:
            _spawner_requests = SimpleQueue()
            threading.Thread(
                target=_spawn_forever,
                args=(_spawner_requests,),
                name="duragraph-spawner",
                daemon=True,
            ).start()
        return _spawner_requests


def _spawn_forever(requests: SimpleQueue[tuple[list[str], dict[str, Any], Future[Any]]]) -> None:
    preexec = _arm_parent_death_signal()
    while True:
        args, kwargs, done = requests.get()
        try:
            done.set_result(subprocess.Popen(args, preexec_fn=preexec, **kwargs))
        except BaseException as e:  # handed to the caller, who re-raises it
            done.set_exception(e)


def _arm_parent_death_signal() -> Callable[[], None]:
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: no dlopen after fork
    parent = os.getpid()

    def arm() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # we died before the signal was armed
            os._exit(1)

    return arm
