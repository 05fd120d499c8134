"""What `pip install` gets: the distribution `duragraph-server` (`duragraph`
on PyPI is another project's SDK) holding the `duragraph` package and
command, under the Apache-2.0 license, at the version the server reports."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import duragraph

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """Built from a copy: setuptools leaves build/ and *.egg-info where it builds."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
    )
    [built] = out.glob("*.whl")
    return zipfile.ZipFile(built)


def _dist_file(wheel: zipfile.ZipFile, name: str) -> str:
    [path] = [n for n in wheel.namelist() if n.endswith(f".dist-info/{name}")]
    return wheel.read(path).decode()


def test_the_distribution_is_duragraph_server_at_the_servers_version(wheel) -> None:
    metadata = Parser().parsestr(_dist_file(wheel, "METADATA"))
    assert metadata["Name"] == "duragraph-server"
    assert metadata["Version"] == duragraph.__version__


def test_it_is_apache_licensed_with_the_license_text_inside(wheel) -> None:
    metadata = Parser().parsestr(_dist_file(wheel, "METADATA"))
    assert metadata["License-Expression"] == "Apache-2.0"
    assert "Apache License" in _dist_file(wheel, "licenses/LICENSE")


def test_the_package_and_the_command_keep_the_name_duragraph(wheel) -> None:
    names = wheel.namelist()
    assert "duragraph/cli.py" in names and "duragraph/__init__.py" in names
    assert any(n.startswith("duragraph/infrastructure/postgres/migrations/") for n in names)
    assert "duragraph = duragraph.cli:main" in _dist_file(wheel, "entry_points.txt")
