"""`duragraph dev` as a user runs it: in a terminal of its own (a real
pseudo-terminal, so that Ctrl-C is the terminal's SIGINT to its foreground
process group) or under a process manager (its own process group), with every
process it started recorded, to prove none outlives it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import subprocess
import termios
import threading
import time
from pathlib import Path

import psutil

from servers import command, wait_ready


def _take_terminal() -> None:
    """In the child, after setsid(): the pty on stdin becomes its controlling
    terminal, and the child's group the terminal's foreground group. A hang-up
    does what it does in a new terminal's shell, even when these tests run
    under nohup (which dev obeys: SIGHUP ignored is inherited)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Dev:
    """One `duragraph dev` on `data_dir`, the leader of its own process group."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        terminal: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir, self.port, self.terminal = data_dir, port, terminal
        self.url = f"http://127.0.0.1:{port}"
        self._output = bytearray()
        self._hung_up = False
        args = command("dev", "--port", str(port), "--data-dir", str(data_dir))
        if terminal:
            self._master, slave = os.openpty()
            self.proc = subprocess.Popen(
                args,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                start_new_session=True,
                preexec_fn=_take_terminal,
            )
            os.close(slave)
        else:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
            self._master = self.proc.stdout.fileno()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def ready(self, timeout: float = 60) -> "Dev":
        wait_ready(self.url, [self.proc], timeout)
        return self

    def press_ctrl_c(self) -> None:
        assert self.terminal
        os.write(self._master, b"\x03")  # the line discipline turns it into SIGINT

    def close_terminal(self) -> None:
        """As closing its window does: the terminal hangs up (SIGHUP)."""
        assert self.terminal
        self._hung_up = True
        self._reader.join(5)
        os.close(self._master)

    def wait(self, timeout: float = 30) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    def output(self) -> str:
        return self._output.decode(errors="replace")

    def processes(self) -> list[psutil.Process]:
        """dev, its descendants, and the servers on its data folder (pg_ctl
        daemonizes postgres, so the postmaster is nobody's child)."""
        me = psutil.Process(self.pid)
        found = {p.pid: p for p in [me, *me.children(recursive=True), *self.servers_on_folder()]}
        return list(found.values())

    def servers_on_folder(self) -> list[psutil.Process]:
        found = []
        for proc in psutil.process_iter(["cmdline"]):
            if any(str(self.data_dir) in arg for arg in proc.info["cmdline"] or []):
                found.append(proc)
                found.extend(_children(proc))
        return found

    def kill(self) -> None:
        """The last resort of a failed test: nothing may outlive it."""
        running = self.proc.poll() is None
        for proc in self.processes() if running else self.servers_on_folder():
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        self.proc.wait(10)

    def _read(self) -> None:
        while not self._hung_up:
            ready, _, _ = select.select([self._master], [], [], 0.2)
            if not ready:
                if self.proc.poll() is not None and not self.terminal:
                    return
                continue
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # the pty's other side closed: dev and its children exited
                chunk = b""
            if not chunk:
                return
            self._output += chunk


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def still_running(processes: list[psutil.Process], within: float = 5.0) -> list[str]:
    """Those of `processes` still alive after `within` seconds (zombies count
    as gone: their parent, or init, reaps them)."""
    deadline = time.monotonic() + within
    while True:
        alive = [p for p in processes if _alive(p)]
        if not alive or time.monotonic() > deadline:
            return [f"{p.pid} {_describe(p)}" for p in alive]
        time.sleep(0.05)


def names(processes: list[psutil.Process]) -> set[str]:
    found = set()
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            found.add(proc.name())
    return found


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _describe(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())[:120]
    except psutil.Error:
        return "?"
