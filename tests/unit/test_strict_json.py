"""The strict JSON check names the first value PostgreSQL could not store,
and lets everything else through (surrogate pairs, long numeric strings,
64-bit integers at their limits, text that merely looks like an escape)."""

from __future__ import annotations

import pytest

from duragraph.api.strict_json import describe, problem_in_bytes


def _problem(body: str) -> str | None:
    found = problem_in_bytes(body.encode())
    return None if found is None else describe(*found)


@pytest.mark.parametrize(
    "body, expected",
    [
        ('{"metadata": {"foo": "a\\u0000b"}}', "metadata.foo: NUL character not allowed"),
        ('{"m": {"a\\u0000": 1}}', "m.a\\x00: key NUL character not allowed"),
        ('{"x": [1, "\\ud800"]}', "x.1: lone surrogate (invalid Unicode) not allowed"),
        ('{"x": "\\uDC00 alone"}', "x: lone surrogate (invalid Unicode) not allowed"),
        ('{"n": 9223372036854775808}', "n: integer outside the signed 64-bit range"),
        ('{"n": -9223372036854775809}', "n: integer outside the signed 64-bit range"),
        ('{"n": [NaN]}', "n.0: number not finite (NaN, Infinity or out of range)"),
        ('{"n": -Infinity}', "n: number not finite (NaN, Infinity or out of range)"),
        ('{"n": 1e400}', "n: number not finite (NaN, Infinity or out of range)"),
        ('"\\u0000"', "body: NUL character not allowed"),
    ],
)
def test_a_value_postgresql_cannot_store_is_named(body: str, expected: str) -> None:
    assert _problem(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        '{"emoji": "\\ud83d\\ude00"}',
        '{"text": "a backslash then u0000: \\\\u0000"}',
        '{"id": "12345678901234567890123"}',
        '{"high": 9223372036854775807, "low": -9223372036854775808}',
        '{"small": 1e-400, "big": 1.5e300, "word": "Infinity and NaN, in a string"}',
        '{"truncated": "\\u0000',  # not JSON: the route says so, not this check
    ],
)
def test_everything_else_passes(body: str) -> None:
    assert _problem(body) is None


def _nested(depth: int) -> str:
    return '{"a":' * depth + '"\\u0000"' + "}" * depth


def test_a_deep_document_is_walked_to_its_bottom() -> None:
    assert _problem(_nested(500)) == "a." * 499 + "a: NUL character not allowed"


def test_a_document_too_deep_to_parse_is_left_to_the_route() -> None:
    assert _problem(_nested(100_000)) is None  # no RecursionError escapes
