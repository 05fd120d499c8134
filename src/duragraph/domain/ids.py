"""New ids for threads and runs: UUIDv7 (RFC 9562), time-ordered as the
official server's, so that sorting by id sorts by creation."""

from __future__ import annotations

import os
import threading
import time
import uuid

_COUNTER_BITS = 42  # RFC 9562 §6.2 method 1: 12 bits of rand_a + 30 of rand_b
_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> uuid.UUID:
    """Within one millisecond the counter goes up by one, so ids made in this
    process are strictly increasing."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, _fresh_counter()
        else:  # same millisecond (or the clock stepped back): count on
            _counter += 1
            if _counter >> _COUNTER_BITS:
                _last_ms, _counter = _last_ms + 1, _fresh_counter()
        ms, counter = _last_ms, _counter
    tail = int.from_bytes(os.urandom(4))
    value = (
        (ms & 0xFFFF_FFFF_FFFF) << 80
        | 0x7 << 76
        | (counter >> 30) << 64
        | 0b10 << 62
        | (counter & 0x3FFF_FFFF) << 32
        | tail
    )
    return uuid.UUID(int=value)


def new_id() -> str:
    return str(uuid7())


def _fresh_counter() -> int:
    """Random, with its top bit clear: room to count before it overflows."""
    return int.from_bytes(os.urandom(6)) & ((1 << (_COUNTER_BITS - 1)) - 1)
