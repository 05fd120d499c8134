"""What a run's graph finds in `config["metadata"]` about the server that runs
it, under the official server's keys: nodes, callbacks and the `messages`
stream's metadata carry them."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from ... import __version__


def server_metadata(api_url: str | None) -> dict[str, Any]:
    """`api_url`: where clients reach this server (None if a worker is not told)."""
    return {
        "langgraph_version": version("langgraph"),
        "langgraph_api_version": __version__,
        # Every feature is on here, as on the official server's open build.
        "langgraph_plan": "enterprise",
        "langgraph_host": "self-hosted",
        "langgraph_api_url": api_url,
    }
