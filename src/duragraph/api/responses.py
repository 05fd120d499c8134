from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from ..infrastructure.graphs.serialization import dumps


class JSON(JSONResponse):
    """orjson-encoded responses; datetimes, messages and models included."""

    def render(self, content: Any) -> bytes:
        return dumps(content)
