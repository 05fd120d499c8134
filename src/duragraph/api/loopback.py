"""Calls from inside the server to itself, as the official server offers them:
`langgraph_sdk.get_client()` with no URL (in a graph or a custom route) and
relative webhook URLs. Such a request goes through the app in process, under
the root path the SDK's in-process client sets; no network request can set a
root path, so it is trusted as the server's own (no authentication)."""

from __future__ import annotations

import contextlib
import os
import sys
import types
from typing import Any, Iterator, Mapping

import httpx

from .asgi_stream import StreamingASGITransport

ROOT_PATH = "/noauth"
BASE_URL = "http://api"
# While set, a get_client() without URL waits for the app (configure_loopback_transports).
_DEFER = "__LANGGRAPH_DEFER_LOOPBACK_TRANSPORT"
# get_client() looks the app up in the official server's module, and takes
# the official server's transport when that package is installed (it needs
# the official server running): both are ours in this process.
_SERVER_MODULE = "langgraph_api.server"
_TRANSPORT_MODULE = "langgraph_api.asgi_transport"


def in_process(scope: Mapping[str, Any]) -> bool:
    root = scope.get("root_path") or ""
    return root == ROOT_PATH or root.startswith(ROOT_PATH + "/")


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """While the project's code is imported, before the app exists: a client
    it makes then is handed the app by `publish`."""
    _register(_TRANSPORT_MODULE, ASGITransport=StreamingASGITransport)
    from langgraph_sdk._shared.utilities import get_asgi_transport

    get_asgi_transport.cache_clear()
    os.environ[_DEFER] = "true"
    try:
        yield
    finally:
        os.environ.pop(_DEFER, None)


def publish(app: Any) -> None:
    """Make `app` the one get_client() with no URL talks to, from now on and
    for the clients made while it was deferred."""
    from langgraph_sdk.client import configure_loopback_transports

    _register(_SERVER_MODULE, app=app)
    configure_loopback_transports(app)


def _register(name: str, **attrs: Any) -> None:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module


def client(app: Any, timeout: float) -> httpx.AsyncClient:
    """An HTTP client whose requests (relative URLs) `app` answers in process."""
    return httpx.AsyncClient(
        base_url=BASE_URL,
        timeout=timeout,
        transport=StreamingASGITransport(app, root_path=ROOT_PATH),
    )
