"""Which webhook URLs a run may name: `webhooks.url` in langgraph.json, with
the official server's keys. Loopback and private targets are refused unless
the project allows them (`disable_loopback` / `disable_private_ips`: false)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ...domain.errors import InvalidInput

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookRefused(InvalidInput):
    pass


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    allowed_domains: tuple[str, ...] = ()  # "api.example.com" or "*.example.com"
    allowed_ports: tuple[int, ...] = ()
    max_url_length: int = 4096
    require_https: bool = False
    disable_loopback: bool = True
    disable_private_ips: bool = True
    headers: dict[str, str] = field(default_factory=dict)  # sent with every POST
    allowed_fields: tuple[str, ...] = ()  # the payload keys sent; empty: all

    @classmethod
    def from_config(cls, section: dict[str, Any] | None) -> "WebhookPolicy":
        section = section or {}
        url = section.get("url") or {}
        return cls(
            allowed_domains=tuple(d.strip().lower() for d in url.get("allowed_domains") or ()),
            allowed_ports=tuple(int(p) for p in url.get("allowed_ports") or ()),
            max_url_length=int(url.get("max_url_length", 4096)),
            require_https=bool(url.get("require_https", False)),
            disable_loopback=bool(url.get("disable_loopback", True)),
            disable_private_ips=bool(url.get("disable_private_ips", True)),
            headers={str(k): str(v) for k, v in (section.get("headers") or {}).items()},
            allowed_fields=tuple(section.get("allowed_fields") or ()),
        )

    async def check(self, url: str) -> None:
        """Raise WebhookRefused (a 422 at the edge) naming why `url` may not be called."""
        if len(url) > self.max_url_length:
            raise WebhookRefused(f"webhook URL is longer than {self.max_url_length} characters")
        if is_relative(url):
            self._check_relative()
            return
        host, port = self._check_shape(url)
        for ip in await _addresses(host, port):
            self._check_address(host, ip)

    def _check_relative(self) -> None:
        """A relative URL is one of this server's own routes, called in process
        with no authentication: only when the project allows loopback."""
        if self.disable_loopback:
            raise WebhookRefused(
                "a relative webhook URL calls this server itself, unauthenticated; set "
                "webhooks.url.disable_loopback to false in langgraph.json to allow it"
            )

    def _check_shape(self, url: str) -> tuple[str, int]:
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise WebhookRefused(f"webhook URL is malformed: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise WebhookRefused(f"webhook must be an absolute http(s) URL, got '{url}'")
        if self.require_https and parts.scheme != "https":
            raise WebhookRefused("webhook must use https")
        if self.allowed_ports and port not in self.allowed_ports:
            raise WebhookRefused(f"webhook port {port} is not allowed")
        host = parts.hostname.lower()
        if self.allowed_domains and not any(_matches(host, d) for d in self.allowed_domains):
            raise WebhookRefused(f"webhook domain '{host}' is not allowed")
        return host, port

    def _check_address(self, host: str, ip: IP) -> None:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            if self.disable_loopback:
                raise WebhookRefused(
                    f"webhook host '{host}' is a loopback address; set "
                    "webhooks.url.disable_loopback to false in langgraph.json to allow it"
                )
        elif self.disable_private_ips and not ip.is_global:
            raise WebhookRefused(
                f"webhook host '{host}' is a private address; set "
                "webhooks.url.disable_private_ips to false in langgraph.json to allow it"
            )


def is_relative(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


def _matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


async def _addresses(host: str, port: int) -> list[IP]:
    """The host's addresses; none when it does not resolve (it is checked
    again before each delivery)."""
    if host == "localhost" or host.endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1")]
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=5
        )
    except (OSError, asyncio.TimeoutError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
