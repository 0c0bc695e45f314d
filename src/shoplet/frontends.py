"""Serves the built front ends: the H5 storefront at ``/`` and the merchant console at ``/console``.

Both are single-page apps: unknown paths under their prefix fall back to ``index.html`` so deep
links work; hashed assets get a year-long cache, ``index.html`` is revalidated every time.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

REPO_ROOT = Path(__file__).resolve().parents[2]
STOREFRONT_DIST = REPO_ROOT / "frontends" / "storefront" / "dist" / "build" / "h5"
CONSOLE_DIST = REPO_ROOT / "frontends" / "console" / "dist"
ASSET_CACHE = "public, max-age=31536000, immutable"
INDEX_CACHE = "no-cache"
# Paths that are never a front-end route: a miss there is a real 404, not the SPA's index.
NO_FALLBACK = ("api/", "assets/", "static/", "_sim/", "media/", "console/")


class SpaFiles(StaticFiles):
    """Static files with an ``index.html`` fallback and cache headers fit for hashed assets."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or not _is_page_route(path):
                raise
            response = self._index()
        if response.status_code == 404 and _is_page_route(path):
            response = self._index()
        is_index = path in ("", ".", "index.html") or (
            isinstance(response, FileResponse) and str(response.path).endswith("index.html")
        )
        response.headers["Cache-Control"] = INDEX_CACHE if is_index else ASSET_CACHE
        return response

    def _index(self) -> FileResponse:
        return FileResponse(Path(str(self.directory)) / "index.html")


def _is_page_route(path: str) -> bool:
    """A deep link into the app (``pages/product/detail``), not a missing file or API path."""
    return not path.startswith(NO_FALLBACK) and "." not in path.rsplit("/", 1)[-1]


def mount_frontends(app: FastAPI) -> list[str]:
    """Mount whichever front ends are built; returns their prefixes (``make run`` builds them)."""
    mounted = []
    if (CONSOLE_DIST / "index.html").exists():
        app.mount("/console", SpaFiles(directory=CONSOLE_DIST, html=True), name="console")
        mounted.append("/console")
    if (STOREFRONT_DIST / "index.html").exists():
        app.mount("/", SpaFiles(directory=STOREFRONT_DIST, html=True), name="storefront")
        mounted.append("/")
    return mounted
