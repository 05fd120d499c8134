"""langgraph.json's keys: those DuraGraph reads, those only LangGraph's image
build reads (nothing to do when serving), and those LangGraph serves from but
DuraGraph does not implement (named at startup, and in the README). Any
other top-level key is a typo or a setting from another tool, and is named
at startup too."""

from __future__ import annotations

from typing import Any

READ = frozenset(
    {
        "graphs",
        "env",
        "dependencies",
        "store",
        "checkpointer",
        "http",
        "auth",
        "webhooks",
        "$schema",
        "description",
    }
)
BUILD_ONLY = frozenset(
    {
        "python_version",
        "node_version",
        "api_version",
        "base_image",
        "image_distro",
        "dockerfile_lines",
        "pip_config_file",
        "pip_installer",
        "keep_pkg_tools",
        "_INTERNAL_docker_tag",
    }
)
# Dotted paths into the file; keep the README's list in step.
NOT_IMPLEMENTED = (
    "ui",
    "ui_config",
    "encryption",
    "http.mount_prefix",
    "http.middleware_order",
    "http.enable_custom_route_auth",
    "http.logging_headers",
    "http.disable_webhooks",
    "store.path",
    "checkpointer.path",
    "checkpointer.backend",
    "checkpointer.uri",
    "checkpointer.serde",
    "checkpointer.ttl.sweep_limit",
    "auth.openapi",
    "auth.cache",
    "auth.allow_langsmith_api_keys",
    "webhooks.env_prefix",
)
# What these keys may say and mean what DuraGraph does anyway.
_SAME_AS_OURS = {
    "checkpointer.backend": "default",
    "http.middleware_order": "middleware_first",
    "http.enable_custom_route_auth": False,
    "http.disable_webhooks": False,
    "auth.allow_langsmith_api_keys": False,
}


def key_warnings(raw: dict[str, Any]) -> tuple[str, ...]:
    unknown = sorted(set(raw) - READ - BUILD_ONLY - set(NOT_IMPLEMENTED))
    ignored = sorted(key for key in NOT_IMPLEMENTED if _set(raw, key)) + _templates(raw)
    warnings = []
    if unknown:
        warnings.append(
            f"unknown key(s) {', '.join(unknown)}: not langgraph.json settings, ignored (a typo?)"
        )
    if ignored:
        warnings.append(
            f"{', '.join(ignored)}: known to LangGraph but not implemented by DuraGraph, ignored"
        )
    return tuple(warnings)


def _set(raw: dict[str, Any], dotted: str) -> bool:
    section: Any = raw
    *parents, key = dotted.split(".")
    for parent in parents:
        section = section.get(parent) if isinstance(section, dict) else None
    if not isinstance(section, dict) or section.get(key) is None:
        return False
    return section[key] != _SAME_AS_OURS.get(dotted)


def _templates(raw: dict[str, Any]) -> list[str]:
    """`${{ env.VAR }}` in webhook headers: sent as written, not resolved."""
    webhooks = raw.get("webhooks")
    headers = webhooks.get("headers") if isinstance(webhooks, dict) else None
    if isinstance(headers, dict) and any("${{" in str(v) for v in headers.values()):
        return ["webhooks.headers templates (${{ env.VAR }})"]
    return []
