"""The product detail from two cache entries (service/detail_parts.py): a long-lived body and
a few seconds of stock, joined as bytes. The answer is byte for byte the encoded detail, a
stock change reloads only the stock (one statement), and the ETag follows both parts.

Every test runs embedded (SQLite, L1 only) and on PostgreSQL + Redis (L1 + L2).
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import orjson

from shoplet.core.cache import CachedBody, to_json_bytes
from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.catalog import service
from shoplet.modules.catalog.service.detail_parts import PLACEHOLDER, join, split_body
from shoplet.modules.inventory import public as inventory
from tests.conftest import StatementCounter
from tests.modules.catalog.factories import make_category, make_product
from tests.modules.catalog.test_cache import get_ok, rename, settled

PRODUCTS = "/api/v1/products"


async def test_the_joined_detail_is_the_encoded_detail_byte_for_byte(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    await settled(ctx)
    served = (await get_ok(client, f"{PRODUCTS}/{product.id}")).content
    async with ctx.sessionmaker() as s:
        detail = await service.get_product_detail(s, product.id)
    assert served == to_json_bytes(detail)
    assert [sku["available"] for sku in orjson.loads(served)["skus"]] == [
        sku.available for sku in detail.skus
    ]


async def test_a_stock_change_reloads_only_the_stock_and_changes_the_etag(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    first_sku = product.skus[0].id
    url = f"{PRODUCTS}/{product.id}"
    await settled(ctx)
    first = await get_ok(client, url)
    etag = first.headers["etag"]
    assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 304
    body_key = ctx.cache.full_key(service.CACHE_PRODUCT, product.id)
    body_before = await ctx.cache.l1.get(body_key)

    async with ctx.sessionmaker() as s:
        await inventory.reserve(
            s, ref="O1", lines=[(first_sku, 4)], expires_at=utcnow() + timedelta(minutes=5)
        )
        await s.commit()
    # What the stock TTL does a few seconds later, at once.
    await ctx.cache.invalidate(service.CACHE_PRODUCT_STOCK, product.id)
    sql_counter.reset()
    second = await get_ok(client, url)
    assert sql_counter.count == 1, sql_counter.statements  # the stock levels, nothing else
    assert await ctx.cache.l1.get(body_key) == body_before  # the body was not reloaded
    skus = {sku["id"]: sku["available"] for sku in second.json()["skus"]}
    before = {sku["id"]: sku["available"] for sku in first.json()["skus"]}
    assert skus == {**before, first_sku: before[first_sku] - 4}
    assert second.headers["etag"] != etag
    assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 200
    again = await client.get(url, headers={"If-None-Match": second.headers["etag"]})
    assert again.status_code == 304


async def test_a_product_write_reloads_the_body_and_changes_the_etag(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    url = f"{PRODUCTS}/{product.id}"
    await settled(ctx)
    etag = (await get_ok(client, url)).headers["etag"]
    await rename(ctx, product.id, "新名字")
    await settled(ctx)
    renamed = await get_ok(client, url)
    assert renamed.json()["title"] == "新名字"
    assert renamed.headers["etag"] != etag


def test_split_and_join_keep_text_that_looks_like_a_placeholder() -> None:
    tricky = f'"available":{PLACEHOLDER}'
    body = orjson.dumps(
        {
            "title": tricky,
            "skus": [
                {"id": 7, "available": PLACEHOLDER, "barcode": tricky},
                {"id": 9, "available": PLACEHOLDER, "barcode": None},
            ],
        }
    )
    template = split_body(body)
    assert template.sku_ids == (7, 9)
    joined = join(template, orjson.dumps({"7": 3, "9": 0}))
    assert orjson.loads(joined) == {
        "title": tricky,
        "skus": [
            {"id": 7, "available": 3, "barcode": tricky},
            {"id": 9, "available": 0, "barcode": None},
        ],
    }
    # A SKU the stock entry does not know yet (added since it was read) shows none available.
    assert orjson.loads(join(template, orjson.dumps({"7": 3})))["skus"][1]["available"] == 0
    assert CachedBody.of(joined).etag
