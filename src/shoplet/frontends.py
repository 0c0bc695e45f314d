"""Serves the built front ends: the H5 storefront at ``/`` and the merchant console at ``/console``.

Both are single-page apps: unknown paths under their prefix fall back to ``index.html`` so deep
links work; hashed assets get a year-long cache, ``index.html`` is revalidated every time.

The builds carry Brotli and gzip siblings of their text files (``app.js.br``, ``app.js.gz``,
written by ``frontends/shared/scripts/precompress.mjs`` after each build): a browser that accepts
them gets the compressed bytes with no per-request compression work.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from fastapi import FastAPI
from starlette.datastructures import Headers
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
# Precompressed siblings, best first.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


class SpaFiles(StaticFiles):
    """Static files with an ``index.html`` fallback and cache headers fit for hashed assets."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        precompressed = self._precompressed(path, scope)
        if precompressed is not None:
            precompressed.headers["Cache-Control"] = ASSET_CACHE
            return precompressed
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

    def _precompressed(self, path: str, scope: Scope) -> Response | None:
        """The ``.br``/``.gz`` sibling of an asset when the client accepts it, else None."""
        if path in ("", ".", "index.html") or scope["method"] not in ("GET", "HEAD"):
            return None
        full_path, stat_result = self.lookup_path(path)
        if stat_result is None or not full_path:
            return None
        accepted = accepted_encodings(Headers(scope=scope).get("accept-encoding", ""))
        for encoding, suffix in ENCODINGS:
            sibling = full_path + suffix
            if encoding not in accepted or not os.path.isfile(sibling):
                continue
            response = self.file_response(sibling, os.stat(sibling), scope)
            media_type = mimetypes.guess_type(full_path)[0] or "application/octet-stream"
            if media_type.startswith("text/") or media_type.endswith("javascript"):
                media_type += "; charset=utf-8"
            response.headers["Content-Type"] = media_type
            response.headers["Content-Encoding"] = encoding
            response.headers["Vary"] = "Accept-Encoding"
            return response
        return None

    def _index(self) -> FileResponse:
        return FileResponse(Path(str(self.directory)) / "index.html")


def accepted_encodings(header: str) -> frozenset[str]:
    """Content codings an ``Accept-Encoding`` header allows (``q=0`` refuses one)."""
    accepted = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=").strip() if params else "1"
        try:
            refused = float(quality) == 0
        except ValueError:
            refused = False
        if name and not refused:
            accepted.add(name.strip().lower())
    return frozenset(accepted)


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
