"""ARCHITECTURE.md stays true: every module, folder and `module.name` it
points at exists (paths are relative to src/duragraph, or to the repository)."""

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "duragraph"
# `path/to/module.py`, `path/to/folder/`, `path/to/module.attribute`
REFERENCE = re.compile(r"`((?:[a-z_]+/)+[a-z_]+(?:\.py|/|\.[A-Za-z_]+)|[a-z_]+\.py)`")


def _references() -> list[str]:
    return REFERENCE.findall((ROOT / "ARCHITECTURE.md").read_text())


def _missing(reference: str) -> bool:
    if reference.endswith((".py", "/")):
        return not ((PACKAGE / reference).exists() or (ROOT / reference).exists())
    module, name = reference.rsplit(".", 1)
    if not (PACKAGE / f"{module}.py").exists():
        return True
    return not hasattr(importlib.import_module("duragraph." + module.replace("/", ".")), name)


def test_the_architecture_page_names_only_modules_that_exist() -> None:
    references = _references()
    assert len(references) > 40  # the pattern still finds the page's references
    assert [r for r in references if _missing(r)] == []


def _modules(folder: str, *, but: tuple[str, ...]) -> set[str]:
    return {
        f"{folder}/{p.name}"
        for p in (PACKAGE / folder).glob("*.py")
        if p.stem not in ("__init__", *but)
    }


def test_the_background_loops_table_lists_every_module_of_the_background_package() -> None:
    assert _modules("infrastructure/background", but=("loop",)) - set(_references()) == set()


def test_the_concepts_table_lists_every_part_of_the_executor() -> None:
    assert _modules("infrastructure/executor", but=("deps",)) - set(_references()) == set()


def test_only_the_module_the_page_names_writes_a_runs_end_marker() -> None:
    writers = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if re.search(r"\.publish_end\(", p.read_text())
    }
    assert writers == {"application/run_stream_end.py"}
    assert "`application/run_stream_end.end_run_stream`" in (ROOT / "ARCHITECTURE.md").read_text()
