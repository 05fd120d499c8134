"""Static API keys, each mapped to an identity, read from the environment.

`DURAGRAPH_API_KEYS`: comma-separated `key=identity` entries; a bare `key`
gets an identity of its own derived from the key (`key-<12 hex>`).
`DURAGRAPH_API_KEYS_FILE`: a text file, one `key [identity]` per line
(whitespace-separated); blank lines and `#` comments are skipped.
Both may be set; their keys are merged. Keys may not contain `=`, `,` or
whitespace (`secrets.token_urlsafe()` makes good ones)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

ENV_KEYS = "DURAGRAPH_API_KEYS"
ENV_FILE = "DURAGRAPH_API_KEYS_FILE"

Compare = Callable[[bytes, bytes], bool]


class ApiKeysError(ValueError):
    pass


def parse_env(text: str) -> list[tuple[str, str]]:
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    return [
        _pair(*_split_env(entry), f"{ENV_KEYS} entry {number}")
        for number, entry in enumerate(entries, 1)
    ]


def _split_env(entry: str) -> tuple[str, str | None]:
    key, sep, identity = entry.partition("=")
    return key.strip(), identity.strip() if sep else None


def parse_file(text: str, source: str) -> list[tuple[str, str]]:
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) > 2:
            raise ApiKeysError(
                f"{source}:{number}: expected `key [identity]`, got {len(fields)} fields"
            )
        pairs.append(
            _pair(fields[0], fields[1] if len(fields) == 2 else None, f"{source}:{number}")
        )
    return pairs


def _pair(key: str, identity: str | None, where: str) -> tuple[str, str]:
    if not key:
        raise ApiKeysError(f"{where}: empty key")
    if identity is None:
        return key, anonymous_identity(key)
    if not identity or "." in identity:
        # The identity prefixes store namespaces, whose labels cannot hold dots.
        raise ApiKeysError(f"{where}: identity must be non-empty and without '.', got {identity!r}")
    return key, identity


def anonymous_identity(key: str) -> str:
    """Stable per key, and reveals nothing usable about it."""
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:12]


class KeyRing:
    """Finds a presented key's identity in constant time: the key is hashed
    (so lengths don't leak) and compared with *every* configured key, with no
    early exit, so timing reveals neither which key matched nor how many exist."""

    def __init__(self, pairs: Iterable[tuple[str, str]], compare: Compare = hmac.compare_digest):
        self._entries = [(_digest(key), identity) for key, identity in _unique(pairs)]
        self._compare = compare

    def __len__(self) -> int:
        return len(self._entries)

    def identity_of(self, key: str) -> str | None:
        presented = _digest(key)
        found = None
        for digest, identity in self._entries:
            if self._compare(presented, digest):
                found = identity
        return found

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> KeyRing:
        pairs = parse_env(environ.get(ENV_KEYS, ""))
        if path := environ.get(ENV_FILE):
            pairs += parse_file(_read(path), path)
        if not pairs:
            raise ApiKeysError(
                f"no API keys configured: set {ENV_KEYS} (key=identity,...) "
                f"or {ENV_FILE} (a file of `key identity` lines)"
            )
        return cls(pairs)


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def _unique(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    pairs = list(pairs)
    seen: set[str] = set()
    for key, identity in pairs:
        if key in seen:
            raise ApiKeysError(f"the key of identity {identity!r} is configured twice")
        seen.add(key)
    return pairs


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise ApiKeysError(f"{ENV_FILE}: cannot read {path}: {exc.strerror}") from None
