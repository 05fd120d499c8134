"""langgraph.json's top-level keys: those DuraGraph reads, those only
LangGraph's image build reads (nothing to do when serving), and those LangGraph
serves from but DuraGraph does not implement. Anything else is a typo or a
setting from another tool, and is named at startup."""
from __future__ import annotations

from typing import Any

READ = frozenset({"graphs", "env", "dependencies", "store", "checkpointer", "http", "auth",
                  "webhooks", "$schema", "description"})
BUILD_ONLY = frozenset({"python_version", "node_version", "api_version", "base_image",
                        "image_distro", "dockerfile_lines", "pip_config_file", "pip_installer",
                        "keep_pkg_tools", "_INTERNAL_docker_tag"})
NOT_IMPLEMENTED = frozenset({"ui", "ui_config", "encryption"})


def key_warnings(raw: dict[str, Any]) -> tuple[str, ...]:
    unknown = sorted(set(raw) - READ - BUILD_ONLY - NOT_IMPLEMENTED)
    ignored = sorted(set(raw) & NOT_IMPLEMENTED)
    warnings = []
    if unknown:
        warnings.append(f"unknown key(s) {', '.join(unknown)}: not langgraph.json settings, "
                        "ignored (a typo?)")
    if ignored:
        warnings.append(f"{', '.join(ignored)}: known to LangGraph but not implemented by "
                        "DuraGraph, ignored")
    return tuple(warnings)
