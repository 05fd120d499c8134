"""Which files are the user's project: what a reload re-imports and watches."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from .config import ProjectConfig
from .user_code import is_file_location, module_file

_DURAGRAPH = Path(__file__).resolve().parents[2]


def project_folders(config: ProjectConfig) -> list[Path]:
    """The project folder, its local `dependencies` and the folders of its
    graph files, without the ones inside another."""
    folders = {config.base_dir, *config.local_dependencies()}
    for spec in config.graphs.values():
        location = spec.rpartition(":")[0]
        if is_file_location(location):
            folders.add(module_file(location, config.base_dir).parent)
    existing = sorted(f.resolve() for f in folders if f.is_dir())
    return [f for f in existing if not any(f != o and f.is_relative_to(o) for o in existing)]


def _installed() -> list[Path]:
    """Installed code (a virtualenv inside the project, site-packages, us):
    never the user's, never re-imported."""
    paths = sysconfig.get_paths()
    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    return [Path(paths[k]).resolve() for k in keys] + [_DURAGRAPH]


_INSTALLED = _installed()


def is_project_file(path: Path, folders: list[Path]) -> bool:
    return (
        any(path.is_relative_to(f) for f in folders)
        and not any(path.is_relative_to(i) for i in _INSTALLED)
        and not {"site-packages", "dist-packages"} & set(path.parts)
    )
