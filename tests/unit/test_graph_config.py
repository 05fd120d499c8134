import json
from pathlib import Path
from typing import Any

import pytest

from duragraph.infrastructure.graphs.config import ConfigError, load_config


def write_config(folder: Path, content: Any) -> Path:
    path = folder / "langgraph.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_graph_files_and_modules_are_read_as_written(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, {"graphs": {"agent": "./src/agent.py:graph", "other": "my_pkg.graphs:make"}}
    )
    config = load_config(path)
    assert config.base_dir == tmp_path.resolve()
    assert config.graphs == {"agent": "./src/agent.py:graph", "other": "my_pkg.graphs:make"}
    assert (
        config.env,
        config.dependencies,
        config.store,
        config.checkpointer,
        config.http,
        config.webhooks,
    ) == ({}, [], None, None, None, None)


def test_a_graph_entry_may_be_an_object_with_a_path_and_a_description(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {"graphs": {"agent": {"path": "./agent.py:graph", "description": "Answers questions"}}},
    )
    config = load_config(path)
    assert config.graphs == {"agent": "./agent.py:graph"}
    assert config.descriptions == {"agent": "Answers questions"}


def test_env_may_name_a_dotenv_file_next_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / ".env").write_text("API_KEY=secret\n# a comment\nMODE='fast'\nEMPTY=\n")
    path = write_config(tmp_path, {"graphs": {"a": "./a.py:g"}, "env": "./conf/.env"})
    assert load_config(path).env == {"API_KEY": "secret", "MODE": "fast", "EMPTY": ""}


def test_env_may_be_an_object_and_its_values_become_strings(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, {"graphs": {"a": "./a.py:g"}, "env": {"NAME": "x", "RETRIES": 3, "DEBUG": True}}
    )
    assert load_config(path).env == {"NAME": "x", "RETRIES": "3", "DEBUG": "true"}


def test_local_dependencies_resolve_against_the_config_folder(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {"graphs": {"a": "./a.py:g"}, "dependencies": [".", "./libs/tools", "langchain-openai"]},
    )
    config = load_config(path)
    assert config.dependencies == [".", "./libs/tools", "langchain-openai"]
    assert config.local_dependencies() == [tmp_path.resolve(), (tmp_path / "libs/tools").resolve()]


def test_store_checkpointer_http_and_webhooks_sections_are_kept_as_written(tmp_path: Path) -> None:
    sections = {
        "store": {"index": {"dims": 3}},
        "checkpointer": {"ttl": {"default_ttl": 60}},
        "http": {"cors": {"allow_origins": ["*"]}},
        "webhooks": {"env_prefix": "HOOK_"},
    }
    config = load_config(write_config(tmp_path, {"graphs": {"a": "./a.py:g"}, **sections}))
    assert (config.store, config.checkpointer, config.http, config.webhooks) == tuple(
        sections.values()
    )


def test_a_missing_file_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.json: file not found"):
        load_config(tmp_path / "nowhere.json")


def test_invalid_json_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, '{\n  "graphs": {"a": "./a.py:g",}\n}')
    with pytest.raises(ConfigError, match=r"langgraph\.json: invalid JSON at line 2"):
        load_config(path)


@pytest.mark.parametrize("content", [{}, {"graphs": {}}, {"graphs": ["./a.py:g"]}, []])
def test_a_config_without_graphs_is_rejected(tmp_path: Path, content: Any) -> None:
    with pytest.raises(ConfigError, match=r"langgraph\.json: (no graphs|expected a JSON object)"):
        load_config(write_config(tmp_path, content))


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("./agent.py", "does not name a variable"),
        ("./agent.py:", "does not name a variable"),
        (42, "expected"),
        ({"description": "no path"}, "expected"),
        ("./src/agent.ts:graph", "JavaScript"),
    ],
)
def test_a_bad_graph_entry_names_the_graph_and_the_problem(
    tmp_path: Path, entry: Any, problem: str
) -> None:
    path = write_config(tmp_path, {"graphs": {"agent": entry}})
    with pytest.raises(ConfigError, match=rf"langgraph\.json: graph 'agent': .*{problem}"):
        load_config(path)


def test_an_env_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"graphs": {"a": "./a.py:g"}, "env": ".env"})
    with pytest.raises(ConfigError, match=r'"env" names .*\.env, which is not a file'):
        load_config(path)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("env", ["A=1"]),
        ("env", {"A": {"nested": 1}}),
        ("dependencies", "."),
        ("dependencies", [1]),
        ("store", "memory"),
    ],
)
def test_sections_of_the_wrong_shape_are_errors(tmp_path: Path, key: str, value: Any) -> None:
    path = write_config(tmp_path, {"graphs": {"a": "./a.py:g"}, key: value})
    with pytest.raises(ConfigError, match=rf'langgraph\.json: "{key}"'):
        load_config(path)


def test_auth_is_read_as_an_object(tmp_path: Path) -> None:
    auth = {"path": "./auth.py:auth", "disable_studio_auth": True}
    path = write_config(tmp_path, {"graphs": {"a": "./a.py:g"}, "auth": auth})
    assert load_config(path).auth == auth
    with pytest.raises(ConfigError, match='"auth" must be an object'):
        load_config(write_config(tmp_path, {"graphs": {"a": "./a.py:g"}, "auth": "./auth.py"}))


def test_unknown_and_unimplemented_keys_are_named_apart(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {
            "graphs": {"a": "./a.py:g"},
            "grpahs": {},
            "cors": {},
            "ui": {"a": "./ui.tsx"},
            "encryption": {"path": "./e.py:e"},
            "python_version": "3.12",
            "dockerfile_lines": [],
        },
    )
    unknown, unimplemented = load_config(path).warnings
    assert unknown.startswith(f"{path.resolve()}: unknown key(s) cors, grpahs:")
    assert (
        f"{path.resolve()}: encryption, ui: known to LangGraph but not implemented" in unimplemented
    )


def test_unimplemented_settings_inside_sections_are_named(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {
            "graphs": {"a": "./a.py:g"},
            "http": {"mount_prefix": "/api", "middleware_order": "auth_first", "cors": {}},
            "checkpointer": {"backend": "mongo", "ttl": {"strategy": "delete", "sweep_limit": 5}},
            "auth": {"path": "./auth.py:auth", "openapi": {}},
            "webhooks": {"headers": {"X-Token": "${{ env.LG_WEBHOOK_TOKEN }}"}},
        },
    )
    (unimplemented,) = load_config(path).warnings
    assert unimplemented == (
        f"{path.resolve()}: auth.openapi, checkpointer.backend, checkpointer.ttl.sweep_limit, "
        "http.middleware_order, http.mount_prefix, webhooks.headers templates "
        "(${{ env.VAR }}): known to LangGraph but not implemented by DuraGraph, ignored"
    )


def test_settings_that_say_what_duragraph_does_are_not_named(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {
            "graphs": {"a": "./a.py:g"},
            "checkpointer": {"backend": "default"},
            "http": {"middleware_order": "middleware_first", "disable_webhooks": False},
            "webhooks": {"headers": {"X-Static": "v"}},
        },
    )
    assert load_config(path).warnings == ()


def test_a_config_of_known_keys_has_no_warnings(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {
            "$schema": "https://example/schema.json",
            "graphs": {"a": "./a.py:g"},
            "dependencies": ["."],
            "http": {},
            "auth": {"path": "./auth.py:auth"},
            "python_version": "3.12",
            "image_distro": "wolfi",
        },
    )
    assert load_config(path).warnings == ()
