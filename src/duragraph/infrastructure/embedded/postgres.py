"""Embedded PostgreSQL from the pgserver wheel, on a Unix socket in its data folder."""
from __future__ import annotations

from pathlib import Path


class EmbeddedPostgres:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._server = None

    def start(self) -> str:
        import pgserver

        self.folder.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(self.folder, cleanup_mode="stop")
        return self._server.get_uri()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
