"""`GET /metrics` as the official server serves it: Prometheus text by
default, JSON with `?format=json`."""

from __future__ import annotations

from typing import Any

from ..application.queries import metrics as q
from ..application.queries.workers import live_workers
from .services import Services

PREFIX = "lg_api_"


async def snapshot(s: Services) -> dict[str, Any]:
    """`workers`: the live ones' heartbeats (this process's too, in `dev`)."""
    return {
        "queue": await q.queue_stats(s.db),
        "runs": await q.runs_by_status(s.db),
        "workers": await live_workers(s.db),
    }


def prometheus(figures: dict[str, Any]) -> str:
    queue = figures["queue"]
    lines = _gauge("num_pending_runs", "Runs waiting to start", queue["n_pending"])
    lines += _gauge("num_running_runs", "Runs executing now", queue["n_running"])
    lines += _gauge(
        "pending_runs_wait_time_max",
        "Longest wait of a pending run, seconds",
        queue["pending_runs_wait_time_max_secs"] or 0,
    )
    lines += _gauge(
        "pending_runs_wait_time_med",
        "Median wait of pending runs, seconds",
        queue["pending_runs_wait_time_med_secs"] or 0,
    )
    lines += [f"# HELP {PREFIX}runs Runs by status", f"# TYPE {PREFIX}runs gauge"]
    lines += [f'{PREFIX}runs{{status="{status}"}} {n}' for status, n in figures["runs"].items()]
    for key, value in figures["workers"].items():
        lines += _gauge(f"workers_{key}", _WORKER_HELP[key], value)
    return "\n".join(lines) + "\n"


_WORKER_HELP = {
    "alive": "Live worker processes (a heartbeat in the last few seconds)",
    "max": "Run slots of the live workers",
    "active": "Run slots in use",
    "available": "Run slots free",
}


def _gauge(name: str, help_text: str, value: float) -> list[str]:
    return [
        f"# HELP {PREFIX}{name} {help_text}",
        f"# TYPE {PREFIX}{name} gauge",
        f"{PREFIX}{name} {value}",
    ]
