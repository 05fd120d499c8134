"""A webhook receiver on 127.0.0.1 for the tests: it records every POST and
answers 500 to the first `failures` of them."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.attempts: list[dict[str, Any]] = []  # every POST, failed ones too
        self.delivered: list[dict[str, Any]] = []  # those answered 2xx
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(receiver._record(body, dict(self.headers)))
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> int:
        with self._lock:
            self.attempts.append(body)
            self.headers.append(headers)
            if len(self.attempts) <= self.failures:
                return 500
            self.delivered.append(body)
            return 200

    def __enter__(self) -> "Receiver":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    async def wait_delivered(self, count: int = 1, timeout: float = 30) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.delivered) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert len(self.delivered) >= count, f"{len(self.attempts)} attempts, none delivered"
        return self.delivered

    async def wait_attempts(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.attempts) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert len(self.attempts) >= count, f"{len(self.attempts)} attempts"
