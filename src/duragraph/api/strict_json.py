"""What JSON may carry into the server: no NUL character (PostgreSQL text and
jsonb cannot hold one), no lone surrogate (not encodable as UTF-8), no integer
outside signed 64 bits and no non-finite number (jsonb and the drivers refuse
them). Python's json module accepts all of these, so a value that passed
validation would fail deep inside a write; checked here, the client learns
which field is wrong.

The check is cheap when there is nothing to find (a few microseconds a
kilobyte): substring searches of the raw bytes for what could introduce such
a value; only a hit parses the document, to name the field."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterator

# What could introduce a bad value: `\u0000` and `\ud800`-`\udfff` escapes,
# NaN/Infinity literals, runs of 19+ digits (2**63 has 19) and 3-digit
# exponents (1e400 parses as inf). A hit in a string's text (an escaped
# backslash, a long numeric id) costs one parse, nothing more.
ESCAPES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
LITERALS = (b"NaN", b"Infinity")
# Digits, exponent letters and signs as 9, e and +: then numbers are found with
# substring searches (a regular expression over every byte is 5 times slower).
NUMBER_SHAPES = bytes(
    0x39 if c in b"0123456789" else 0x65 if c in b"eE" else 0x2B if c in b"+-" else 0x20
    for c in range(256)
)
LONG_NUMBERS = (b"9" * 19, b"e999", b"e+999")
INT64 = range(-(2**63), 2**63)

Path = tuple[str | int, ...]


def problem_in_bytes(body: bytes) -> tuple[Path, str] | None:
    """Where `body` breaks the rules and how; None when it does not, or when
    it is no JSON at all (the route that reads it says so)."""
    if not _suspect(body):
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return problem_in(document)


def _suspect(body: bytes) -> bool:
    if ESCAPES.search(body) or any(literal in body for literal in LITERALS):
        return True
    shapes = body.translate(NUMBER_SHAPES)
    return any(number in shapes for number in LONG_NUMBERS)


def problem_in(document: Any) -> tuple[Path, str] | None:
    """The first value of a parsed document that breaks the rules."""
    for path, value, is_key in _walk(document):
        message = _wrong(value)
        if message is not None:
            return path, f"key {message}" if is_key else message
    return None


def describe(path: Path, message: str) -> str:
    """`metadata.foo: NUL character not allowed` (`body: ...` for the whole);
    a bad key is shown escaped, never echoed raw."""
    return f"{'.'.join(map(_shown, path)) or 'body'}: {message}"


def _shown(part: str | int) -> str:
    text = str(part)
    return text if _wrong_text(text) is None else ascii(text)[1:-1]


def text_problem(text: str) -> str | None:
    """What is wrong with a string taken from a URL or a header, if anything."""
    return _wrong(text)


def _walk(document: Any) -> Iterator[tuple[Path, Any, bool]]:
    """(path, value, whether the value is an object key) for every leaf and key."""
    # Iterative: a document deep enough to parse must not overflow the stack here.
    stack: list[tuple[Path, Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                yield (*path, key), key, True
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
        else:
            yield path, value, False


def _wrong(value: Any) -> str | None:
    if isinstance(value, str):
        return _wrong_text(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value not in INT64:
        return "integer outside the signed 64-bit range"
    if isinstance(value, float) and not math.isfinite(value):
        return "number not finite (NaN, Infinity or out of range)"
    return None


def _wrong_text(text: str) -> str | None:
    if "\x00" in text:
        return "NUL character not allowed"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "lone surrogate (invalid Unicode) not allowed"
    return None
