"""What `dev` and `serve` print once they answer: where the API and its docs
are and, for `dev`, where its embedded servers are. No password is printed
(a terminal is scrolled back, shared, recorded): it names their files instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlsplit, urlunsplit

from . import __version__

_NAMES = {"EmbeddedPostgres": "PostgreSQL", "EmbeddedNats": "NATS"}


def banner(
    graph_ids: list[str], base_url: str, embedded: Sequence[Any] = (), *, console: bool = False
) -> str:
    """`embedded`: started servers, each with `url` and `password_path`."""
    lines = [
        f"DuraGraph {__version__} serving {', '.join(graph_ids)} at {base_url}",
        _line("API", base_url),
        _line("Docs", f"{base_url}/docs"),
    ]
    if console:
        lines.append(_line("Console", f"{base_url}/console/"))
    lines += [
        _line(
            _NAMES.get(type(s).__name__, type(s).__name__),
            without_password(s.url),
            f"(password in {_shown(s.password_path)})",
        )
        for s in embedded
    ]
    return "\n".join(lines)


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}@{netloc}"))


def _line(what: str, where: str, note: str = "") -> str:
    return f"  {what:<11} {where} {note}".rstrip()


def _shown(path: Path) -> str:
    """Relative to the working directory when inside it, as the user typed it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
