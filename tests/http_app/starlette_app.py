"""A user's plain Starlette app (langgraph.json `http.app`, no FastAPI): a
lifespan that sets something up for the graphs, a route that asks the server
itself through `get_client()` with no URL, and a webhook receiver that a
relative webhook URL reaches (it appends to the file $HOOK_LOG)."""
import contextlib
import os

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


async def hook(request: Request) -> JSONResponse:
    payload = await request.json()
    with open(os.environ["HOOK_LOG"], "a") as f:
        f.write(f"{payload['run_id']} {payload['status']}\n")
    return JSONResponse({"received": True})


app = Starlette(routes=[Route("/graphs-seen", graphs_seen), Route("/my/hook", hook,
                                                                   methods=["POST"])],
                lifespan=lifespan)
