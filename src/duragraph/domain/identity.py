"""Who acts: the authenticated user a request carries inward, and the actor
recorded on every event it causes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


class AuthUser(Mapping[str, Any]):
    """The user as handlers and graphs see it: attribute access (`user.identity`,
    `user.org_id`) and mapping access (`user["org_id"]`) over the fields the
    authenticate handler returned, as the official server's ProxyUser gives."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        identity = fields.get("identity")
        if not isinstance(identity, str):
            raise ValueError("a user needs a string 'identity'")
        data = dict(fields)
        data.setdefault("display_name", identity)
        data.setdefault("is_authenticated", True)
        data["permissions"] = list(data.get("permissions") or [])
        object.__setattr__(self, "_fields", data)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("AuthUser is read-only")

    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"AuthUser({self._fields['identity']!r})"

    def __reduce__(self) -> tuple[Any, ...]:  # checkpoints may pickle a config
        return (AuthUser, (self._fields,))

    def dict(self) -> dict[str, Any]:
        return dict(self._fields)

    @property
    def identity(self) -> str:
        return self._fields["identity"]

    @property
    def permissions(self) -> list[str]:
        return self._fields["permissions"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused an event: a user (by identity; "" when no auth is configured)
    or the system (`by` names which part: cron, sweeper, recovery, executor,
    startup), perhaps on behalf of a user."""

    identity: str | None = None
    by: str | None = None
    on_behalf_of: str | None = None

    def to_metadata(self) -> dict[str, Any]:
        if self.by is None:
            return {"actor": {"kind": "user", "identity": self.identity or ""}}
        actor: dict[str, Any] = {"kind": "system", "by": self.by}
        if self.on_behalf_of is not None:
            actor["on_behalf_of"] = self.on_behalf_of
        return {"actor": actor}


ANONYMOUS = Actor(identity="")
