"""Embedded PostgreSQL from the pgserver wheel, on a Unix socket only.

The folder is the PGDATA. We use pgserver's binaries and its root-user setup
(as root, postgres runs as the `pgserver` system user), but own the lifecycle
ourselves: pgserver's PostgresServer stops the server from an atexit hook and
shares it between processes through a pid list, whereas here start() adopts or
starts the server and stop() stops it (`pg_ctl stop -m fast`).

The server listens on no TCP address (`-h ""`); its socket is in the PGDATA
(mode 0700) or, when that path is too long for a Unix socket, in a private
0700 folder under the temp dir. pg_hba.conf admits the `postgres` role alone,
on that socket, with the password kept in PGDATA/duragraph.password (0600);
a folder from before (trust for every role) gets one at its next start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pwd
import signal
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

with warnings.catch_warnings():  # pgserver warns at import when XDG_RUNTIME_DIR is unset
    warnings.simplefilter("ignore")
    from pgserver import _commands as pgserver_commands
    from pgserver import utils as pgserver_utils

from duragraph.infrastructure.embedded import pg_watchdog
from duragraph.infrastructure.embedded.credentials import new_secret, read_secret, write_secret
from duragraph.infrastructure.embedded.processes import (
    EmbeddedServerError,
    FolderLock,
    pid_runs_with,
    server_error,
    stop_stale,
)

log = logging.getLogger(__name__)

_ROOT_RUNS_AS = "pgserver"  # the system user pgserver itself uses under root
_SOCKET_PATH_MAX = 107  # sun_path is 108 bytes with the trailing NUL
_SOCKET_NAME = ".s.PGSQL.5432"
_OWNER = "postgres"
PASSWORD_FILE = "duragraph.password"
_HBA_HEADER = "# Written by duragraph: the owner role only, on the Unix socket (no TCP).\n"
_HBA_TRUST_OWNER = f"{_HBA_HEADER}local all {_OWNER} trust\n"  # only while setting its password
_HBA_PASSWORD = f"{_HBA_HEADER}local all {_OWNER} scram-sha-256\n"
_PASSWORD_SET_TIMEOUT_S = 10.0
_PREVIOUS_OWNER_STOPS_S = 15.0  # a killed owner's watchdog may be stopping the server


class _Watchdog:
    """pg_watchdog.py, started beside the server: it stops the server if we die."""

    def __init__(self, pgdata: Path, log: Path) -> None:
        read, self._pipe = os.pipe()  # both ends close-on-exec: only the watchdog gets `read`
        try:
            with log.open("ab") as says:  # not our terminal: it may speak after we are gone
                self._proc = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "duragraph.infrastructure.embedded.pg_watchdog",
                        str(pgdata),
                    ],
                    stdin=read,
                    stdout=says,
                    stderr=says,
                    start_new_session=True,
                )
        except BaseException:
            os.close(self._pipe)
            raise
        finally:
            os.close(read)

    def release(self) -> None:
        """We stopped the server ourselves: the watchdog exits without a word."""
        try:
            os.write(self._pipe, pg_watchdog.RELEASE)
        finally:
            os.close(self._pipe)
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


@dataclass(frozen=True, slots=True)
class Postmaster:
    """The parts of PGDATA/postmaster.pid we need."""

    pid: int
    port: int
    socket_dir: Path | None
    status: str

    @classmethod
    def read(cls, pgdata: Path) -> Postmaster | None:
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
            return cls(
                pid=int(lines[0]),
                port=int(lines[3]),
                socket_dir=Path(lines[4]) if lines[4].strip() else None,
                status=lines[7].strip() if len(lines) > 7 else "",
            )
        except (OSError, ValueError, IndexError):
            return None

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        if self.socket_dir is None:
            raise EmbeddedServerError("embedded PostgreSQL has no Unix socket directory")
        host = quote(str(self.socket_dir), safe="/")
        login = f"{_OWNER}:{quote(password, safe='')}" if password else _OWNER
        return f"postgresql://{login}@/{database}?host={host}&port={self.port}"


def running_url(pgdata: Path, database: str = "postgres") -> str | None:
    """The URL, with the password, of the embedded PostgreSQL running on `pgdata`."""
    found = Postmaster.read(pgdata)
    password = read_secret(pgdata / PASSWORD_FILE)
    return found.url(database, password) if found and password else None


class EmbeddedPostgres:
    def __init__(
        self, folder: Path, *, startup_timeout: float = 60.0, die_with_us: bool = True
    ) -> None:
        self.name = "embedded PostgreSQL"
        self.pgdata = Path(folder).expanduser().resolve()
        self.url: str | None = None
        self._timeout = startup_timeout
        self._lock = FolderLock(self.pgdata)
        self._user: str | None = None
        self._postmaster: Postmaster | None = None
        self._die_with_us = die_with_us  # stopped by a watchdog if we die without stopping it
        self._watchdog: _Watchdog | None = None

    @property
    def folder(self) -> Path:
        return self.pgdata

    @property
    def log_path(self) -> Path:
        return self.pgdata / "postgres.log"

    @property
    def pid(self) -> int | None:
        return self._postmaster.pid if self._postmaster else None

    def alive(self) -> bool:
        return self._postmaster_runs()

    def restart(self) -> None:
        """After it died under us: again on its socket, where the pool reconnects."""
        self._postmaster = self._adopt_stale() or self._start_fresh()

    @property
    def password_path(self) -> Path:
        return self.pgdata / PASSWORD_FILE

    def start(self) -> str:
        if self.url is not None:
            return self.url
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._lock.acquire(wait_s=_PREVIOUS_OWNER_STOPS_S)
        try:
            self._user = _system_user()
            _grant_access(self.pgdata, self._user)
            self._postmaster = self._adopt_stale() or self._start_fresh()
            self.url = self._postmaster.url(password=self._owner_password())
            self._watchdog = _Watchdog(self.pgdata, self.log_path) if self._die_with_us else None
        except BaseException:
            self._lock.release()
            raise
        return self.url

    def stop_orphaned(self) -> None:
        """For the watchdog of a dead owner: once the folder is ours, stop what
        still runs on it."""
        self._lock.acquire(wait_s=None)
        try:
            self._user = _system_user()
            if self._postmaster_runs():
                log.warning("stopping embedded PostgreSQL on %s: its dev died", self.pgdata)
                self._pg_ctl_stop()
        finally:
            self._lock.release()

    def stop(self) -> None:
        try:
            if self._postmaster is not None:
                self._pg_ctl_stop()
        finally:
            if self._watchdog is not None:
                self._watchdog.release()
            self._postmaster, self._watchdog = None, None
            self.url = None
            self._lock.release()

    def _adopt_stale(self) -> Postmaster | None:
        """Reuse a healthy server left by a SIGKILLed owner (we hold the folder
        lock, so its owner is gone); stop or forget an unhealthy one."""
        found = Postmaster.read(self.pgdata)
        if found is None:
            return None
        if not self._postmaster_runs():
            # dead, or its pid reused: postgres would refuse to start if the
            # reused pid belongs to another user, so drop the lock file here.
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
            return None
        if found.status == "ready" and self._accepts_connections(found):
            log.info("reusing running embedded PostgreSQL pid %s on %s", found.pid, self.pgdata)
            return found
        log.warning(
            "stopping unhealthy stale embedded PostgreSQL pid %s on %s", found.pid, self.pgdata
        )
        self._pg_ctl_stop()
        return None

    def _start_fresh(self) -> Postmaster:
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        socket_dir = _socket_dir(self.pgdata, self._user)
        self._pg_ctl(
            "start",
            "-w",
            "-t",
            str(int(self._timeout)),
            "-l",
            str(self.log_path),
            "-o",
            f'-h "" -k "{socket_dir}"',
            what="start",
        )
        started = Postmaster.read(self.pgdata)
        if started is None or not self._postmaster_runs():
            raise server_error(
                f"embedded PostgreSQL ({self.pgdata})",
                "no postmaster after pg_ctl start",
                self.log_path,
            )
        return started

    def _owner_password(self) -> str:
        return read_secret(self.pgdata / PASSWORD_FILE) or self._new_password()

    def _new_password(self) -> str:
        """Trust the owner role alone while it gets a new password, then ask for it."""
        assert self._postmaster is not None
        self._set_hba(_HBA_TRUST_OWNER)
        password = new_secret()
        _set_password(self._postmaster.url(), password)
        write_secret(self.pgdata / PASSWORD_FILE, password)
        self._set_hba(_HBA_PASSWORD)
        log.info("embedded PostgreSQL on %s now asks for a password", self.pgdata)
        return password

    def _set_hba(self, rules: str) -> None:
        # Written in place: the file keeps its owner (the server's user under root).
        (self.pgdata / "pg_hba.conf").write_text(rules)
        self._pg_ctl("reload", what="reload")

    def _initdb(self) -> None:
        # A server on a deleted-and-recreated PGDATA still runs on the old files.
        stop_stale("postgres", "-D", str(self.pgdata), sig=signal.SIGINT)
        _run(
            [
                _bin("initdb"),
                "-D",
                str(self.pgdata),
                "--auth=trust",
                "--encoding=utf8",
                "-U",
                "postgres",
            ],
            self._user,
            self.pgdata,
            "initdb",
            timeout=self._timeout,
        )

    def _accepts_connections(self, pm: Postmaster) -> bool:
        if pm.socket_dir is None or not (pm.socket_dir / f".s.PGSQL.{pm.port}").exists():
            return False  # e.g. its socket dir was cleaned from /tmp
        args = [_bin("pg_isready"), "-q", "-h", str(pm.socket_dir), "-p", str(pm.port), "-t", "3"]
        return (
            subprocess.run(args, env=_clean_env(), check=False, start_new_session=True).returncode
            == 0
        )

    def _pg_ctl_stop(self) -> None:
        try:
            self._pg_ctl("stop", "-w", "-t", "30", "-m", "fast", what="stop")
        except EmbeddedServerError as fast_failed:
            if not self._postmaster_runs():
                return  # it had already stopped, or crashed
            log.warning("%s; stopping it with -m immediate", fast_failed)
            self._pg_ctl("stop", "-w", "-t", "30", "-m", "immediate", what="stop")

    def _postmaster_runs(self) -> bool:
        found = Postmaster.read(self.pgdata)
        return found is not None and pid_runs_with(found.pid, "postgres", "-D", str(self.pgdata))

    def _pg_ctl(self, *args: str, what: str) -> None:
        _run(
            [_bin("pg_ctl"), "-D", str(self.pgdata), *args],
            self._user,
            self.pgdata,
            f"pg_ctl {what}",
            log=self.log_path,
            timeout=self._timeout + 5,
        )


def _set_password(url: str, password: str) -> None:
    """Retries while the server has not yet re-read pg_hba.conf (reload is asynchronous)."""
    deadline = time.monotonic() + _PASSWORD_SET_TIMEOUT_S
    while True:
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(_OWNER), sql.Literal(password)
                    )
                )
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _bin(name: str) -> str:
    return str(pgserver_commands.POSTGRES_BIN_PATH / name)


def _clean_env() -> dict[str, str]:
    """The user's PGDATA, PGPORT, PGHOST, PGOPTIONS... must not steer our server."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _run(
    args: list[str],
    user: str | None,
    cwd: Path,
    what: str,
    *,
    log: Path | None = None,
    timeout: float,
) -> None:
    server = f"embedded PostgreSQL ({cwd})"
    try:
        # Its own session: a Ctrl-C meant for us must not kill an initdb or a
        # pg_ctl half-way (we finish what we started, then stop the server).
        done = subprocess.run(
            args,
            user=user,
            cwd=cwd,
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        raise server_error(server, f"{what} timed out after {timeout:.0f}s", log) from None
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise server_error(server, f"{what} exited with {done.returncode}: {output}", log)


def _system_user() -> str | None:
    """PostgreSQL refuses to run as root, so root runs it as pgserver's user."""
    if os.geteuid() != 0:
        return None
    pgserver_utils.ensure_user_exists(_ROOT_RUNS_AS)
    return _ROOT_RUNS_AS


def _grant_access(pgdata: Path, user: str | None) -> None:
    """As root: let `user` reach the PGDATA and run the wheel's binaries."""
    if user is None:
        return
    bin_path = pgserver_commands.POSTGRES_BIN_PATH
    readable = stat.S_IRGRP | stat.S_IROTH
    pgserver_utils.ensure_prefix_permissions(pgdata)
    pgserver_utils.ensure_prefix_permissions(bin_path)
    pgserver_utils.ensure_folder_permissions(bin_path, readable | stat.S_IXGRP | stat.S_IXOTH)
    pgserver_utils.ensure_folder_permissions(bin_path.parent / "lib", readable)
    entry = pwd.getpwnam(user)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)


def _socket_dir(pgdata: Path, user: str | None) -> Path:
    if len(str(pgdata / _SOCKET_NAME).encode()) <= _SOCKET_PATH_MAX:
        return pgdata
    digest = hashlib.sha256(f"{pgdata}:{pgdata.stat().st_ino}".encode()).hexdigest()[:12]
    private = Path(tempfile.gettempdir()) / f"duragraph-pg-{digest}"
    _ensure_private_dir(private, pwd.getpwnam(user).pw_uid if user else os.geteuid())
    return private


def _ensure_private_dir(path: Path, uid: int) -> None:
    """A 0700 dir owned by uid; refuses one planted by someone else in /tmp."""
    try:
        path.mkdir(mode=0o700)
        os.chown(path, uid, -1)
    except FileExistsError:
        info = path.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & 0o077:
            raise EmbeddedServerError(
                f"socket dir {path} exists but is not private to uid {uid}"
            ) from None
