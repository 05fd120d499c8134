"""/openapi.json declares the error bodies we send, not FastAPI's defaults:
a 422's `detail` is a string naming the field (as the official server's, and
as the SDKs print it), the field errors are beside it in `errors`; every
other error is `{"detail": ...}`. Any operation may answer 422 (a URL or a
body the edge refuses, api/request_guard.py) and any 4xx or 5xx."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

REF = "#/components/schemas/"
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
VALIDATION_ERROR = {
    "type": "object",
    "title": "HTTPValidationError",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "string",
            "title": "Detail",
            "description": "what is wrong, naming the field: `metadata.foo: ...`",
        },
        "errors": {"type": "array", "title": "Errors", "items": {"$ref": f"{REF}ValidationError"}},
    },
}
ERROR = {
    "type": "object",
    "title": "ErrorResponse",
    "required": ["detail"],
    "properties": {"detail": {"type": "string", "title": "Detail"}},
}
RESPONSES = {
    "422": {
        "description": "Validation Error",
        "content": {"application/json": {"schema": {"$ref": f"{REF}HTTPValidationError"}}},
    },
    "4XX": {
        "description": "Client Error",
        "content": {"application/json": {"schema": {"$ref": f"{REF}ErrorResponse"}}},
    },
    "5XX": {
        "description": "Server Error",
        "content": {"application/json": {"schema": {"$ref": f"{REF}ErrorResponse"}}},
    },
}


def install(app: FastAPI) -> None:
    """Wraps `app.openapi` (after any other wrapper: the user's components,
    merged by api/custom_app.py, must not bring FastAPI's shape back)."""
    build = app.openapi

    def described() -> dict[str, Any]:
        return declare(build())

    app.openapi = described  # type: ignore[method-assign]  # FastAPI's way to extend the schema


def declare(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["HTTPValidationError"] = VALIDATION_ERROR
    schemas["ErrorResponse"] = ERROR
    schemas.setdefault("ValidationError", _validation_item())
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in RESPONSES.items():
                responses.setdefault(status, response)
    return document


def _validation_item() -> dict[str, Any]:
    """FastAPI adds this schema only when some operation has parameters."""
    return {
        "type": "object",
        "title": "ValidationError",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
    }
