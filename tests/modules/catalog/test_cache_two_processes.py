"""Two real Shoplet processes (uvicorn) on one PostgreSQL and one Redis: a catalog write in one
is served by the other within a second, although the other had the old product in its L1.

The subprocesses run the real app (``create_app``, owning its context as a server does) plus one
test route that renames a product through ``catalog.update_product`` in a request transaction:
the write, and the invalidation it schedules after commit, are Shoplet's own code paths.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.core.db import DbSession
from shoplet.core.settings import Settings
from shoplet.modules.catalog import public as catalog
from tests.modules.catalog.factories import make_category, make_product
from tests.servers import UvicornServer, replica_env

PRODUCTS = "/api/v1/products"


def create_writer_app() -> FastAPI:
    """uvicorn factory for the subprocesses: the Shoplet app plus a rename route."""
    app = create_app(Settings())
    router = APIRouter()

    @router.put("/_test/products/{product_id}/title")
    async def rename(product_id: int, title: str, session: DbSession) -> dict[str, bool]:
        await catalog.update_product(
            session, product_id, catalog.ProductUpdate(title=title), actor="test"
        )
        return {"ok": True}

    app.include_router(router)
    return app


@pytest.fixture
def two_servers(ctx: AppContext, backend: str, tmp_path: Path) -> Iterator[list[UvicornServer]]:
    if backend != "postgres":
        pytest.skip("embedded mode is one process: there is no other replica to tell")
    assert ctx.settings.redis_url
    env = replica_env(
        database_url=ctx.settings.resolved_database_url,
        redis_url=ctx.settings.redis_url,
        data_dir=tmp_path,
        redis_prefix=ctx.settings.redis_prefix,
    )
    servers = [
        UvicornServer(
            "tests.modules.catalog.test_cache_two_processes:create_writer_app",
            env,
            tmp_path / f"server-{name}.log",
        )
        for name in "ab"
    ]
    yield servers
    for server in servers:
        server.stop()


async def title_of(client: httpx.AsyncClient, server: UvicornServer, url: str) -> str:
    response = await client.get(server.base_url + url)
    assert response.status_code == 200, response.text
    body = response.json()
    return str(body["items"][0]["title"] if "items" in body else body["title"])


@pytest.mark.slow
async def test_a_product_edit_in_one_process_reaches_the_other_within_a_second(
    ctx: AppContext, two_servers: list[UvicornServer]
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category, title="v1")
    await ctx.cache.drain()
    detail = f"{PRODUCTS}/{product.id}"
    listing = f"{PRODUCTS}?category_id={category}"
    a, b = two_servers
    async with httpx.AsyncClient(timeout=10.0) as client:
        await asyncio.gather(a.wait_ready(client, within=60.0), b.wait_ready(client, within=60.0))
        for server in (b, a, b):  # B loads, A reads B's L2 fill, B answers from its L1
            assert await title_of(client, server, detail) == "v1"
            assert await title_of(client, server, listing) == "v1"
        etag_before = (await client.get(b.base_url + detail)).headers["etag"]

        renamed = await client.put(
            f"{a.base_url}/_test/products/{product.id}/title", params={"title": "v2"}
        )
        assert renamed.status_code == 200, renamed.text
        assert await title_of(client, a, detail) == "v2"  # the writer: at once
        start = time.monotonic()
        while (await title_of(client, b, detail), await title_of(client, b, listing)) != (
            "v2",
            "v2",
        ):
            assert time.monotonic() - start < 1.0, "B still serves v1 after 1 s"
            await asyncio.sleep(0.01)
        assert (await client.get(b.base_url + detail)).headers["etag"] != etag_before
