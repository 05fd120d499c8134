"""`duragraph events tail`: follow the domain events JetStream holds."""

from __future__ import annotations

from typing import Any, AsyncIterator

import orjson
from nats.js import JetStreamContext

from .ordered import stream_messages
from .subjects import all_events, events_stream


async def tail_events(
    js: JetStreamContext, prefix: str, *, from_start: bool
) -> AsyncIterator[dict[str, Any]]:
    """Relayed events in stream order (each once, even if it was re-published),
    from the oldest retained one or from now on; endless."""
    async for msg in stream_messages(
        js, events_stream(prefix), all_events(prefix), new_only=not from_start
    ):
        yield orjson.loads(msg.data)
