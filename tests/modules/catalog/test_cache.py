"""The storefront catalog reads through ``ctx.cache``: SQL per request, invalidation by catalog
writes, negative caching, single-flight loads and how long stock may be shown stale.

Every test runs embedded (SQLite, L1 only) and on PostgreSQL + Redis (L1 + L2).
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.catalog import service
from shoplet.modules.inventory import public as inventory
from tests.conftest import StatementCounter, snapshot
from tests.modules.catalog.factories import make_category, make_product, simple_product, sku

PRODUCTS = "/api/v1/products"


async def get_ok(client: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response


async def get_problem(client: httpx.AsyncClient, url: str, status: int, code: str) -> None:
    response = await client.get(url)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.headers["content-type"] == "application/problem+json"


async def settled(ctx: AppContext) -> None:
    """Wait for the invalidations the arranging commits scheduled: until they have run, reads
    in this process bypass the cache (read-your-writes), which would skew statement counts."""
    await ctx.cache.drain()


async def rename(ctx: AppContext, product_id: int, title: str) -> None:
    async with ctx.sessionmaker() as s:
        await catalog.update_product(
            s, product_id, catalog.ProductUpdate(title=title), actor="test"
        )
        await s.commit()


async def set_status(ctx: AppContext, product_id: int, status: str) -> None:
    async with ctx.sessionmaker() as s:
        await catalog.set_product_status(s, product_id, status, actor="test")
        await s.commit()


# --- statements per request --------------------------------------------------------------------


async def test_list_costs_at_most_two_statements_cold_and_none_cached(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    top = await make_category(ctx)
    child = await make_category(ctx, "子类", parent_id=top)
    for i in range(3):
        await simple_product(ctx, child, f"P{i}", 100 + i)
    await settled(ctx)
    for query in ("?limit=20", f"?category_id={top}&sort=price_desc&limit=2&q=P&min_price=1"):
        sql_counter.reset()
        first = await get_ok(client, PRODUCTS + query)
        assert sql_counter.count <= 2, sql_counter.statements
        sql_counter.reset()
        again = await get_ok(client, PRODUCTS + query)
        assert sql_counter.count == 0, sql_counter.statements
        assert again.content == first.content


async def test_same_query_in_any_order_or_with_unknown_parameters_is_one_entry(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    category = await make_category(ctx)
    await simple_product(ctx, category, "A", 100)
    await settled(ctx)
    first = await get_ok(client, f"{PRODUCTS}?sort=sales&limit=5&category_id={category}")
    sql_counter.reset()
    for query in (
        f"?category_id={category}&limit=5&sort=sales",
        f"?limit=5&sort=sales&category_id={category}&utm_source=wechat",
    ):
        assert (await get_ok(client, PRODUCTS + query)).content == first.content
    assert sql_counter.count == 0, sql_counter.statements


async def test_detail_barcode_and_tree_cost_at_most_four_statements_then_none(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    category = await make_category(ctx)
    await make_category(ctx, "子类", parent_id=category)
    product = await make_product(ctx, category)
    await settled(ctx)
    for url, most in (
        (f"{PRODUCTS}/{product.id}", 3),
        (f"{PRODUCTS}/by-barcode/6901234567892", 4),
        ("/api/v1/categories", 1),
    ):
        sql_counter.reset()
        first = await get_ok(client, url)
        assert sql_counter.count <= most, (url, sql_counter.statements)
        sql_counter.reset()
        again = await get_ok(client, url)
        assert sql_counter.count == 0, (url, sql_counter.statements)
        assert again.content == first.content


async def test_concurrent_misses_load_once(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    await settled(ctx)
    sql_counter.reset()
    responses = await asyncio.gather(
        *(client.get(f"{PRODUCTS}/{product.id}") for _ in range(20)),
        *(client.get(f"{PRODUCTS}?category_id={category}") for _ in range(20)),
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses[:20]}) == 1
    assert len({r.content for r in responses[20:]}) == 1
    # One load each: product + SKUs + stock, then category ids + page.
    assert sql_counter.count == 5, sql_counter.statements


# --- invalidation by catalog writes ------------------------------------------------------------


async def test_product_update_is_visible_at_once_in_detail_list_and_barcode(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    detail_url = f"{PRODUCTS}/{product.id}"
    barcode_url = f"{PRODUCTS}/by-barcode/6901234567892"
    list_url = f"{PRODUCTS}?category_id={category}"
    assert (await get_ok(client, detail_url)).json()["title"] == "华为 Mate 60 Pro 智能手机"
    assert (await get_ok(client, barcode_url)).json()["title"] == "华为 Mate 60 Pro 智能手机"
    assert [p["title"] for p in (await get_ok(client, list_url)).json()["items"]] == [
        "华为 Mate 60 Pro 智能手机"
    ]

    await rename(ctx, product.id, "华为 Mate 60 RS")

    assert (await get_ok(client, detail_url)).json()["title"] == "华为 Mate 60 RS"
    assert (await get_ok(client, barcode_url)).json()["title"] == "华为 Mate 60 RS"
    assert [p["title"] for p in (await get_ok(client, list_url)).json()["items"]] == [
        "华为 Mate 60 RS"
    ]


async def test_price_change_through_skus_reorders_cached_list_at_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    cheap = await simple_product(ctx, category, "便宜", 100)
    dear = await simple_product(ctx, category, "贵", 200)
    url = f"{PRODUCTS}?sort=price_asc"
    assert [p["id"] for p in (await get_ok(client, url)).json()["items"]] == [cheap, dear]
    async with ctx.sessionmaker() as s:
        await catalog.update_product(
            s,
            cheap,
            catalog.ProductUpdate.model_validate({"skus": [{"price": 300}]}),
            actor="test",
        )
        await s.commit()
    page = (await get_ok(client, url)).json()["items"]
    assert [(p["id"], p["price"]) for p in page] == [(dear, 200), (cheap, 300)]


async def test_withdrawing_and_republishing_is_visible_at_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    product_id = await simple_product(ctx, category, "A", 100)
    detail_url = f"{PRODUCTS}/{product_id}"
    await get_ok(client, detail_url)
    assert len((await get_ok(client, PRODUCTS)).json()["items"]) == 1

    await set_status(ctx, product_id, "off_sale")
    await get_problem(client, detail_url, 404, "catalog.product_not_found")
    assert (await get_ok(client, PRODUCTS)).json()["items"] == []

    await set_status(ctx, product_id, "on_sale")
    assert (await get_ok(client, detail_url)).json()["id"] == product_id
    assert [p["id"] for p in (await get_ok(client, PRODUCTS)).json()["items"]] == [product_id]


async def test_category_writes_refresh_tree_and_category_filters(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    phones = await make_category(ctx, "手机")
    await simple_product(ctx, phones, "A", 100)
    list_url = f"{PRODUCTS}?category_id={phones}"
    tree = (await get_ok(client, "/api/v1/categories")).json()
    assert [c["name"] for c in tree] == ["手机"]
    assert len((await get_ok(client, list_url)).json()["items"]) == 1

    async with ctx.sessionmaker() as s:
        await catalog.update_category(s, phones, catalog.CategoryUpdate(is_active=False))
        await s.commit()
    assert (await get_ok(client, "/api/v1/categories")).json() == []
    await get_problem(client, list_url, 404, "catalog.category_not_found")

    clothes = await make_category(ctx, "服饰")
    tree = (await get_ok(client, "/api/v1/categories")).json()
    assert [(c["id"], c["name"]) for c in tree] == [(clothes, "服饰")]


async def test_a_rolled_back_write_invalidates_nothing(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    category = await make_category(ctx)
    product_id = await simple_product(ctx, category, "A", 100)
    await settled(ctx)
    url = f"{PRODUCTS}/{product_id}"
    await get_ok(client, url)
    async with ctx.sessionmaker() as s:
        await catalog.update_product(s, product_id, catalog.ProductUpdate(title="B"), actor="t")
        await s.rollback()
    await settled(ctx)
    sql_counter.reset()
    assert (await get_ok(client, url)).json()["title"] == "A"
    assert sql_counter.count == 0, sql_counter.statements


# --- negative caching --------------------------------------------------------------------------


async def test_unknown_ids_are_cached_as_not_found(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    before = await snapshot(ctx)
    for url, code in (
        (f"{PRODUCTS}/424242", "catalog.product_not_found"),
        (f"{PRODUCTS}/by-barcode/6900000000001", "catalog.barcode_not_found"),
        (f"{PRODUCTS}?category_id=424242", "catalog.category_not_found"),
    ):
        sql_counter.reset()
        await get_problem(client, url, 404, code)
        assert 1 <= sql_counter.count <= 2, (url, sql_counter.statements)
        sql_counter.reset()
        for _ in range(3):
            await get_problem(client, url, 404, code)
        assert sql_counter.count == 0, (url, sql_counter.statements)
    assert await snapshot(ctx) == before


async def test_a_cached_not_found_ends_when_the_product_appears(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    draft = await make_product(
        ctx, category, status="draft", skus=[sku(100, barcode="6909999999998")]
    )
    detail_url = f"{PRODUCTS}/{draft.id}"
    barcode_url = f"{PRODUCTS}/by-barcode/6909999999998"
    new_barcode_url = f"{PRODUCTS}/by-barcode/6908888888889"
    await get_problem(client, detail_url, 404, "catalog.product_not_found")
    await get_problem(client, barcode_url, 404, "catalog.barcode_not_found")
    await get_problem(client, new_barcode_url, 404, "catalog.barcode_not_found")

    await set_status(ctx, draft.id, "on_sale")
    assert (await get_ok(client, detail_url)).json()["id"] == draft.id
    assert (await get_ok(client, barcode_url)).json()["sku_id"] == draft.skus[0].id

    await make_product(ctx, category, skus=[sku(100, barcode="6908888888889")])
    found = (await get_ok(client, new_barcode_url)).json()
    assert found["skus"][0]["barcode"] == "6908888888889"


async def test_bad_requests_are_not_cached(client: httpx.AsyncClient, ctx: AppContext) -> None:
    category = await make_category(ctx)
    await simple_product(ctx, category, "A", 100)
    before = await snapshot(ctx)
    for _ in range(2):
        await get_problem(client, f"{PRODUCTS}?cursor=nope", 400, "pagination.invalid_cursor")
        await get_problem(
            client, f"{PRODUCTS}?min_price=5&max_price=1", 400, "catalog.invalid_price_range"
        )
        await get_problem(client, f"{PRODUCTS}?limit=0", 422, "request.invalid")
        await get_problem(client, f"{PRODUCTS}?sort=cheapest", 422, "request.invalid")
        await get_problem(client, f"{PRODUCTS}/0", 422, "request.invalid")
        await get_problem(client, f"{PRODUCTS}/by-barcode/12ab5678", 422, "request.invalid")
    assert await snapshot(ctx) == before


# --- stock freshness ---------------------------------------------------------------------------


async def test_detail_entries_live_no_longer_than_the_stock_ttl(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    await settled(ctx)
    await get_ok(client, f"{PRODUCTS}/{product.id}")
    await get_ok(client, f"{PRODUCTS}/by-barcode/6901234567892")
    await get_ok(client, PRODUCTS)
    limit_s = service.DETAIL_TTL * 1.1
    for namespace, key in (
        (service.CACHE_PRODUCT_STOCK, product.id),
        (service.CACHE_BARCODE, "6901234567892"),
    ):
        full = ctx.cache.full_key(namespace, key)
        entry = await ctx.cache.l1.get(full)
        assert 0 < entry.stale_at - time.monotonic() <= limit_s
        # L1 keeps it one refresh window (a fifth of the TTL) longer, answering from it past
        # ``stale_at`` only while its refresh runs (tests/core/test_cache_refresh.py).
        assert 0 < await ctx.cache.l1.get_expire(full) <= round(limit_s + 0.2 * service.DETAIL_TTL)
        if ctx.redis is not None:
            pttl = await ctx.redis.pttl(ctx.settings.redis_key(f"cache:v:{full}"))
            assert 0 < pttl <= limit_s * 1000
    list_key = ctx.cache.full_key(service.CACHE_PRODUCT_LIST, "s=default&l=20&c=&lo=&hi=&cur=:&q=")
    assert await ctx.cache.l1.get_expire(list_key) > round(limit_s)
    # The detail's body carries no stock: it lives as long as a list page.
    body_key = ctx.cache.full_key(service.CACHE_PRODUCT, product.id)
    assert await ctx.cache.l1.get_expire(body_key) > round(limit_s)


async def test_stock_changes_show_in_the_detail_within_the_ttl(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    black_512 = product.skus[0].id
    url = f"{PRODUCTS}/{product.id}"
    await settled(ctx)

    def available(body: dict[str, object]) -> int:
        skus = body["skus"]
        assert isinstance(skus, list)
        return int(next(s["available"] for s in skus if s["id"] == black_512))

    assert available((await get_ok(client, url)).json()) == 10
    async with ctx.sessionmaker() as s:
        await inventory.reserve(
            s, ref="O1", lines=[(black_512, 4)], expires_at=utcnow() + timedelta(minutes=5)
        )
        await s.commit()
    changed_at = time.monotonic()
    # Inventory does not drop the catalog's cache: the cached figure stands until it expires.
    assert available((await get_ok(client, url)).json()) == 10
    # Embedded: one TTL. With Redis an L1 may refill from an L2 entry late in its life: two.
    deadline = service.DETAIL_TTL * 1.1 * (2 if ctx.redis is not None else 1) + 0.5
    while available((await get_ok(client, url)).json()) != 6:
        assert time.monotonic() - changed_at < deadline, "stale stock beyond the TTL"
        await asyncio.sleep(0.1)
