"""The stream cache never answers with a stream it cannot vouch for, and
stays within its memory budget."""

import tracemalloc
from datetime import datetime, timezone

from duragraph.domain.events import ThreadCreated, ThreadUpdated
from duragraph.infrastructure.postgres.stream_cache import StreamCache

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def created(thread_id: str, padding: str = "") -> ThreadCreated:
    return ThreadCreated(at=NOW, thread_id=thread_id, metadata={"pad": padding})


def test_an_append_after_an_unknown_version_forgets_the_stream():
    cache = StreamCache()
    cache.appended("thread-a", 0, [created("a")])
    cache.appended("thread-a", 1, [ThreadUpdated(at=NOW, thread_id="a", metadata={"x": 1})])
    assert [e.name for e in cache.events("thread-a")] == ["thread.created", "thread.updated"]
    cache.appended("thread-a", 2, [])  # a stream read, not written
    cache.appended("thread-a", 2, [ThreadUpdated(at=NOW, thread_id="a", metadata={"y": 2})])
    assert [e.metadata for e in cache.events("thread-a")[1:]] == [{"x": 1}, {"y": 2}]

    cache.appended("thread-a", 5, [ThreadUpdated(at=NOW, thread_id="a", metadata={})])
    assert cache.events("thread-a") is None  # another writer moved it: read the log


def test_loads_build_fresh_events_each_time():
    cache = StreamCache()
    cache.appended("thread-a", 0, [created("a")])
    first = cache.events("thread-a")[0]
    first.metadata["pad"] = "changed by a caller"
    assert cache.events("thread-a")[0].metadata == {"pad": ""}


def test_the_least_recently_used_streams_go_beyond_the_budget():
    cache = StreamCache(max_bytes=3700, max_stream_bytes=2000)  # ~1,200 bytes each
    for name in "abc":
        cache.appended(f"thread-{name}", 0, [created(name, "x" * 900)])
    cache.events("thread-a")  # a is used again: b is now the oldest
    cache.appended("thread-d", 0, [created("d", "x" * 900)])
    assert cache.events("thread-b") is None
    assert all(cache.events(f"thread-{n}") for n in "acd")
    assert cache.size <= 3700
    cache.appended("thread-e", 0, [created("e", "x" * 2500)])  # over one stream's share
    assert cache.events("thread-e") is None


def test_many_small_streams_hold_little_more_memory_than_their_budget():
    """Each entry is counted with its overhead, and kept compact (an orjson
    result alone would keep a 4 KB buffer: 4.3 KB per thread created)."""
    cache = StreamCache(max_bytes=1 << 30)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(2000):
            cache.appended(f"thread-{n:036d}", 0, [created(str(n))])
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < cache.size * 1.5, (held, cache.size)
