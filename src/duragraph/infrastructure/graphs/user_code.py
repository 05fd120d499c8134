"""Making the user's project importable and importing what langgraph.json names."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from .config import ProjectConfig


class MissingAttribute(LookupError):
    pass


# The variables the project's `env` set (not the operator): a reload of an
# edited `.env` or langgraph.json may change them again.
_from_project: set[str] = set()


def apply_env(env: dict[str, str]) -> None:
    """The process environment wins, as with `langgraph dev`: a variable set
    by the operator is never overridden by the project's defaults."""
    for key, value in env.items():
        if key not in os.environ or key in _from_project:
            os.environ[key] = value
            _from_project.add(key)


def extend_sys_path(config: ProjectConfig) -> None:
    folders = [config.base_dir]
    for dep in config.local_dependencies():
        folders += [dep, dep / "src"]  # a dependency may use the src/ layout
    for folder in folders:
        if folder.is_dir():
            _append_path(folder)


def is_file_location(location: str) -> bool:
    return "/" in location or "\\" in location or location.endswith(".py")


def module_file(location: str, base_dir: Path) -> Path:
    return (base_dir / location).resolve()


def load_attribute(location: str, attr: str, base_dir: Path) -> Any:
    if is_file_location(location):
        module = import_file(module_file(location, base_dir))
    else:
        module = importlib.import_module(location)
    try:
        return getattr(module, attr)
    except AttributeError:
        names = ", ".join(n for n in vars(module) if not n.startswith("_"))
        raise MissingAttribute(f"no variable '{attr}' (it defines: {names})") from None


def import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    _append_path(path.parent)  # `import sibling` works as when run as a script
    dotted = _package_module_name(path)
    if dotted is not None:
        return _import_package_module(dotted, path)
    return _import_loose_file(path)


def _append_path(folder: Path) -> None:
    entry = str(folder)
    if entry not in sys.path:
        sys.path.append(entry)


def _package_module_name(path: Path) -> str | None:
    """`pkg/sub/mod.py` -> `pkg.sub.mod` when the folders are packages, so the
    module's relative imports (`from . import tools`) resolve."""
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if len(parts) == 1 or not all(p.isidentifier() for p in parts):
        return None
    _append_path(folder)
    return ".".join(parts)


def _import_package_module(dotted: str, path: Path) -> ModuleType:
    module = importlib.import_module(dotted)
    found = getattr(module, "__file__", None)
    if found is None or Path(found).resolve() != path:
        raise ImportError(
            f"'{dotted}' resolves to {found}, not {path}: another package "
            "of the same name shadows the project's"
        )
    return module


def _import_loose_file(path: Path) -> ModuleType:
    # One module per file (not per graph id): graphs declared from the same
    # file share its module-level state, as they would in a normal import.
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    name = f"_duragraph_user_{path.stem if path.stem.isidentifier() else 'graph'}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
