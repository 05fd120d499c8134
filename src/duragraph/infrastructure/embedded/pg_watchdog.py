"""Stops `dev`'s embedded PostgreSQL when `dev` dies without stopping it
(SIGKILL, the OOM killer). pg_ctl daemonizes the postmaster, so, unlike the
NATS server, it is nobody's child and no parent-death signal reaches it.

It runs in a session of its own with a pipe from `dev` on stdin. `dev` writes
RELEASE before closing it once it has stopped the server itself; an end of
the pipe without that word means `dev` died. The watchdog then waits for the
folder lock (a new `dev` that took it first adopted the server and owns it
now) and stops whatever still runs there."""

from __future__ import annotations

import sys
from pathlib import Path

RELEASE = b"released"


def main(pgdata: str) -> None:
    if sys.stdin.buffer.read() == RELEASE:  # blocks for as long as dev lives
        return
    from duragraph.infrastructure.embedded.postgres import EmbeddedPostgres  # only now: ~30 MB

    if Path(pgdata).is_dir():  # else nothing is left to stop
        EmbeddedPostgres(Path(pgdata)).stop_orphaned()


if __name__ == "__main__":
    main(sys.argv[1])
