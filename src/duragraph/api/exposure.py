"""The startup warning for a server without auth that others can reach."""

from __future__ import annotations

import ipaddress
from typing import Any


def is_loopback(bind_host: str) -> bool:
    try:
        return ipaddress.ip_address(bind_host.strip("[]")).is_loopback
    except ValueError:  # a name
        return bind_host == "localhost" or bind_host.endswith(".localhost")


def auth_configured(auth: dict[str, Any] | None) -> bool:
    """langgraph.json's `auth` names a handler."""
    return bool((auth or {}).get("path"))


def exposure_warning(
    bind_host: str, *, auth: dict[str, Any] | None, allowed_hosts: tuple[str, ...]
) -> str | None:
    if auth_configured(auth) or is_loopback(bind_host):
        return None
    until = (
        ""
        if allowed_hosts
        else ("; until then, requests addressed to any name but localhost are refused (400)")
    )
    return (
        f"serving on {bind_host} with no auth configured: anyone who can reach this port "
        "can read and change everything; configure auth in langgraph.json "
        '("auth": {"path": "./auth.py:auth"}) and set DURAGRAPH_ALLOWED_HOSTS (or '
        f"--allowed-hosts) to the names clients use to reach this server{until}"
    )
