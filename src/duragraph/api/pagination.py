"""The official server's paging headers; the SDK reads X-Pagination-Next when
asked for `response_format="object"`."""

from __future__ import annotations

from typing import Any

from .responses import JSON


def paged(rows: list[Any], next_offset: int | None, offset: int) -> JSON:
    if next_offset is None:
        headers = {"X-Pagination-Total": str(len(rows) + offset)}
    else:  # the total is unknown beyond the next page; as the official server says
        headers = {
            "X-Pagination-Total": str(next_offset + 1),
            "X-Pagination-Next": str(next_offset),
        }
    return JSON(rows, headers=headers)
