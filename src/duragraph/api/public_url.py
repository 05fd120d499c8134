"""The base URL of the links this server returns (the A2A agent card's `url`).

It comes from configuration (DURAGRAPH_PUBLIC_URL, as clients reach us through
a proxy) or else from the address the server is bound to; never from the
request's Host header, which any client chooses (a card read with
`Host: evil.example` must not send its readers there)."""

from __future__ import annotations

import socket

_ANY_ADDRESS = frozenset({"", "0.0.0.0", "::"})


def public_url(configured: str | None, host: str, port: int) -> str:
    if configured:
        return configured.rstrip("/")
    if host in _ANY_ADDRESS:  # bound to every interface: the machine's name reaches one
        host = socket.gethostname()
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"
