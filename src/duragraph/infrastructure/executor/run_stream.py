"""What one run publishes to its NATS subject: a `metadata` frame first, its
graph's chunks as SSE frames, an `error` frame if it fails, and the end marker
(`application/run_stream_end.py`)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from ...application.run_stream_end import end_run_stream
from ...domain.statuses import RunStatus
from ..graphs.messages_mode import MessageAccumulator
from ..graphs.serialization import dumps
from ..graphs.stream_modes import event_name, shaped

# (namespace, mode, chunk): one chunk of LangGraph's stream
ChunkPublisher = Callable[[tuple[str, ...], str, Any], Awaitable[None]]


def _frames(
    mode: str,
    chunk: Any,
    api_modes: list[str],
    namespace: tuple[str, ...],
    accumulator: MessageAccumulator | None,
) -> list[tuple[str, Any]]:
    """The (SSE event, payload) pairs one LangGraph chunk becomes."""
    out = [(name, shaped(mode, chunk)) for name in event_name(mode, api_modes, namespace)]
    if mode == "messages" and accumulator is not None:
        suffix = f"|{'|'.join(namespace)}" if namespace else ""
        out += [(name + suffix, payload) for name, payload in accumulator.feed(chunk)]
    return out


class RunStream:
    def __init__(self, streams: Any, run_id: str, thread_id: str) -> None:
        self.streams = streams  # infrastructure.nats.run_streams.RunStreams
        self.run_id, self.thread_id = run_id, thread_id

    async def metadata(self, attempt: int) -> None:
        """Every attempt's stream begins with it, replayed to whoever joins later."""
        await self._publish("metadata", {"run_id": self.run_id, "attempt": attempt})

    def chunks(self, api_modes: list[str], subgraphs_wanted: bool) -> ChunkPublisher:
        """Publishes LangGraph chunks as the frames the API's modes ask for
        (`messages`: tokens accumulated into messages)."""
        streams, run_id, thread_id = self.streams, self.run_id, self.thread_id
        accumulator = MessageAccumulator() if "messages" in api_modes else None

        async def publish(namespace: tuple[str, ...], mode: str, chunk: Any) -> None:
            if namespace and not subgraphs_wanted:
                return
            for name, payload in _frames(mode, chunk, api_modes, namespace, accumulator):
                await streams.publish(run_id, name, dumps(payload), thread_id=thread_id)

        return publish

    async def error(self, error: str, message: str) -> None:
        await self._publish("error", {"error": error, "message": message})

    async def end(self, status: RunStatus) -> None:
        await end_run_stream(self.streams, self.run_id, status, thread_id=self.thread_id)

    async def _publish(self, event: str, payload: Any) -> None:
        await self.streams.publish(self.run_id, event, dumps(payload), thread_id=self.thread_id)
