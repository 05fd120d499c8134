"""The official JavaScript SDK (`@langchain/langgraph-sdk`, pinned in
tests/js/package-lock.json) drives the server: assistants, threads, a streamed
run, an interrupt and its resume; and with custom auth, two users kept apart.
The test installs the SDK itself (`npm ci`, once, into tests/js/node_modules)
and needs only node and npm on the PATH."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

PROJECT = Path(__file__).resolve().parent.parent / "js"
SDK = "@langchain/langgraph-sdk"


def _locked_version() -> str:
    lock = json.loads((PROJECT / "package-lock.json").read_text())
    return lock["packages"][f"node_modules/{SDK}"]["version"]


def _installed_version() -> str | None:
    manifest = PROJECT / "node_modules" / SDK / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.is_file() else None


@pytest.fixture(scope="session")
def js_project() -> Path:
    assert shutil.which("node") and shutil.which("npm"), "node and npm must be on the PATH"
    if _installed_version() != _locked_version():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=PROJECT, check=True, timeout=600
        )
    return PROJECT


def _run(js_project: Path, script: str, url: str) -> dict:
    """What the script saw: the JSON object on its last line of output."""
    done = subprocess.run(
        ["node", script, url], cwd=js_project, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_javascript_sdk_drives_assistants_threads_streams_and_interrupts(
    js_project: Path, server_url: str
) -> None:
    seen = _run(js_project, "sdk_check.mjs", server_url)
    assert seen["defaultAssistantGraphs"] == ["echo"]
    assert seen["assistant"] == {"name": "from-js-2", "version": 2, "graphId": "echo"}
    assert seen["assistantVersions"] == [2, 1]
    assert seen["threadMetadata"] == {"via": "js"} and seen["threadFound"] is True
    assert {"metadata", "values", "updates"} <= set(seen["streamEvents"])
    assert seen["streamedSteps"] == ["one", "two", "three"]
    assert seen["threadStatusAfterRun"] == "idle"
    assert seen["interrupts"] == [{"question": "Who are you?"}]
    assert seen["pausedStatus"] == "interrupted" and seen["pausedNext"] == ["ask"]
    assert seen["resumedGreeting"] == "Hello, Ada!"
    assert seen["finalStatus"] == "idle"


def test_the_javascript_sdk_acts_as_the_user_its_headers_name(
    js_project: Path, auth_server_url: str
) -> None:
    seen = _run(js_project, "auth_check.mjs", auth_server_url)
    assert seen["aliceSeenUserId"] == "alice" and seen["aliceFindsHerThread"] is True
    assert seen["bobGetsAlicesThread"] == 404
    assert seen["bobSearchFindsAlicesThread"] is False and seen["bobSearchOwners"] == ["bob"]
    assert seen["anonymousSearch"] == 401
