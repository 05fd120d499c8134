"""A langgraph.json setting DuraGraph does not implement is named when a
process starts (here a `worker`, which then stops for want of a database)."""

from __future__ import annotations

import json
from pathlib import Path

from captured import cli
from servers import GRAPHS


def test_the_startup_log_names_the_settings_that_are_ignored(tmp_path: Path) -> None:
    config = tmp_path / "langgraph.json"
    config.write_text(
        json.dumps(
            {
                "graphs": {"echo": str(GRAPHS.parent / "echo.py") + ":graph"},
                "ui": {"card": "./card.tsx"},
                "http": {"mount_prefix": "/api"},
                "checkpointer": {"backend": "mongo", "uri": "mongodb://db"},
            }
        )
    )
    done = cli(
        "worker",
        "--config",
        str(config),
        env={"DURAGRAPH_DATABASE_URL": "", "DURAGRAPH_NATS_URL": ""},
    )
    assert done.returncode != 0
    assert (
        "checkpointer.backend, checkpointer.uri, http.mount_prefix, ui: known to LangGraph "
        "but not implemented by DuraGraph, ignored"
    ) in done.stderr, done.stderr
