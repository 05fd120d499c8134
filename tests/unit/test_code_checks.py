"""The lint, the format and the type check are part of the suite: any finding fails it.
Their configuration is pyproject.toml's [tool.ruff] and [tool.mypy]; both run
with the test environment's own executables (the `test` extra installs them)
and keep their caches in the repository's ignored .ruff_cache/ and .mypy_cache/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # not resolved: a venv's python is a symlink


def _clean(tool: str, *args: str) -> None:
    """Fails with the tool's findings, if it has any."""
    executable = BIN / tool
    assert executable.exists(), f"no {tool} beside {sys.executable}: pip install -e '.[test]'"
    done = subprocess.run(
        [str(executable), *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join((tool, *args))}:\n{done.stdout}{done.stderr}", pytrace=False)


def test_ruff_finds_nothing_in_the_code_the_tests_or_the_benchmarks() -> None:
    _clean("ruff", "check", "--output-format", "concise", "src", "tests", "bench")


def test_the_code_is_formatted_as_ruff_formats_it() -> None:
    _clean("ruff", "format", "--check", "src", "tests", "bench")


def test_mypy_finds_nothing_in_the_package() -> None:
    _clean("mypy")  # what and how: [tool.mypy]
