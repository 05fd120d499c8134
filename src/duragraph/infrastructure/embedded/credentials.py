"""The secrets the embedded servers demand of every client: generated at
their first start (or the first start of a folder from before they had any)
and kept beside their data, readable by this user only."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # URL-safe: it goes into connection URLs as is


def read_secret(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


def write_secret(path: Path, secret: str) -> None:
    """Atomically, mode 0600 from the start (never readable by others, not even briefly)."""
    tmp = path.with_name(f"{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{secret}\n")
    tmp.replace(path)


def kept_secret(path: Path) -> str:
    """The secret stored at `path`, or a new one stored there."""
    secret = read_secret(path)
    if secret is None:
        secret = new_secret()
        write_secret(path, secret)
    return secret
