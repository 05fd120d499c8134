"""Channel values decoded for an answer that ends as JSON (thread state,
history): LangChain messages come back as the field dicts they were
serialized from, which is what dumping them again gives, instead of being
rebuilt as pydantic objects (most of a long chat's state read). Everything
else is decoded by the serializer's own hook (its allowlist included)."""

from __future__ import annotations

from typing import Any, Callable

import ormsgpack
from langgraph.checkpoint.base import SerializerProtocol
from langgraph.checkpoint.serde.jsonplus import EXT_PYDANTIC_V2, JsonPlusSerializer

_MESSAGES = "langchain_core.messages"


def loads_for_json(serde: SerializerProtocol, type_: str, blob: bytes) -> Any:
    inner: Callable[[int, bytes], Any] | None = getattr(serde, "_unpack_ext_hook", None)
    if type_ != "msgpack" or not isinstance(serde, JsonPlusSerializer) or inner is None:
        return serde.loads_typed((type_, blob))

    def hook(code: int, data: bytes) -> Any:
        if code == EXT_PYDANTIC_V2:
            module, _name, fields, *_ = ormsgpack.unpackb(
                data, ext_hook=hook, option=ormsgpack.OPT_NON_STR_KEYS
            )
            if module.startswith(_MESSAGES):
                return fields
        return inner(code, data)

    return ormsgpack.unpackb(blob, ext_hook=hook, option=ormsgpack.OPT_NON_STR_KEYS)
