"""A wrong `auth` section in langgraph.json stops the server at startup with
one line that says what to fix, before anything is started."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from servers import free_port

CASES = {
    "missing file": ("./nope.py:auth", None, "cannot load ./nope.py:auth"),
    "missing variable": (
        "./auth.py:missing",
        "from langgraph_sdk import Auth\nauth = Auth()\n",
        "no variable 'missing'",
    ),
    "not an Auth": ("./auth.py:auth", "auth = 42\n", "not a langgraph_sdk.Auth"),
    "no authenticate": (
        "./auth.py:auth",
        "from langgraph_sdk import Auth\nauth = Auth()\n",
        "no @auth.authenticate handler",
    ),
    "unfillable parameter": (
        "./auth.py:auth",
        (
            "from langgraph_sdk import Auth\nauth = Auth()\n"
            "@auth.authenticate\nasync def who(token: str):\n    return token\n"
        ),
        "parameter 'token' cannot be filled",
    ),
    "syntax error": ("./auth.py:auth", "def (:\n", "SyntaxError"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_wrong_auth_section_stops_startup_with_one_clear_line(tmp_path: Path, case: str):
    path, source, expected = CASES[case]
    (tmp_path / "graph.py").write_text(
        "from langgraph.graph import StateGraph\nfrom typing_extensions import TypedDict\n"
        "class S(TypedDict):\n    x: int\n"
        "graph = StateGraph(S).add_node('n', lambda s: s).set_entry_point('n').compile()\n"
    )
    if source is not None:
        (tmp_path / "auth.py").write_text(source)
    config = tmp_path / "langgraph.json"
    config.write_text(json.dumps({"graphs": {"g": "./graph.py:graph"}, "auth": {"path": path}}))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "duragraph.cli",
            "serve",
            "--config",
            str(config),
            "--port",
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "DURAGRAPH_DATABASE_URL": "postgresql://x",
            "DURAGRAPH_NATS_URL": "nats://127.0.0.1:1",
        },
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert '"auth.path"' in lines[0] and expected in lines[0], lines[0]
