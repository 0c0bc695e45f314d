"""Static media (product images) under ``/media``, served from ``settings.media_dir``, or from
the media bucket when ``SHOPLET_MEDIA_STORAGE_URL`` is set (docs/deploy.md, "Media in object
storage": the gateway and a CDN cache what the API streams from the bucket).

File names are content hashes (``products/<sha1-prefix>.jpg``): a changed image gets a new name,
so responses can be cached for a year. In production the gateway serves the same directory.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from shoplet.core.settings import Settings
from shoplet.core.storage import InvalidKey, ObjectNotFound, get_storage

# 3D models of products (catalog/model3d.py): not every system's mime.types knows them.
mimetypes.add_type("model/gltf-binary", ".glb")

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


class BucketMedia:
    """``GET``/``HEAD /media/<key>`` streamed from the media storage (an S3 bucket): 404 for a
    missing object or a key that is not one, the body in chunks, never whole in memory."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response: Response
        if request.method not in {"GET", "HEAD"}:
            response = PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        else:
            response = await self._object(request, scope["path"].removeprefix(MEDIA_PREFIX + "/"))
        await response(scope, receive, send)

    @staticmethod
    async def _object(request: Request, key: str) -> Response:
        storage = get_storage(request.app.state.ctx, "media")
        headers = {"Cache-Control": IMMUTABLE}
        media_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        try:
            if request.method == "HEAD":
                size = await storage.size(key)
                if size is None:
                    raise ObjectNotFound(key)
                headers["Content-Length"] = str(size)
                return Response(None, headers=headers, media_type=media_type)
            chunks = storage.stream(key)
            # A missing object raises on the first chunk, before any header is sent.
            first = await anext(chunks, b"")
        except (ObjectNotFound, InvalidKey):
            return PlainTextResponse("Not Found", 404)

        async def body() -> AsyncIterator[bytes]:
            yield first
            async for chunk in chunks:
                yield chunk

        return StreamingResponse(body(), headers=headers, media_type=media_type)


def mount_media(app: FastAPI, settings: Settings) -> None:
    if settings.media_storage_url:
        app.mount(MEDIA_PREFIX, BucketMedia(), name="media")
        return
    media_dir = settings.media_dir
    media_dir.mkdir(parents=True, exist_ok=True)
    app.mount(MEDIA_PREFIX, ImmutableStaticFiles(directory=media_dir), name="media")
