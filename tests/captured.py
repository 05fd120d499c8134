"""DuraGraph processes whose output the test reads: stdout and stderr go to
files, and stopping one checks that none of its children outlived it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import psutil

from servers import GRAPHS, free_port, stop, wait_ready


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    """`duragraph ...` run to its end, its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "duragraph.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@dataclass
class Captured:
    proc: subprocess.Popen
    out: Path
    err: Path

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def stdout(self) -> str:
        return self.out.read_text(errors="replace")

    def lines(self) -> list[str]:
        return self.stderr().splitlines()


def start(folder: Path, name: str, args: list[str], env: dict[str, str]) -> Captured:
    out, err = folder / f"{name}.out", folder / f"{name}.err"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "duragraph.cli", *args, "--config", str(GRAPHS)],
            stdout=o,
            stderr=e,
            env={**os.environ, **env},
        )
    return Captured(proc, out, err)


def stop_all(procs: list[Captured]) -> None:
    """Stop them; every process they started must be gone too."""
    children = [
        c
        for p in procs
        if p.proc.poll() is None
        for c in psutil.Process(p.proc.pid).children(recursive=True)
    ]
    stop([p.proc for p in procs])
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left running: {[c.pid for c in alive]}"


@contextlib.contextmanager
def dev(*flags: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, Captured]]:
    """A `duragraph dev` on a fresh data folder: (its URL, its output)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="dg-captured-") as folder:
        server = start(
            Path(folder),
            "dev",
            ["dev", "--port", str(port), "--data-dir", f"{folder}/data", *flags],
            env or {},
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}", [server.proc])
            yield f"http://127.0.0.1:{port}", server
        finally:
            stop_all([server])
            assert _running_on(folder) == [], "an embedded server outlived `dev`"


def _running_on(folder: str) -> list[int]:
    """Processes whose command line names this folder (the embedded servers)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if (
                folder in " ".join(proc.info["cmdline"] or ())
                and proc.status() != psutil.STATUS_ZOMBIE
            ):
                found.append(proc.pid)
    return found


def until(found: Callable[[], bool], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while not found():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
