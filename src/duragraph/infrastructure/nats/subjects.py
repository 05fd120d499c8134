"""Every subject and stream name derives from a deployment prefix, so several
deployments (and every test) can share one NATS server without colliding."""

from __future__ import annotations

import hashlib
import re

_NOT_STREAM_SAFE = re.compile(r"[^A-Za-z0-9_-]")
_SAFE_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,100}")


def stream_name(prefix: str, kind: str) -> str:
    """`duragraph` + `EVENTS` -> `DURAGRAPH_EVENTS`; stream names may not hold dots."""
    return f"{_NOT_STREAM_SAFE.sub('_', prefix).upper()}_{kind}"


def events_stream(prefix: str) -> str:
    return stream_name(prefix, "EVENTS")


def runs_stream(prefix: str) -> str:
    return stream_name(prefix, "RUNS")


def event_subject(prefix: str, event_type: str, *, claimed: bool = False) -> str:
    """`claimed`: a `run.created` whose run an executor took in the same
    transaction goes to `...run.created.claimed`, which dispatch does not pull."""
    return f"{prefix}.events.{event_type}" + (".claimed" if claimed else "")


def all_events(prefix: str) -> str:
    return f"{prefix}.events.>"


def run_subject(prefix: str, run_id: str, thread_id: str) -> str:
    """A run's chunks: `{prefix}.runs.{run}.{thread}`, so that one filter reads
    a run (`runs.{run}.*`) and another a thread across its runs (`runs.*.{thread}`)."""
    return f"{prefix}.runs.{_token(run_id)}.{_token(thread_id)}"


def one_run(prefix: str, run_id: str) -> str:
    return f"{prefix}.runs.{_token(run_id)}.*"


def thread_runs(prefix: str, thread_id: str) -> str:
    return f"{prefix}.runs.*.{_token(thread_id)}"


def _token(value: str) -> str:
    """Ids are UUIDs, but a client may name a thread anything: a name that is
    not a safe subject token is replaced by its digest."""
    if _SAFE_TOKEN.fullmatch(value):
        return value
    return "h" + hashlib.sha256(value.encode()).hexdigest()[:40]


def all_runs(prefix: str) -> str:
    return f"{prefix}.runs.>"
