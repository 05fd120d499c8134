"""Per-run chunk streams: what SSE clients read, live or replayed.

Chunks go to `{prefix}.runs.{run_id}.{thread_id}`, captured by the
`{PREFIX}_RUNS` stream; a chunk's id is its stream sequence, unique and
increasing across all runs (so across a thread's runs too), and kept on disk
for the stream's retention (so a reader resumes after a restart). A chunk
over the server's payload limit is stored in parts (see parts.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass
from collections.abc import AsyncGenerator
from typing import Any

import nats.js.errors
import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from .errors import NATS_ERRORS
from .ordered import READER_BUFFER_BYTES, stream_batches
from .pacing import Backoff
from .parts import Joiner, split
from .subjects import one_run, run_subject, runs_stream, thread_runs

log = logging.getLogger(__name__)

EVENT_HEADER = "Event"
END = "end"


@dataclass(frozen=True, slots=True)
class Chunk:
    seq: int
    event: str
    data: bytes
    time_ms: int = 0  # when NATS stored it


class RunStreams:
    def __init__(
        self,
        nc: Client,
        js: JetStreamContext,
        prefix: str,
        *,
        end_retry_s: float = 30.0,
        reader_buffer_bytes: int = READER_BUFFER_BYTES,
    ) -> None:
        self.nc, self.js, self.prefix = nc, js, prefix
        self.stream = runs_stream(prefix)
        self.end_retry_s = end_retry_s
        self.reader_buffer_bytes = reader_buffer_bytes
        self._drops: dict[str, int] = {}  # run id -> chunks NATS refused

    async def publish(self, run_id: str, event: str, data: bytes, *, thread_id: str) -> None:
        # Core publish, no ack round trip per chunk: one connection keeps the
        # order, and the acknowledged end marker vouches for all before it.
        subject = run_subject(self.prefix, run_id, thread_id)
        try:
            for part, headers in split(data, {EVENT_HEADER: event}, self.nc.max_payload):
                await self.nc.publish(subject, part, headers=headers)
        except NATS_ERRORS as exc:
            # A long NATS outage fills the client's reconnect buffer. The run
            # must go on (its state is in PostgreSQL): drop the chunk, say so.
            self._dropped(run_id, exc)

    def _dropped(self, run_id: str, exc: BaseException) -> None:
        count = self._drops.get(run_id, 0)
        self._drops[run_id] = count + 1
        if count == 0:
            log.warning(
                "run %s: stream chunks are being dropped (%s: %s)", run_id, type(exc).__name__, exc
            )

    async def publish_end(self, run_id: str, status: str, *, thread_id: str) -> None:
        """Stored and acknowledged, retried for `end_retry_s`; the same
        Nats-Msg-Id on every retry so a retry cannot store a second end."""
        dropped = self._drops.pop(run_id, 0)
        if dropped:
            log.warning("run %s: %d stream chunks were dropped", run_id, dropped)
        headers = {EVENT_HEADER: END, "Nats-Msg-Id": f"end-{run_id}-{uuid.uuid4().hex}"}
        data = orjson.dumps({"run_id": run_id, "status": status})
        deadline, backoff = time.monotonic() + self.end_retry_s, Backoff()
        while True:
            try:
                await self.js.publish(
                    run_subject(self.prefix, run_id, thread_id),
                    data,
                    headers=headers,
                    stream=self.stream,
                )
                return
            except NATS_ERRORS as exc:
                if time.monotonic() >= deadline:
                    raise
                delay = backoff.next()
                log.warning(
                    "run %s: end marker not stored (%s: %s); retrying in %.1fs",
                    run_id,
                    type(exc).__name__,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)

    async def subscribe(self, run_id: str, *, after_seq: int = 0) -> AsyncGenerator[Chunk, None]:
        """The run's chunks after `after_seq`, replayed then live, up to and
        including the `end` chunk."""
        async with contextlib.aclosing(self.run_batches(run_id, after_seq=after_seq)) as batches:
            async for batch in batches:
                for chunk in batch:
                    yield chunk

    async def run_batches(
        self, run_id: str, *, after_seq: int = 0
    ) -> AsyncGenerator[list[Chunk], None]:
        """`subscribe` in batches: the chunks that had arrived together."""
        async with contextlib.aclosing(
            self._read(one_run(self.prefix, run_id), after_seq)
        ) as batches:
            async for batch in batches:
                ends = [i for i, chunk in enumerate(batch) if chunk.event == END]
                yield batch[: ends[0] + 1] if ends else batch
                if ends:
                    return

    def thread_batches(
        self, thread_id: str, *, after_seq: int
    ) -> AsyncGenerator[list[Chunk], None]:
        """The chunks of all the thread's runs after `after_seq`, replayed then
        live, without end, in batches."""
        return self._read(thread_runs(self.prefix, thread_id), after_seq)

    async def first_seq(self, run_id: str) -> int | None:
        """The sequence of the run's first chunk, if it has one."""
        try:
            msg = await self.js.get_msg(
                self.stream, seq=1, subject=one_run(self.prefix, run_id), next=True
            )
        except nats.js.errors.NotFoundError:
            return None
        return msg.seq

    async def last_seq_of(self, run_id: str, thread_id: str) -> int | None:
        """The sequence of the run's newest stored chunk, if it has one."""
        msg = await self._last(run_id, thread_id)
        return msg.seq if msg is not None else None

    async def end_seq(self, run_id: str, thread_id: str) -> int | None:
        """The sequence of the run's end marker, once it is stored."""
        msg = await self._last(run_id, thread_id)
        if msg is None or (msg.headers or {}).get(EVENT_HEADER) != END:
            return None
        return msg.seq

    async def _last(self, run_id: str, thread_id: str) -> Any:
        try:
            return await self.js.get_last_msg(
                self.stream, run_subject(self.prefix, run_id, thread_id)
            )
        except nats.js.errors.NotFoundError:
            return None

    async def stored(self, run_id: str, thread_id: str) -> list[Chunk]:
        """The run's chunks stored so far (a snapshot: it does not wait)."""
        last = await self.last_seq_of(run_id, thread_id)
        if last is None:
            return []
        out: list[Chunk] = []
        async with contextlib.aclosing(self.subscribe(run_id)) as chunks:
            async for chunk in chunks:
                out.append(chunk)
                if chunk.seq >= last:
                    break
        return out

    async def run_start_at(self, seq: int) -> int | None:
        """The first sequence of the run whose chunk is stored at `seq`."""
        try:
            msg = await self.js.get_msg(self.stream, seq=seq)
            subject = (msg.subject or "").rsplit(".", 1)[0] + ".*"  # runs.{run}.*
            first = await self.js.get_msg(self.stream, seq=1, subject=subject, next=True)
        except nats.js.errors.NotFoundError:
            return None
        return first.seq

    async def last_seq(self) -> int:
        """The newest sequence stored: reading after it gives only what comes next."""
        return (await self.js.stream_info(self.stream)).state.last_seq

    async def _read(self, subject: str, after_seq: int) -> AsyncGenerator[list[Chunk], None]:
        last, joiner = after_seq, Joiner()
        # Room for two of the largest messages NATS accepts (see ordered.py).
        buffer_bytes = max(self.reader_buffer_bytes, 2 * self.nc.max_payload)
        async with contextlib.aclosing(
            stream_batches(
                self.js, self.stream, subject, after_seq=after_seq, buffer_bytes=buffer_bytes
            )
        ) as batches:
            async for msgs in batches:
                chunks = []
                for msg in msgs:
                    seq = msg.metadata.sequence.stream
                    if seq <= last:  # a recreated ordered consumer may repeat
                        continue
                    last, data = seq, joiner.add(msg)
                    if data is not None:
                        chunks.append(_chunk(msg, data))
                if chunks:
                    yield chunks

    async def wait_end(self, run_id: str, timeout: float | None) -> str | None:
        """The run's end status, or None if it has not ended within `timeout`.
        If NATS is unreachable this waits out the timeout (callers poll
        PostgreSQL, the truth, in between)."""
        try:
            async with asyncio.timeout(timeout):
                try:
                    return await self._wait_end(one_run(self.prefix, run_id))
                except NATS_ERRORS as exc:
                    if timeout is None:
                        raise
                    log.warning(
                        "run %s: cannot watch for its end: %s: %s", run_id, type(exc).__name__, exc
                    )
                    await asyncio.sleep(timeout)
        except TimeoutError:
            if timeout is None:
                raise
        return None

    async def _wait_end(self, subject: str) -> str:
        sub = await self.nc.subscribe(subject)  # core: live ends, no consumer
        try:
            await self.nc.flush()  # subscribed before looking at what is stored
            stored = await self._stored_end(subject)
            return stored if stored is not None else await _next_end(sub)
        finally:
            await sub.unsubscribe()

    async def _stored_end(self, subject: str) -> str | None:
        try:
            msg = await self.js.get_last_msg(self.stream, subject)
        except nats.js.errors.NotFoundError:
            return None
        return _status(msg.data) if (msg.headers or {}).get(EVENT_HEADER) == END else None


async def _next_end(sub: Subscription) -> str:
    while True:
        msg = await sub.next_msg(timeout=None)
        if (msg.headers or {}).get(EVENT_HEADER) == END:
            return _status(msg.data)


def _chunk(msg: Msg, data: bytes) -> Chunk:
    """`msg`: the chunk's last (or only) part; `data`: all of its parts'."""
    event = (msg.headers or {}).get(EVENT_HEADER, "message")
    stored = msg.metadata.timestamp
    return Chunk(
        seq=msg.metadata.sequence.stream,
        event=event,
        data=data,
        time_ms=int(stored.timestamp() * 1000) if stored else 0,
    )


def _status(data: bytes | None) -> str:
    return str(orjson.loads(data or b"{}").get("status", "unknown"))
