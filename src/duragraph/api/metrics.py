"""`GET /metrics` as the official server serves it: Prometheus text by
default, JSON with `?format=json`."""
from __future__ import annotations

from typing import Any

from ..application.queries import metrics as q
from .services import Services

PREFIX = "lg_api_"


async def snapshot(s: Services) -> dict[str, Any]:
    figures: dict[str, Any] = {"queue": await q.queue_stats(s.db),
                               "runs": await q.runs_by_status(s.db)}
    if s.executor is not None:
        figures["workers"] = s.executor.workers()
    return figures


def prometheus(figures: dict[str, Any]) -> str:
    queue = figures["queue"]
    lines = _gauge("num_pending_runs", "Runs waiting to start", queue["n_pending"])
    lines += _gauge("num_running_runs", "Runs executing now", queue["n_running"])
    lines += _gauge("pending_runs_wait_time_max", "Longest wait of a pending run, seconds",
                    queue["pending_runs_wait_time_max_secs"] or 0)
    lines += _gauge("pending_runs_wait_time_med", "Median wait of pending runs, seconds",
                    queue["pending_runs_wait_time_med_secs"] or 0)
    lines += [f"# HELP {PREFIX}runs Runs by status", f"# TYPE {PREFIX}runs gauge"]
    lines += [f'{PREFIX}runs{{status="{status}"}} {n}' for status, n in figures["runs"].items()]
    for key, value in figures.get("workers", {}).items():
        lines += _gauge(f"workers_{key}", f"Run slots of this process: {key}", value)
    return "\n".join(lines) + "\n"


def _gauge(name: str, help_text: str, value: float) -> list[str]:
    return [f"# HELP {PREFIX}{name} {help_text}", f"# TYPE {PREFIX}{name} gauge",
            f"{PREFIX}{name} {value}"]
