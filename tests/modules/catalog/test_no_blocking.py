"""The storefront catalog reads never block the event loop.

The routes run through the in-process ASGI client with asyncio's debug mode on, which logs every
callback or task step that holds the loop longer than ``loop.slow_callback_duration``. The
threshold is 100 ms: far above what any step of these routes needs even on a loaded CI machine,
far below what a blocking call (a synchronous database driver, file or DNS look-up, a
``time.sleep``) costs. So the test is about blocking calls, not speed. Misses (loaders running
SQL), hits, revalidations (304) and a background refresh-ahead are all covered, on both backends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.modules.catalog import service
from tests.modules.catalog.factories import make_category, make_product

PRODUCTS = "/api/v1/products"
THRESHOLD_S = 0.1


def slow_steps(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "asyncio" and r.getMessage().startswith("Executing")
    ]


@contextmanager
def loop_debug(threshold: float) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    debug, duration = loop.get_debug(), loop.slow_callback_duration
    loop.set_debug(True)
    loop.slow_callback_duration = threshold
    try:
        yield
    finally:
        loop.set_debug(debug)
        loop.slow_callback_duration = duration


async def test_list_and_detail_run_no_blocking_step(
    client: httpx.AsyncClient, ctx: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    await ctx.cache.drain()
    urls = [
        f"{PRODUCTS}?limit=20",
        f"{PRODUCTS}?limit=2&sort=price_asc",
        f"{PRODUCTS}?category_id={category}",
        f"{PRODUCTS}/{product.id}",
        f"{PRODUCTS}/by-barcode/6901234567892",
        "/api/v1/categories",
    ]
    # Once before measuring: first-use work (statement compilation, imports) is start-up cost.
    for url in urls:
        assert (await client.get(url)).status_code == 200
    caplog.set_level(logging.WARNING, logger="asyncio")

    # The detector itself works: with a zero threshold every step is reported.
    with loop_debug(0.0):
        await asyncio.sleep(0)
    assert slow_steps(caplog), "asyncio debug mode reported nothing: the check would be blind"
    caplog.clear()

    with loop_debug(THRESHOLD_S):
        await ctx.cache.invalidate_namespace(service.CACHE_PRODUCT_LIST)
        await ctx.cache.invalidate_namespace(service.CACHE_PRODUCT)
        await ctx.cache.invalidate_namespace(service.CACHE_CATEGORIES)
        await ctx.cache.invalidate_namespace(service.CACHE_BARCODE)
        etags = {}
        for url in urls:  # misses: the loaders run their SQL
            response = await client.get(url)
            assert response.status_code == 200
            etags[url] = response.headers["etag"]
        for _ in range(10):  # hits
            for url in urls:
                assert (await client.get(url)).status_code == 200
        for url in urls:  # revalidations
            response = await client.get(url, headers={"If-None-Match": etags[url]})
            assert response.status_code == 304
        await ctx.cache.drain()
    assert slow_steps(caplog) == []


async def test_a_refresh_ahead_blocks_nothing(
    client: httpx.AsyncClient, ctx: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    await ctx.cache.drain()
    url = f"{PRODUCTS}/{product.id}"
    assert (await client.get(url)).status_code == 200
    caplog.set_level(logging.WARNING, logger="asyncio")
    with loop_debug(THRESHOLD_S):
        # Every L1 entry due for a refresh: the next hits start one in the background.
        for full in list(ctx.cache.l1.store):
            expire_at, entry = ctx.cache.l1.store[full]
            ctx.cache.l1.store[full] = (expire_at, entry._replace(refresh_at=0.0))
        for _ in range(5):
            assert (await client.get(url)).status_code == 200
        await ctx.cache.drain()
    assert slow_steps(caplog) == []
    assert (await client.get(url)).status_code == 200
