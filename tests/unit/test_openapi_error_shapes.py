"""The 422 bodies the server sends match what its own /openapi.json declares
for them: `detail` a string naming the field, the field errors beside it."""

from __future__ import annotations

import httpx
import jsonschema
import pytest

from duragraph.api.app import create_app
from duragraph.api.services import Services


def _app():
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


async def _call(app, method: str, path: str, **kwargs) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        return await http.request(method, path, **kwargs)


def _declared_422(document: dict, path: str, method: str) -> dict:
    return document["paths"][path][method]["responses"]["422"]["content"]["application/json"][
        "schema"
    ]


@pytest.mark.parametrize(
    "method, path, template, kwargs, field",
    [
        ("post", "/threads", "/threads", {"json": {"metadata": [1, 2]}}, "metadata"),
        ("post", "/assistants/search", "/assistants/search", {"json": {"limit": "many"}}, "limit"),
        (
            "post",
            "/threads",
            "/threads",
            {"content": b'{"metadata": {"foo": "a\\u0000b"}}'},
            "metadata.foo",
        ),
        (
            "post",
            "/runs/wait",
            "/runs/wait",
            {"json": {"assistant_id": "echo", "input": {"n": 2**70}}},
            "input.n",
        ),
        ("get", "/threads/abc%00/state", "/threads/{thread_id}/state", {}, "path.thread_id"),
        ("get", "/ok?probe=%00", "/ok", {}, "probe"),
    ],
)
async def test_a_422_body_has_the_shape_the_openapi_document_declares(
    method: str, path: str, template: str, kwargs: dict, field: str
) -> None:
    app = _app()
    document = (await _call(app, "GET", "/openapi.json")).json()
    response = await _call(app, method.upper(), path, **kwargs)
    assert response.status_code == 422, response.text
    schema = {**_declared_422(document, template, method), "components": document["components"]}
    jsonschema.validate(response.json(), schema)
    assert response.json()["detail"].startswith(f"{field}: ")


async def test_every_operation_declares_its_422_and_generic_errors() -> None:
    document = (await _call(_app(), "GET", "/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert {"422", "4XX", "5XX"} <= set(operation["responses"]), (method, path)
    detail = document["components"]["schemas"]["HTTPValidationError"]["properties"]["detail"]
    assert detail["type"] == "string"
