"""Importing the user's code afresh, all or nothing.

Python imports a module once: without forgetting the project's modules, a
reload would hand back the code already loaded, and an edited helper module
would keep its old version behind a re-imported graph module.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterator

from .project_files import is_project_file


def _project_modules(folders: list[Path]) -> dict[str, ModuleType]:
    found = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and is_project_file(Path(file).resolve(), folders):
            found[name] = module
    return found


@contextlib.contextmanager
def fresh_modules(folders: list[Path]) -> Iterator[None]:
    """Imports inside load the project's modules from their files again. If
    they fail, the previous modules come back, so that the code still serving
    (and any import it makes later) sees what it was loaded with."""
    previous = _project_modules(folders)
    for name in previous:
        del sys.modules[name]
    importlib.invalidate_caches()  # files created since the last import are found
    try:
        yield
    except BaseException:
        for name in _project_modules(folders):
            del sys.modules[name]
        sys.modules.update(previous)
        raise
