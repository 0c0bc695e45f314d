"""HTTP caching of the storefront catalog reads: ETags, 304s, Cache-Control, and nothing
shared for requests that carry credentials."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.modules.catalog import public as catalog
from tests.conftest import StatementCounter, snapshot
from tests.modules.catalog.factories import make_category, make_product

PRODUCTS = "/api/v1/products"


async def arrange(ctx: AppContext) -> tuple[int, int]:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    await ctx.cache.drain()
    return category, product.id


def urls(category: int, product: int) -> list[tuple[str, str]]:
    """(url, Cache-Control) of every cached catalog read."""
    return [
        ("/api/v1/categories", "public, max-age=60, stale-while-revalidate=300"),
        (f"{PRODUCTS}?category_id={category}", "public, max-age=10, stale-while-revalidate=60"),
        (f"{PRODUCTS}/{product}", "public, max-age=3, stale-while-revalidate=10"),
        (f"{PRODUCTS}/by-barcode/6901234567892", "public, max-age=3, stale-while-revalidate=10"),
    ]


async def test_public_reads_carry_a_strong_etag_and_cache_control(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category, product = await arrange(ctx)
    for url, cache_control in urls(category, product):
        response = await client.get(url)
        assert response.status_code == 200, url
        digest = hashlib.blake2b(response.content, digest_size=16).hexdigest()
        assert response.headers["etag"] == f'"{digest}"'
        assert response.headers["cache-control"] == cache_control
        assert response.headers["vary"] == "Accept-Encoding"
        assert response.headers["content-type"] == "application/json"


async def test_if_none_match_answers_304_without_a_body_or_sql(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    category, product = await arrange(ctx)
    for url, cache_control in urls(category, product):
        etag = (await client.get(url)).headers["etag"]
        sql_counter.reset()
        for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            response = await client.get(url, headers={"If-None-Match": header})
            assert response.status_code == 304, (url, header)
            assert response.content == b""
            assert response.headers["etag"] == etag
            assert response.headers["cache-control"] == cache_control
        assert sql_counter.count == 0, sql_counter.statements
        stale = await client.get(url, headers={"If-None-Match": '"not-this-one"'})
        assert stale.status_code == 200
        assert stale.headers["etag"] == etag


async def test_an_update_changes_the_etag_and_old_validators_get_the_new_body(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, product = await arrange(ctx)
    url = f"{PRODUCTS}/{product}"
    old = await client.get(url)
    async with ctx.sessionmaker() as s:
        await catalog.update_product(s, product, catalog.ProductUpdate(title="新标题"), actor="t")
        await s.commit()
    response = await client.get(url, headers={"If-None-Match": old.headers["etag"]})
    assert response.status_code == 200
    assert response.json()["title"] == "新标题"
    assert response.headers["etag"] != old.headers["etag"]


@pytest.mark.parametrize("authorization", ["Bearer some.member.token", "Basic Zm9vOmJhcg=="])
async def test_requests_with_credentials_are_never_stored_by_shared_caches(
    client: httpx.AsyncClient, ctx: AppContext, authorization: str
) -> None:
    category, product = await arrange(ctx)
    for url, _ in urls(category, product):
        public = await client.get(url)
        personal = await client.get(url, headers={"Authorization": authorization})
        assert personal.status_code == 200, url
        assert personal.headers["cache-control"] == "private, no-store"
        assert "etag" not in personal.headers
        assert personal.content == public.content
        # No validator was handed out, so none is honoured either.
        revalidated = await client.get(
            url,
            headers={"Authorization": authorization, "If-None-Match": public.headers["etag"]},
        )
        assert revalidated.status_code == 200
        assert revalidated.headers["cache-control"] == "private, no-store"


async def test_errors_are_not_marked_cacheable(client: httpx.AsyncClient, ctx: AppContext) -> None:
    before = await snapshot(ctx)
    for url, status, code in (
        (f"{PRODUCTS}/424242", 404, "catalog.product_not_found"),
        (f"{PRODUCTS}/by-barcode/6900000000001", 404, "catalog.barcode_not_found"),
        (f"{PRODUCTS}?category_id=424242", 404, "catalog.category_not_found"),
        (f"{PRODUCTS}?cursor=nope", 400, "pagination.invalid_cursor"),
        (f"{PRODUCTS}?limit=51", 422, "request.invalid"),
    ):
        response = await client.get(url, headers={"If-None-Match": "*"})
        assert response.status_code == status, url
        assert response.json()["code"] == code
        assert "etag" not in response.headers
        assert "public" not in response.headers.get("cache-control", "")
    assert await snapshot(ctx) == before
