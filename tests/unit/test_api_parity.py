"""Every operation of the official Agent Server spec is served by DuraGraph, at
the root (as listed in our /openapi.json) and under /api/v1.

The spec comes from the installed `langgraph-api` wheel (a test dependency):
nothing is downloaded at run time. The package is never imported; its
openapi.json is found through the distribution's file list (RECORD).
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from typing import Any

from starlette.routing import Match

from duragraph.api.app import create_app
from duragraph.api.services import Services

METHODS = ("get", "post", "put", "patch", "delete")


def official_spec() -> dict[str, Any]:
    dist = importlib.metadata.distribution("langgraph-api")
    (entry,) = [f for f in dist.files or () if f.name == "openapi.json"]
    return json.loads(entry.read_text(encoding="utf-8"))


def normalized(method: str, path: str) -> str:
    """Path parameter names and a trailing slash don't matter to a client."""
    path = re.sub(r"\{[^}]+\}", "{}", path).rstrip("/") or "/"
    return f"{method.upper()} {path}"


def operations(spec: dict[str, Any]) -> set[str]:
    return {
        normalized(method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }


def our_app():
    services = Services(
        store=None,
        db=None,
        clock=None,
        graphs=None,
        checkpointer=None,
        streams=None,
        states=None,
        info={"version": "test"},
    )
    return create_app(services)


def missing_report(missing: set[str], where: str) -> str:
    lines = "\n  ".join(sorted(missing, key=lambda op: (op.split()[1], op)))
    return f"{len(missing)} operation(s) of the official spec missing {where}:\n  {lines}"


def test_the_official_spec_is_read_from_the_installed_wheel() -> None:
    spec = official_spec()
    assert spec["openapi"].startswith("3.")
    assert "POST /threads/{}/runs/stream" in operations(spec)


def test_our_openapi_document_lists_every_operation_of_the_official_spec() -> None:
    ours = operations(our_app().openapi())
    missing = operations(official_spec()) - ours
    assert not missing, missing_report(missing, "from /openapi.json")


def served(app: Any, operation: str) -> bool:
    """Whether a request for this operation under /api/v1 reaches a route."""
    method, path = operation.split(" ", 1)
    concrete = "/api/v1" + path.replace("{}", "p0")
    for candidate in (concrete, concrete + "/"):
        scope = {"type": "http", "method": method, "path": candidate, "root_path": ""}
        if any(route.matches(scope)[0] is Match.FULL for route in app.router.routes):
            return True
    return False


def test_every_operation_of_the_official_spec_is_served_under_api_v1() -> None:
    app = our_app()
    missing = {op for op in operations(official_spec()) if not served(app, op)}
    assert not missing, missing_report(missing, "under /api/v1")
