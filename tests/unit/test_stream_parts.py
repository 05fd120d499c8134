"""Splitting a stream chunk into parts under a payload limit and joining them."""

from __future__ import annotations

from nats.aio.msg import Msg

from duragraph.infrastructure.nats.parts import HEADERS_ROOM, Joiner, split

PART = 1024
LIMIT = HEADERS_ROOM + PART


def _msgs(data: bytes, subject: str = "runs.a.t") -> list[Msg]:
    return [
        Msg(None, subject=subject, data=part, headers=headers)
        for part, headers in split(data, {"Event": "values"}, LIMIT)
    ]


def _joined(msgs: list[Msg]) -> list[bytes]:
    joiner = Joiner()
    return [data for msg in msgs if (data := joiner.add(msg)) is not None]


def test_a_chunk_within_the_limit_is_one_message_without_parts() -> None:
    [(data, headers)] = split(b"x" * 10, {"Event": "values"}, LIMIT)
    assert (data, headers) == (b"x" * 10, {"Event": "values"})


def test_a_bigger_chunk_is_split_into_parts_leaving_room_for_headers() -> None:
    data = b"a" * PART + b"b" * PART + b"c" * PART + b"!"
    parts = split(data, {"Event": "values"}, LIMIT)
    assert [p for p, _ in parts] == [b"a" * PART, b"b" * PART, b"c" * PART, b"!"]
    assert [h for _, h in parts] == [{"Event": "values", "Part": f"{i}/4"} for i in range(4)]


def test_parts_join_into_the_chunk() -> None:
    data = b"".join(b"%04d" % i for i in range(PART))
    assert _joined(_msgs(b"before") + _msgs(data) + _msgs(b"after")) == [b"before", data, b"after"]


def test_a_chunk_missing_a_part_is_left_out_and_the_next_one_is_whole() -> None:
    broken = _msgs(b"a" * (3 * PART + 5))
    del broken[1]
    whole = b"b" * (2 * PART + 5)
    assert _joined(broken + _msgs(whole) + _msgs(b"c")) == [whole, b"c"]


def test_parts_of_two_runs_interleaved_join_separately() -> None:
    one, two = _msgs(b"1" * (2 * PART + 1), "runs.1.t"), _msgs(b"2" * (2 * PART + 1), "runs.2.t")
    mixed = [m for pair in zip(one, two, strict=True) for m in pair]
    assert _joined(mixed) == [b"1" * (2 * PART + 1), b"2" * (2 * PART + 1)]
