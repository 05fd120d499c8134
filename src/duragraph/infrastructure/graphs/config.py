"""`langgraph.json`, read the way LangGraph users write it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from .config_keys import key_warnings

JS_SUFFIXES = (".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".tsx", ".jsx")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class ProjectConfig:
    base_dir: Path
    graphs: dict[str, str]  # graph_id -> "./path/file.py:attr" or "module.path:attr"
    env: dict[str, str] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)
    store: dict[str, Any] | None = None
    checkpointer: dict[str, Any] | None = None
    http: dict[str, Any] | None = None
    webhooks: dict[str, Any] | None = None
    auth: dict[str, Any] | None = None
    descriptions: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # what the user may want to fix; nothing stops the server

    def local_dependencies(self) -> list[Path]:
        """Dependencies that are folders of this project (pip names are not)."""
        return [
            (self.base_dir / dep).resolve()
            for dep in self.dependencies
            if dep.startswith((".", "/"))
        ]


def load_config(path: Path) -> ProjectConfig:
    path = Path(path).resolve()
    raw = _read_json(path)
    problem = _Problem(path)
    graphs, descriptions = _graphs(raw.get("graphs"), problem)
    return ProjectConfig(
        base_dir=path.parent,
        graphs=graphs,
        env=_env(raw.get("env"), path.parent, problem),
        dependencies=_dependencies(raw.get("dependencies"), problem),
        store=_section(raw, "store", problem),
        checkpointer=_section(raw, "checkpointer", problem),
        http=_section(raw, "http", problem),
        webhooks=_section(raw, "webhooks", problem),
        auth=_section(raw, "auth", problem),
        descriptions=descriptions,
        warnings=tuple(f"{path}: {warning}" for warning in key_warnings(raw)),
    )


class _Problem:
    """Builds ConfigErrors that name the file, so the user knows where to look."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {message}")


def _read_json(path: Path) -> dict[str, Any]:
    problem = _Problem(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise problem("file not found") from None
    except OSError as exc:
        raise problem(f"cannot read the file ({exc.strerror})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise problem(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise problem("expected a JSON object at the top level")
    return raw


def _graphs(raw: Any, problem: _Problem) -> tuple[dict[str, str], dict[str, str]]:
    if not isinstance(raw, dict) or not raw:
        raise problem('no graphs: add a "graphs" object such as {"agent": "./agent.py:graph"}')
    graphs: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for graph_id, entry in raw.items():
        graphs[graph_id] = _graph_spec(graph_id, entry, problem)
        if isinstance(entry, dict) and isinstance(entry.get("description"), str):
            descriptions[graph_id] = entry["description"]
    return graphs, descriptions


def _graph_spec(graph_id: str, entry: Any, problem: _Problem) -> str:
    spec = entry.get("path") if isinstance(entry, dict) else entry
    if not isinstance(spec, str):
        raise problem(
            f'graph \'{graph_id}\': expected "./file.py:attr", "module:attr" '
            f'or an object with a "path" key, got {json.dumps(entry)}'
        )
    location, _, attr = spec.rpartition(":")
    if not location or not attr.isidentifier():
        raise problem(
            f"graph '{graph_id}': '{spec}' does not name a variable; expected "
            '"./path/to/file.py:variable" or "package.module:variable"'
        )
    if location.endswith(JS_SUFFIXES):
        raise problem(
            f"graph '{graph_id}': '{spec}' is a JavaScript graph; only Python graphs are supported"
        )
    return spec


def _env(raw: Any, base_dir: Path, problem: _Problem) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        return _env_file(base_dir / raw, problem)
    if isinstance(raw, dict):
        return {str(k): _env_value(k, v, problem) for k, v in raw.items()}
    raise problem('"env" must be a path to a .env file or an object of variables')


def _env_file(path: Path, problem: _Problem) -> dict[str, str]:
    if not path.is_file():
        raise problem(f'"env" names {path}, which is not a file')
    return {k: v or "" for k, v in dotenv_values(path).items()}


def _env_value(key: str, value: Any, problem: _Problem) -> str:
    if isinstance(value, (dict, list)):
        raise problem(f'"env": variable {key} must be a string, got {json.dumps(value)}')
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _dependencies(raw: Any, problem: _Problem) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
        raise problem('"dependencies" must be a list of strings such as ["."]')
    return list(raw)


def _section(raw: dict[str, Any], key: str, problem: _Problem) -> dict[str, Any] | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, dict):
        raise problem(f'"{key}" must be an object')
    return value
