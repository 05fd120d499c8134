"""The user's `langgraph_sdk.Auth` object named by langgraph.json
`auth: {"path": "./auth.py:auth"}`."""

from __future__ import annotations

from typing import Any

from .config import ConfigError, ProjectConfig
from .user_code import load_attribute

AUTH_KEYS = {"path", "disable_studio_auth", "allow_langsmith_api_keys", "openapi", "cache"}


def load_auth_object(config: ProjectConfig) -> Any | None:
    """None without an `auth` section; a bad one is a ConfigError (one line)."""
    section = config.auth
    if section is None:
        return None
    spec = section.get("path")
    location, _, attr = spec.rpartition(":") if isinstance(spec, str) else ("", "", "")
    if not isinstance(spec, str) or not location or not attr.isidentifier():
        raise ConfigError(f'"auth.path": expected "./path/to/auth.py:variable", got {spec!r}')
    if location.endswith((".ts", ".js", ".mts", ".mjs")):
        raise ConfigError(f'"auth.path": {spec} is JavaScript; only Python auth is supported')
    try:
        auth = load_attribute(location, attr, config.base_dir)
    except Exception as exc:
        raise ConfigError(f'"auth.path": cannot load {spec}: {type(exc).__name__}: {exc}') from exc
    return _checked(auth, spec)


def _checked(auth: Any, spec: str) -> Any:
    from langgraph_sdk import Auth

    if not isinstance(auth, Auth):
        raise ConfigError(
            f'"auth.path": {spec} is a {type(auth).__name__}, not a langgraph_sdk.Auth object'
        )
    if auth._authenticate_handler is None:
        raise ConfigError(f'"auth.path": {spec} has no @auth.authenticate handler')
    return auth
