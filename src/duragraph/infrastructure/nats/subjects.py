"""Every subject and stream name derives from a deployment prefix, so several
deployments (and every test) can share one NATS server without colliding."""
from __future__ import annotations

import re

_NOT_STREAM_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def stream_name(prefix: str, kind: str) -> str:
    """`duragraph` + `EVENTS` -> `DURAGRAPH_EVENTS`; stream names may not hold dots."""
    return f"{_NOT_STREAM_SAFE.sub('_', prefix).upper()}_{kind}"


def events_stream(prefix: str) -> str:
    return stream_name(prefix, "EVENTS")


def runs_stream(prefix: str) -> str:
    return stream_name(prefix, "RUNS")


def event_subject(prefix: str, event_type: str) -> str:
    return f"{prefix}.events.{event_type}"


def all_events(prefix: str) -> str:
    return f"{prefix}.events.>"


def run_subject(prefix: str, run_id: str) -> str:
    return f"{prefix}.runs.{run_id}"


def all_runs(prefix: str) -> str:
    return f"{prefix}.runs.>"
