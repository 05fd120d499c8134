"""A user's FastAPI app served beside DuraGraph's API (langgraph.json
`http.app`): its own routes, a middleware, a lifespan, and one route that
shadows an API route, its own `/`, and one that tries to shadow the health check."""

import contextlib
import os
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.middleware.base import BaseHTTPMiddleware


def _mark(line: str) -> None:
    marker = os.environ.get("HTTP_APP_MARKER")
    if marker:
        with Path(marker).open("a") as f:
            f.write(line + "\n")


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.greeting = "hello from the lifespan"
    _mark("started")
    yield
    _mark("stopped")


app = FastAPI(lifespan=lifespan)


class Stamp(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        response = await call_next(request)
        response.headers["X-Custom-Header"] = "stamped"
        return response


app.add_middleware(Stamp)


@app.get("/hello")
async def hello(request: Request) -> dict:
    return {"hello": request.app.state.greeting}


@app.post("/assistants/count")
async def count_shadowed() -> int:
    return 4242


@app.get("/")
async def home() -> dict:
    return {"home": "theirs"}


@app.get("/ok")
async def ok_shadow_attempt() -> dict:
    return {"ok": "theirs"}


@app.get("/boom")
async def boom() -> dict:
    raise RuntimeError("a bug in the user's route, on purpose")
