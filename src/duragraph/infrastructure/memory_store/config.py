"""The `store` section of langgraph.json: `index` (semantic search) and `ttl`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...application.ports import DEFAULT_SWEEP_MINUTES, TtlPolicy
from ..graphs.config import ConfigError, ProjectConfig
from ..graphs.user_code import is_file_location, load_attribute
from .index import EmbeddingIndex


@dataclass(frozen=True, slots=True)
class StoreConfig:
    ttl: TtlPolicy = field(default_factory=TtlPolicy)
    index: EmbeddingIndex | None = None

    @property
    def sweep_seconds(self) -> float:
        return 60 * self.ttl.sweep_interval_minutes


def load_store_config(config: ProjectConfig) -> StoreConfig:
    raw = config.store or {}
    return StoreConfig(ttl=_ttl(raw.get("ttl")), index=_index(raw.get("index"), config))


def _number(section: dict[str, Any], key: str) -> float | None:
    value = section.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f'"store.ttl.{key}" must be a positive number of minutes')
    return float(value)


def _ttl(raw: Any) -> TtlPolicy:
    if raw is None:
        return TtlPolicy()
    if not isinstance(raw, dict):
        raise ConfigError('"store.ttl" must be an object')
    refresh = raw.get("refresh_on_read", True)
    if not isinstance(refresh, bool):
        raise ConfigError('"store.ttl.refresh_on_read" must be true or false')
    sweep = _number(raw, "sweep_interval_minutes") or DEFAULT_SWEEP_MINUTES
    return TtlPolicy(
        default_ttl=_number(raw, "default_ttl"),
        refresh_on_read=refresh,
        sweep_interval_minutes=sweep,
    )


def _index(raw: Any, config: ProjectConfig) -> EmbeddingIndex | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError('"store.index" must be an object')
    dims, fields = raw.get("dims"), raw.get("fields") or ["$"]
    if isinstance(dims, bool) or not isinstance(dims, int) or dims < 1:
        raise ConfigError('"store.index.dims" must be a positive integer')
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ConfigError('"store.index.fields" must be a list of field paths')
    try:
        return EmbeddingIndex(_embed(raw.get("embed"), config), dims, fields)
    except (ValueError, ImportError) as exc:  # a provider string LangChain cannot resolve
        raise ConfigError(f'"store.index.embed": {exc}') from exc


def _embed(spec: Any, config: ProjectConfig) -> Any:
    if not isinstance(spec, str) or ":" not in spec:
        raise ConfigError(
            '"store.index.embed" must name a function as "./file.py:function" '
            'or a provider model as "openai:text-embedding-3-small"'
        )
    location, _, attr = spec.rpartition(":")
    if not is_file_location(location):
        return spec  # a provider string: LangChain's init_embeddings resolves it
    try:
        return load_attribute(location, attr, config.base_dir)
    except Exception as exc:
        raise ConfigError(
            f"\"store.index.embed\": cannot load '{attr}' from {location}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
