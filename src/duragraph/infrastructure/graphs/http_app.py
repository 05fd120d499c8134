"""The user's own Starlette/FastAPI app named by langgraph.json
`http: {"app": "./app.py:app"}`."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from .config import ConfigError, ProjectConfig
from .user_code import load_attribute


def load_http_app(config: ProjectConfig) -> Starlette | None:
    spec = (config.http or {}).get("app")
    if spec is None:
        return None
    location, _, attr = spec.rpartition(":") if isinstance(spec, str) else ("", "", "")
    if not location or not attr.isidentifier():
        raise ConfigError(f'"http.app": expected "./path/to/file.py:variable", got {spec!r}')
    try:
        app: Any = load_attribute(location, attr, config.base_dir)
    except Exception as exc:
        raise ConfigError(f'"http.app": cannot load {spec}: {type(exc).__name__}: {exc}') from exc
    if not isinstance(app, Starlette):
        raise ConfigError(
            f'"http.app": {spec} is a {type(app).__name__}, not a Starlette or FastAPI application'
        )
    return app
