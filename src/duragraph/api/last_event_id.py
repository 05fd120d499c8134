"""`Last-Event-ID`: where a client resumes a stream. Our event ids are stream
sequences, positive 64-bit integers; `-` or `-1` asks for everything."""

from __future__ import annotations

import re

from ..domain.errors import InvalidInput
from .bounds import MAX_POSITION

FROM_START = ("-", "-1")
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: "²".isdigit() holds


def resume_after(header: str | None) -> int | None:
    """The sequence to resume after; 0 from the start; None when none was given."""
    if not header:
        return None
    if header in FROM_START:
        return 0
    if not _DIGITS.fullmatch(header) or int(header) > MAX_POSITION:
        shown = header if len(header) <= 40 else header[:37] + "..."
        raise InvalidInput(
            f"Last-Event-ID {shown!r} is not an event id: expected a "
            f"number up to {MAX_POSITION}, or '-' for the whole stream"
        )
    return int(header)
