"""The `store` section of langgraph.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from duragraph.infrastructure.graphs.config import ConfigError, load_config
from duragraph.infrastructure.memory_store.config import load_store_config


def project(tmp_path: Path, store: object) -> Path:
    (tmp_path / "graph.py").write_text("graph = None\n")
    (tmp_path / "embed.py").write_text(
        "def embed(texts):\n    return [[1.0, 0.0] for _ in texts]\n"
    )
    path = tmp_path / "langgraph.json"
    path.write_text(json.dumps({"graphs": {"g": "./graph.py:graph"}, "store": store}))
    return path


async def test_an_index_and_a_ttl_policy_are_read(tmp_path: Path) -> None:
    config = load_store_config(
        load_config(
            project(
                tmp_path,
                {
                    "index": {"embed": "./embed.py:embed", "dims": 2, "fields": ["text"]},
                    "ttl": {
                        "default_ttl": 30,
                        "refresh_on_read": False,
                        "sweep_interval_minutes": 2,
                    },
                },
            )
        )
    )
    assert config.ttl.default_ttl == 30 and config.ttl.refresh_on_read is False
    assert config.sweep_seconds == 120
    assert config.index is not None and config.index.fields == ["text"]
    assert await config.index.embed_query("hi") == [1.0, 0.0]


def test_without_a_store_section_nothing_is_indexed_or_expires(tmp_path: Path) -> None:
    config = load_store_config(load_config(project(tmp_path, None)))
    assert config.index is None and config.ttl.default_ttl is None
    assert config.ttl.refresh_on_read is True


@pytest.mark.parametrize(
    ("store", "words"),
    [
        ({"index": {"embed": "./embed.py:embed"}}, "dims"),
        ({"index": {"embed": "./embed.py:missing", "dims": 2}}, "missing"),
        ({"index": {"embed": "./nowhere.py:embed", "dims": 2}}, "nowhere.py"),
        ({"index": {"embed": 3, "dims": 2}}, "function"),
        ({"index": {"embed": "./embed.py:embed", "dims": 2, "fields": "text"}}, "fields"),
        ({"ttl": {"default_ttl": -1}}, "default_ttl"),
        ({"ttl": {"refresh_on_read": "yes"}}, "refresh_on_read"),
        ({"ttl": 5}, "ttl"),
    ],
)
def test_a_bad_store_section_names_the_problem(tmp_path: Path, store: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_store_config(load_config(project(tmp_path, store)))
