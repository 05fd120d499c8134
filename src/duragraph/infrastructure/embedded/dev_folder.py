"""One `duragraph dev` per data folder, told in one line to the second one.

The claim is an flock on `<folder>/dev.pid`, which holds the owner's pid for
that line. The kernel drops it when the owner dies, however it dies, so a
killed `dev` never locks its successor out; the servers' own folder locks
stay the guard against anything else starting them."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from duragraph.infrastructure.embedded.processes import FolderInUse

PID_FILE = "dev.pid"


def claim_data_folder(folder: Path) -> int:
    """The claim's fd, held (open) until this process exits."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / PID_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = _owner(fd)
        os.close(fd)
        raise FolderInUse(
            f"another duragraph dev{owner} is using {folder}; stop it or choose another --data-dir"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _owner(fd: int) -> str:
    """' (pid N)', or nothing if the owner has not written it yet."""
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return f" (pid {text})" if text.isdigit() else ""
