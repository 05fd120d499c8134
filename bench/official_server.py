"""Runs the official in-memory Agent Server (`langgraph-api`, installed with
the test extra) as `langgraph dev` runs it, without needing `langgraph-cli`:

    python bench/official_server.py langgraph.json PORT N_JOBS_PER_WORKER

N_JOBS_PER_WORKER `default` leaves the server's own default. Run in the
config's folder: graph paths and local dependencies resolve against it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(config: str, port: int, jobs: str) -> None:
    from langgraph_api.cli import run_server

    project = json.loads(Path(config).read_text())
    cwd = Path.cwd()
    sys.path.append(str(cwd))
    for dep in project.get("dependencies", []):
        if (cwd / dep).is_dir():
            sys.path.append(str(cwd / dep))
    run_server(
        "127.0.0.1",
        port,
        False,
        project.get("graphs", {}),
        n_jobs_per_worker=None if jobs == "default" else int(jobs),
        open_browser=False,
        env=project.get("env"),
        store=project.get("store"),
        auth=project.get("auth"),
        http=project.get("http"),
        webhooks=project.get("webhooks"),
        checkpointer=project.get("checkpointer"),
        server_level=os.environ.get("BENCH_OFFICIAL_LOG_LEVEL", "WARNING"),
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
