"""`/console`: the web console, static files shipped in the package
(`duragraph/console/`), nothing built or fetched at run time. The page is a
client of the public API, so it is open (like `/docs`) and shows nothing
until the API lets its user in. Any path under `/console` that is not a file
is a view of the page (`/console/threads/<id>`), so every view has a URL."""

from __future__ import annotations

import mimetypes
from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, RedirectResponse, Response

from .responses import JSON

PREFIX = "/console"
ASSETS = Path(str(resources.files("duragraph") / "console"))
# Scripts, styles and API calls only from this server; no inline script, no
# framing: an escaped value can never run, and no page can overlay the console.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidated (ETag): a new release shows at once
}
mimetypes.add_type("text/javascript", ".js")
# Read once: a request names one of these or gets the page; no path from a
# request ever reaches the file system.
FILES = {f.relative_to(ASSETS).as_posix(): f for f in ASSETS.rglob("*") if f.is_file()}

router = APIRouter(include_in_schema=False)


@router.get(PREFIX)
async def console_root() -> Response:
    return RedirectResponse(f"{PREFIX}/", status_code=307)


@router.get(PREFIX + "/{path:path}")
async def console_file(path: str) -> Response:
    """The asset at `path`; a view's URL (no file suffix) gets the page."""
    asset = FILES.get(path)
    if asset is not None:
        return FileResponse(asset, headers=HEADERS)
    if Path(path).suffix:
        return JSON({"detail": f"no console asset {path}"}, status_code=404)
    return FileResponse(ASSETS / "index.html", headers=HEADERS)
