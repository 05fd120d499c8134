"""langgraph.json `http.configurable_headers`: which request headers a run
gets in its `configurable`, as the official server chooses them: none by default;
`includes` patterns (literal names and `*`) admit, `excludes` remove.
Credentials never pass."""

from __future__ import annotations

import functools
import re
from typing import Any, Iterable

NEVER = frozenset({"authorization", "x-api-key", "x-service-key", "x-tenant-id"})


def _pattern(text: str) -> re.Pattern[str]:
    # Literals and `*` only: no user regex, so no catastrophic backtracking.
    return re.compile("(?s:" + ".*".join(re.escape(p) for p in text.lower().split("*")) + r")\Z")


class HeaderPolicy:
    def __init__(self, section: dict[str, Any] | None = None) -> None:
        section = section or {}
        self.includes = [
            _pattern(p) for p in section.get("includes") or section.get("include") or []
        ]
        self.excludes = [
            _pattern(p) for p in section.get("excludes") or section.get("exclude") or []
        ]
        self.admits = functools.lru_cache(maxsize=512)(self._admits)

    @classmethod
    def from_http(cls, http: dict[str, Any] | None) -> "HeaderPolicy":
        return cls((http or {}).get("configurable_headers"))

    def _admits(self, name: str) -> bool:
        if name in NEVER:
            return False
        if any(p.match(name) for p in self.excludes):
            return False
        return any(p.match(name) for p in self.includes)

    def pick(self, headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
        if not self.includes:
            return {}
        picked = {}
        for raw_name, raw_value in headers:
            name = raw_name.decode("latin-1").lower()
            if self.admits(name):
                picked[name] = raw_value.decode("latin-1")
        return picked
