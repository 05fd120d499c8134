"""A user's plain Starlette app (langgraph.json `http.app`, no FastAPI): a
lifespan that sets something up for the graphs, routes that ask the server
itself through `get_client()` with no URL (one streams a run), and a webhook receiver that a
relative webhook URL reaches (it appends to the file $HOOK_LOG)."""

import contextlib
import os
import time

from langgraph_sdk import get_client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import setup_state


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    setup_state.SETUP["by"] = "the custom app's lifespan"
    yield


async def graphs_seen(request: Request) -> JSONResponse:
    assistants = await get_client().assistants.search(metadata={"created_by": "system"})
    return JSONResponse({"graphs": sorted(a["graph_id"] for a in assistants)})


async def streamed(request: Request) -> JSONResponse:
    """When the parts of a 2 s run streamed in process arrived."""
    began, arrivals = time.monotonic(), []
    async for _ in get_client().runs.stream(None, "slow", input={"sleep": 2}):
        arrivals.append(time.monotonic() - began)
    return JSONResponse({"first": arrivals[0], "last": arrivals[-1]})


async def hook(request: Request) -> JSONResponse:
    payload = await request.json()
    with open(os.environ["HOOK_LOG"], "a") as f:
        f.write(f"{payload['run_id']} {payload['status']}\n")
    return JSONResponse({"received": True})


app = Starlette(
    routes=[
        Route("/graphs-seen", graphs_seen),
        Route("/streamed", streamed),
        Route("/my/hook", hook, methods=["POST"]),
    ],
    lifespan=lifespan,
)
