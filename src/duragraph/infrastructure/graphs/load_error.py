"""A failed load of the user's code, said in one line that names the file
and the line to fix (as an editor or a terminal makes it clickable)."""

from __future__ import annotations

import traceback
from pathlib import Path

from .project_files import is_project_file
from .registry import GraphLoadError


def describe(exc: BaseException, config_path: Path, folders: list[Path]) -> str:
    cause = exc.__cause__ or exc
    where = _in_user_code(cause, folders)
    if where is not None:
        what = cause.msg if isinstance(cause, SyntaxError) else str(cause)
        return f"{where}: {type(cause).__name__}: {what}"
    declared = _declared_at(exc, config_path)
    # langgraph.json's own errors already name the file (and the line)
    return f"{declared}: {exc}" if declared else str(exc)


def _in_user_code(cause: BaseException, folders: list[Path]) -> str | None:
    if isinstance(cause, SyntaxError) and cause.filename:
        return f"{cause.filename}:{cause.lineno}"
    frames = [
        f
        for f in traceback.extract_tb(cause.__traceback__)
        if is_project_file(Path(f.filename).resolve(), folders)
    ]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None


def _declared_at(exc: BaseException, config_path: Path) -> str | None:
    """Where langgraph.json names a graph whose module lacks the variable."""
    if not isinstance(exc, GraphLoadError):
        return None
    for number, line in enumerate(config_path.read_text(encoding="utf-8").splitlines(), 1):
        if exc.spec in line:
            return f"{config_path}:{number}"
    return str(config_path)
