"""What a graph run yields: `(namespace, mode, chunk)` triples.

Without the `events` mode this is `astream(subgraphs=True)`. With it the graph
runs under `astream_events(version="v2")`: the root's own `on_chain_stream`
events carry the stream-mode triples, every other event is an `events` chunk
(LangChain's astream_events v2 payload)."""

from __future__ import annotations

from typing import Any, AsyncIterator

Triple = tuple[tuple[str, ...], str, Any]
_HIDDEN = "langsmith:hidden"


async def graph_chunks(
    graph: Any,
    graph_input: Any,
    config: dict[str, Any],
    modes: list[str],
    events: bool,
    **options: Any,
) -> AsyncIterator[Triple]:
    if not events:
        async for triple in graph.astream(
            graph_input, config, stream_mode=modes, subgraphs=True, **options
        ):
            yield triple
        return
    root: str | None = None
    async for event in graph.astream_events(
        graph_input, config, version="v2", stream_mode=modes, subgraphs=True, **options
    ):
        if root is None and not event.get("parent_ids"):
            root = event["run_id"]
        if event["event"] == "on_chain_stream" and event["run_id"] == root:
            namespace, mode, chunk = event["data"]["chunk"]
            yield tuple(namespace), mode, chunk
        elif _HIDDEN not in (event.get("tags") or ()):
            yield (), "events", event
