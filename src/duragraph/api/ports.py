"""What the API needs from the outside world beyond the application's ports
(application/ports.py): bootstrap hands it the infrastructure objects that
have these shapes (api/services.Services)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..application.ports import GraphCatalog, RunStreamEnds, StateEditor, StateReader

if TYPE_CHECKING:
    from langgraph.pregel import Pregel


class GraphBuilder(GraphCatalog, Protocol):
    """The project's graphs (langgraph.json `graphs`), built for a config."""

    async def build(self, graph_id: str, config: dict[str, Any] | None = None) -> Pregel: ...


class ThreadStateView(StateReader, StateEditor, Protocol):
    """A thread's state, history and storage, read through its graph."""

    async def state(
        self,
        thread_id: str,
        graph_id: str | None,
        *,
        checkpoint: dict[str, Any] | None = None,
        subgraphs: bool = False,
        answer: bool = False,
    ) -> dict[str, Any] | None:
        """`answer`: values made JSON for an HTTP answer, not plain types."""

    async def history(
        self,
        thread_id: str,
        graph_id: str | None,
        *,
        limit: int = 10,
        before: Any = None,
        metadata: dict[str, Any] | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]: ...

    async def storage(self, thread_id: str) -> dict[str, Any]: ...


class StreamChunk(Protocol):
    """One stored chunk of a run's stream: `seq` orders all runs' chunks."""

    @property
    def seq(self) -> int: ...

    @property
    def event(self) -> str: ...

    @property
    def data(self) -> bytes: ...


class RunChunks(RunStreamEnds, Protocol):
    """The runs' streamed chunks as stored (in NATS), read back from a
    sequence, and the end marker of a run the API settles itself."""

    def run_batches(
        self, run_id: str, *, after_seq: int = 0
    ) -> AsyncGenerator[Sequence[StreamChunk], None]: ...

    def thread_batches(
        self, thread_id: str, *, after_seq: int
    ) -> AsyncGenerator[Sequence[StreamChunk], None]: ...

    async def stored(self, run_id: str, thread_id: str) -> Sequence[StreamChunk]: ...

    async def first_seq(self, run_id: str) -> int | None: ...

    async def end_seq(self, run_id: str, thread_id: str) -> int | None: ...

    async def run_start_at(self, seq: int) -> int | None: ...

    async def last_seq(self) -> int: ...

    async def wait_end(self, run_id: str, timeout: float | None) -> str | None: ...


class WebhookCheck(Protocol):
    """Refuses a run's webhook URL that langgraph.json `webhooks` does not allow."""

    async def check(self, url: str) -> None: ...
