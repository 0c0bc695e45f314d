"""Shoplet with its public catalog reads served through the cache: a projection, bench only.

The catalog endpoints are not wired to ``ctx.cache`` yet. To measure what that wiring buys
before it lands, this app wraps the *public HTTP API* (no module internals): a request for
``/_bench/cached/<path>`` is answered by ``ctx.cache.get_or_load`` + ``cached_json``, and a miss
loads ``/<path>`` from the very same app in process. The rows it feeds are labelled
"(via cache)" in docs/benchmarks.md; they measure the same lines the catalog endpoints will
use (``get_or_load`` -> bytes -> ``cached_json``), plus one internal sub-request per miss.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI, Request, Response

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.core.errors import NotFound
from shoplet.core.http_cache import cached_json
from shoplet.core.settings import Settings

PREFIX = "/_bench/cached"


def create_cached_app(settings: Settings | None = None) -> FastAPI:
    """uvicorn/granian ``--factory`` target; settings from the ``SHOPLET_`` environment."""
    settings = settings or Settings()
    ctx = AppContext.build(settings)
    app = create_app(settings, context=ctx)
    upstream = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://shoplet.internal"
    )
    router = APIRouter()

    @router.get(PREFIX + "/{path:path}")
    async def through_cache(path: str, request: Request) -> Response:
        target = "/" + path + (f"?{request.url.query}" if request.url.query else "")

        async def load() -> bytes | None:
            response = await upstream.get(target)
            return response.content if response.status_code == 200 else None

        body = await ctx.cache.get_or_load("bench_http", target, load, ttl=60, negative_ttl=5)
        if body is None:
            raise NotFound(f"{target} is not a cacheable 200")
        return cached_json(request, body, max_age=30, swr=120)

    count = len(app.router.routes)
    app.include_router(router)
    # Ahead of catch-all mounts (front ends, media) that create_app may have added.
    added = app.router.routes[count:]
    del app.router.routes[count:]
    app.router.routes[0:0] = added

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with inner(application):
            await ctx.cache.start()  # idempotent once the app lifespan starts it
            try:
                yield
            finally:
                await upstream.aclose()
                await ctx.close()

    app.router.lifespan_context = lifespan
    return app
