"""Two app instances (each its own context, sessions and index, as two server processes have)
on one database: a product changed through one is found changed in the other's index within
5 s, through the real path (outbox → relay → handler → change feed → each instance's poll)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.modules.catalog import public as catalog
from shoplet.modules.search.public import runtime_of
from tests.conftest import BackendDb, make_context, make_settings
from tests.modules.catalog.factories import make_category, simple_product


async def _ready(ctx: AppContext) -> None:
    await asyncio.wait_for(runtime_of(ctx).ready.wait(), 60)


async def test_a_change_in_one_instance_reaches_the_other_within_5_s(
    ctx: AppContext, backend_db: BackendDb, tmp_path: Path
) -> None:
    category = await make_category(ctx, "厨房")
    product_id = await simple_product(ctx, category, "九阳豆浆机 家用", 39900)
    await drain_outbox(ctx)
    settings = make_settings(backend_db, tmp_path / "other")
    other_ctx = make_context(backend_db, settings)
    other = create_app(settings, context=other_ctx)
    async with other.router.lifespan_context(other):
        await _ready(ctx)
        await _ready(other_ctx)
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://other.test") as client:
            body = (await client.get("/api/v1/search", params={"q": "doujiangji"})).json()
            assert [i["id"] for i in body["items"]] == [product_id]

            async with ctx.sessionmaker() as s:
                await catalog.update_product(
                    s, product_id, catalog.ProductUpdate(title="九阳破壁豆浆机 静音"), actor="t"
                )
                await s.commit()
            started = time.monotonic()
            await drain_outbox(ctx)  # the first instance's relay delivers to the handler
            while True:
                body = (await client.get("/api/v1/search", params={"q": "pobi"})).json()
                if [i["id"] for i in body["items"]] == [product_id]:
                    break
                assert time.monotonic() - started < 5, "not visible in the other instance"
                await asyncio.sleep(0.1)
            assert body["items"][0]["title"] == "九阳破壁豆浆机 静音"
    if other_ctx.redis is not None:
        await other_ctx.redis.aclose()
