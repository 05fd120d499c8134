"""Drains `webhook_deliveries`: claims due rows (SKIP LOCKED, so several
workers share the work), POSTs each run's payload, and on failure tries
again later with exponential backoff. A claim pushes the row's next attempt
past the request's timeout: if this process dies mid-POST, another (or this
one, restarted) sends it again — at least once."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Callable

import httpx

from ...application.ports import Database
from ..background.loop import every
from .payload import stamped, webhook_payload
from .policy import WebhookPolicy, WebhookRefused, is_relative

log = logging.getLogger(__name__)

_CLAIM = """
UPDATE webhook_deliveries SET attempts = attempts + 1,
    next_attempt_at = now() + make_interval(secs => %s)
WHERE id IN (SELECT id FROM webhook_deliveries
             WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
             ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED)
RETURNING id, run_id, event_id, url, attempts"""

_DELIVERED = """UPDATE webhook_deliveries SET delivered_at = now(), last_status = %s,
    last_error = NULL WHERE id = %s"""

_RETRY = """UPDATE webhook_deliveries SET last_status = %s, last_error = %s,
    next_attempt_at = now() + make_interval(secs => %s),
    failed_at = CASE WHEN %s THEN now() END WHERE id = %s"""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_seconds: float = 1.0
    max_seconds: float = 300.0
    max_attempts: int = 12
    timeout_seconds: float = 10.0

    def delay(self, attempts: int) -> float:
        return min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1))


class Failure(Exception):
    def __init__(self, message: str, status: int | None = None, final: bool = False) -> None:
        super().__init__(message)
        self.status, self.final = status, final


# An HTTP client that this server's own app answers (relative URLs), given a timeout.
InProcess = Callable[[float], httpx.AsyncClient]


class WebhookDeliverer:
    """`in_process`: for relative webhook URLs (this server's own routes)."""

    def __init__(
        self,
        db: Database,
        policy: WebhookPolicy,
        in_process: InProcess,
        retry: RetryPolicy = RetryPolicy(),
        *,
        poll_interval: float = 0.5,
        batch: int = 16,
    ) -> None:
        self.db, self.policy, self.retry = db, policy, retry
        self.poll_interval, self.batch = poll_interval, batch
        self.in_process = in_process

    async def run(self, stop: asyncio.Event) -> None:
        timeout = self.retry.timeout_seconds
        async with httpx.AsyncClient(timeout=timeout) as http, self.in_process(timeout) as local:

            async def round_() -> bool:
                return await self.deliver_due(http, local) > 0

            await every(self.poll_interval, stop, round_, "webhook delivery round")

    async def deliver_due(self, http: httpx.AsyncClient, local: httpx.AsyncClient) -> int:
        rows = await self.db.fetch(_CLAIM, (self.retry.timeout_seconds * 3, self.batch))
        await asyncio.gather(*(self._deliver(http, local, row) for row in rows))
        return len(rows)

    async def _deliver(
        self, http: httpx.AsyncClient, local: httpx.AsyncClient, row: dict[str, Any]
    ) -> None:
        try:
            status = await self._post(local if is_relative(row["url"]) else http, row)
        except Failure as exc:
            final = exc.final or row["attempts"] >= self.retry.max_attempts
            log.warning(
                "webhook for run %s, attempt %s: %s%s",
                row["run_id"],
                row["attempts"],
                exc,
                " (giving up)" if final else "",
            )
            await self.db.execute(
                _RETRY,
                (exc.status, str(exc)[:1000], self.retry.delay(row["attempts"]), final, row["id"]),
            )
        else:
            await self.db.execute(_DELIVERED, (status, row["id"]))

    async def _post(self, http: httpx.AsyncClient, row: dict[str, Any]) -> int:
        try:
            await self.policy.check(row["url"])  # the target may have moved since
        except WebhookRefused as exc:
            raise Failure(str(exc), final=True) from None
        payload = await webhook_payload(self.db, row["run_id"], row["event_id"])
        if payload is None:
            raise Failure("the run's events are gone", final=True)
        body = stamped(payload, self.policy.allowed_fields)
        try:
            response = await http.post(row["url"], json=body, headers=self.policy.headers)
        except httpx.HTTPError as exc:
            raise Failure(f"{type(exc).__name__}: {exc}") from None
        if response.is_success:
            return response.status_code
        # A client error other than a timeout or throttling will not get better.
        final = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise Failure(f"HTTP {response.status_code}", response.status_code, final)
