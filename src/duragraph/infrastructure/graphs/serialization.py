"""JSON for stream chunks and state values: LangChain messages, interrupts,
dataclasses and pydantic models become plain JSON."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from pydantic import BaseModel

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _default(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if hasattr(obj, "_asdict"):
        return obj._asdict()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, (UUID, datetime)):
        return str(obj)
    if hasattr(obj, "to_json"):
        return obj.to_json()
    return repr(obj)


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default, option=_OPTIONS)


def to_jsonable(obj: Any) -> Any:
    """A deep copy in plain JSON types, for event data and projections."""
    return orjson.loads(dumps(obj))


def fragment(obj: Any) -> orjson.Fragment:
    """`obj` as JSON now, to be placed as it is in an answer dumped later
    (`dumps`): no plain copy is made of it in between, as `to_jsonable`
    would (on a long chat's state, most of a read's JSON work)."""
    return orjson.Fragment(dumps(obj))
