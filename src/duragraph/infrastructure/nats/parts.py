"""A stream chunk bigger than the server's payload limit (`max_payload` in its
INFO: 1 MB unless configured) travels as several messages, `Part: i/n` in
their headers, published back to back on the run's subject; the reader joins
them into one chunk whose sequence is its last part's, so that resuming after
a chunk's id skips all of its parts."""

from __future__ import annotations

from nats.aio.msg import Msg

PART_HEADER = "Part"
# The server counts headers in the payload; ours (Event, Part) are far smaller.
HEADERS_ROOM = 4096
_MIN_PART = 1024


def split(
    data: bytes, headers: dict[str, str], max_payload: int
) -> list[tuple[bytes, dict[str, str]]]:
    size = max(max_payload - HEADERS_ROOM, _MIN_PART)
    if len(data) <= size:
        return [(data, headers)]
    pieces = [data[at : at + size] for at in range(0, len(data), size)]
    return [
        (piece, {**headers, PART_HEADER: f"{i}/{len(pieces)}"}) for i, piece in enumerate(pieces)
    ]


class Joiner:
    """Joins parts per subject (one run's publisher sends a chunk's parts in
    order). A chunk missing a part, dropped in a NATS outage as a whole chunk
    can be, is left out."""

    def __init__(self) -> None:
        self._parts: dict[str, list[bytes]] = {}

    def add(self, msg: Msg) -> bytes | None:
        """The whole chunk's data once `msg` completes it; None while parts are missing."""
        part = (msg.headers or {}).get(PART_HEADER)
        if part is None:
            return msg.data
        index, count = (int(n) for n in part.split("/"))
        parts = self._started(msg.subject, index)
        if parts is None:
            return None
        parts.append(msg.data)
        if len(parts) < count:
            return None
        del self._parts[msg.subject]
        return b"".join(parts)

    def _started(self, subject: str, index: int) -> list[bytes] | None:
        if index == 0:
            self._parts[subject] = []
        parts = self._parts.get(subject)
        if parts is None or len(parts) != index:  # an earlier part never came
            self._parts.pop(subject, None)
            return None
        return parts
