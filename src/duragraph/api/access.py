"""Authorization where each operation starts: the auth handler's verdict for
(resource, action, value), and for an operation on one thread, assistant or
cron, a miss answered as the official server does (404: an invisible
resource reads as a missing one)."""

from __future__ import annotations

from typing import Any

from ..application.queries.visibility import visibility
from ..domain.errors import AlreadyExists, DomainError, NotFound
from .auth.authorize import Filter
from .services import Services

KINDS = {"threads": "thread", "assistants": "assistant", "crons": "cron"}


class NotFoundConflict(AlreadyExists):
    """A miss the official server answers with 409 (the source of a thread
    copy: `fetchone(..., not_found_code=409)`), though it reads as not found."""

    def __init__(self, kind: str, ident: str) -> None:
        DomainError.__init__(self, f"{kind} '{ident}' not found")


async def authorize(s: Services, resource: str, action: str, value: Any) -> Filter | None:
    return await s.auth.authorize(resource, action, value)


async def require(
    s: Services,
    resource: str,
    action: str,
    ident: str,
    value: dict[str, Any] | None = None,
    miss: type[DomainError] = NotFound,
) -> Filter | None:
    """Authorize an operation on one existing resource; a filter miss raises
    `miss` (NotFound, or AlreadyExists where the official server answers 409)."""
    kind = KINDS[resource]
    flt = await s.auth.authorize(
        resource, action, value if value is not None else {f"{kind}_id": ident}
    )
    if flt is not None and await visibility(s.db, resource, ident, flt) is False:
        raise miss(kind, ident)
    return flt


async def require_new(s: Services, resource: str, ident: str | None, flt: Filter | None) -> None:
    """Creating under an id that exists but is not the caller's: 409, as upstream."""
    if ident and flt is not None and await visibility(s.db, resource, ident, flt) is False:
        raise AlreadyExists(KINDS[resource], ident)
