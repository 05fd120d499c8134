"""Thread and run ids are UUIDv7: time-ordered, as the official server's."""

import time
import uuid

from duragraph.domain.ids import new_id


def test_ids_are_version_7_and_sort_in_the_order_they_were_made():
    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    parsed = uuid.UUID(ids[0])
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)


def test_an_id_starts_with_the_millisecond_it_was_made():
    before = time.time_ns() // 1_000_000
    made = int(uuid.UUID(new_id()).hex[:12], 16)
    assert before <= made <= time.time_ns() // 1_000_000 + 1
