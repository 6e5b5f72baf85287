"""The marketing dashboard: a static page and script served by feedback, no build step.

The page holds no data and no key: the user pastes a marketing API key, which stays in the
tab's ``sessionStorage`` and is sent only as a Bearer header to this same origin. The
Content-Security-Policy allows scripts from this origin alone, so injected markup cannot
run and read the key.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

router = APIRouter(tags=["dashboard"])
assets = StaticFiles(directory=STATIC)


@router.get("/dashboard", include_in_schema=False)
async def dashboard() -> FileResponse:
    return FileResponse(STATIC / "dashboard.html", media_type="text/html", headers=_HEADERS)
