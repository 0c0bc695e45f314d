"""Static media (product images) under ``/media``, served from ``settings.media_dir``.

File names are content hashes (``products/<sha1-prefix>.jpg``): a changed image gets a new name,
so responses can be cached for a year. In production the gateway serves the same directory.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from shoplet.core.settings import Settings

MEDIA_PREFIX = "/media"
IMMUTABLE = "public, max-age=31536000, immutable"


class ImmutableStaticFiles(StaticFiles):
    """StaticFiles whose successful responses carry a long, immutable Cache-Control."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def mount_media(app: FastAPI, settings: Settings) -> None:
    media_dir = settings.media_dir
    media_dir.mkdir(parents=True, exist_ok=True)
    app.mount(MEDIA_PREFIX, ImmutableStaticFiles(directory=media_dir), name="media")
