"""The request log's line: status, level and the ids a request concerns."""

from __future__ import annotations

import asyncio
import logging

import pytest

from duragraph.api.request_log import RequestLog, ids

THREAD = "6f1c2a9e-0000-4000-8000-000000000001"
RUN = "1ef0a7b2-0000-4000-8000-000000000002"


def test_ids_come_from_the_path_and_the_content_location():
    assert ids(f"/threads/{THREAD}/runs", f"/threads/{THREAD}/runs/{RUN}") == {
        "thread_id": THREAD,
        "run_id": RUN,
    }
    assert ids("/assistants/search", "") == {}


def _served(status: int | None, path: str, caplog) -> logging.LogRecord:
    async def app(scope, receive, send):
        if status is not None:
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    async def send(message):
        pass

    scope = {"type": "http", "method": "GET", "path": path}
    with caplog.at_level(logging.DEBUG, logger="duragraph.requests"):
        asyncio.run(RequestLog(app)(scope, None, send))
    [record] = caplog.records
    return record


@pytest.mark.parametrize(
    "status, path, level",
    [
        (200, f"/threads/{THREAD}", logging.INFO),
        (404, "/threads/x", logging.WARNING),
        (500, "/runs", logging.ERROR),
        (200, "/ok", logging.DEBUG),
        (None, "/runs/wait", logging.WARNING),
    ],
)
def test_one_line_per_request_at_a_level_by_status(status, path, level, caplog):
    record = _served(status, path, caplog)
    assert record.levelno == level
    assert record.status == (status or 499)  # no answer: the client went away
    assert record.getMessage().startswith(f"GET {path} {status or 499} ")
