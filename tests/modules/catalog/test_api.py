from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from shoplet.modules.search import public as search
from tests.conftest import StatementCounter, snapshot
from tests.modules.catalog.factories import (
    IMAGE,
    make_category,
    make_product,
    simple_product,
    sku,
)

T0 = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)


async def get_problem(client: httpx.AsyncClient, url: str, status: int, code: str) -> None:
    response = await client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


# --- categories --------------------------------------------------------------------------------


async def test_categories_tree_shows_active_only(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    phones = await make_category(ctx, "手机", sort_order=2)
    clothes = await make_category(ctx, "服饰", sort_order=1)
    hidden = await make_category(ctx, "隐藏", is_active=False)
    await make_category(ctx, "隐藏子类", parent_id=hidden)
    fold = await make_category(ctx, "折叠屏", parent_id=phones, sort_order=2)
    smart = await make_category(ctx, "智能手机", parent_id=phones, sort_order=1)
    await make_category(ctx, "老人机", parent_id=phones, is_active=False)
    response = await client.get("/api/v1/categories")
    assert response.status_code == 200

    def node(id_: int, name: str, parent: int | None, order: int, children: Any = ()) -> Any:
        return {
            "id": id_,
            "parent_id": parent,
            "name": name,
            "icon": None,
            "sort_order": order,
            "is_active": True,
            "children": list(children),
        }

    assert response.json() == [
        node(clothes, "服饰", None, 1),
        node(
            phones,
            "手机",
            None,
            2,
            [node(smart, "智能手机", phones, 1), node(fold, "折叠屏", phones, 2)],
        ),
    ]


# --- product list ------------------------------------------------------------------------------


async def test_list_shows_on_sale_products_with_exact_fields(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category, sales=7)
    await simple_product(ctx, category, "草稿商品", 100, status="draft")
    await simple_product(ctx, category, "下架商品", 100, status="off_sale")
    response = await client.get("/api/v1/products")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": product.id,
                "title": "华为 Mate 60 Pro 智能手机",
                "subtitle": "卫星通话 昆仑玻璃",
                "image": IMAGE,
                "image_set": None,
                "price": 699900,
                "original_price": 699900,
                "sales_count": 7,
                "category_id": category,
                "has_model": False,
            }
        ],
        "next_cursor": None,
    }


async def test_category_filter_includes_children(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    phones = await make_category(ctx, "手机")
    smart = await make_category(ctx, "智能手机", parent_id=phones)
    fold = await make_category(ctx, "折叠屏", parent_id=phones)
    books = await make_category(ctx, "图书")
    a = await simple_product(ctx, phones, "A", 100)
    b = await simple_product(ctx, smart, "B", 200)
    c = await simple_product(ctx, fold, "C", 300)
    await simple_product(ctx, books, "D", 400)

    async def ids(url: str) -> set[int]:
        response = await client.get(url)
        assert response.status_code == 200
        return {item["id"] for item in response.json()["items"]}

    assert await ids(f"/api/v1/products?category_id={phones}") == {a, b, c}
    assert await ids(f"/api/v1/products?category_id={smart}") == {b}
    await get_problem(
        client, "/api/v1/products?category_id=9999", 404, "catalog.category_not_found"
    )


async def test_inactive_category_is_not_found(client: httpx.AsyncClient, ctx: AppContext) -> None:
    hidden = await make_category(ctx, "隐藏", is_active=False)
    await simple_product(ctx, hidden, "A", 100)
    await get_problem(
        client, f"/api/v1/products?category_id={hidden}", 404, "catalog.category_not_found"
    )


async def test_price_and_keyword_filters(client: httpx.AsyncClient, ctx: AppContext) -> None:
    category = await make_category(ctx)
    cheap = await simple_product(ctx, category, "纯棉T恤 男女同款", 5900, subtitle="100%棉")
    mid = await simple_product(ctx, category, "牛仔裤", 15900, subtitle="弹力 修身 T恤搭配")
    dear = await simple_product(ctx, category, "Down Jacket 羽绒服", 39900)

    async def ids(query: str) -> list[int]:
        response = await client.get(f"/api/v1/products?sort=price_asc&{query}")
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids("min_price=5900&max_price=15900") == [cheap, mid]
    assert await ids("min_price=6000") == [mid, dear]
    assert await ids("max_price=5899") == []
    assert await ids("min_price=15900&max_price=15900") == [mid]
    # `q` matches through the search index. The factory writes rows without the catalog's
    # change events, so the index is built anew once it is up (it may have been built before
    # the products existed).
    runtime = search.runtime_of(ctx)
    await asyncio.wait_for(runtime.ready.wait(), 60)
    await runtime.build()
    assert await ids("q=T恤") == [cheap, mid]  # title or subtitle
    assert await ids("q=down jacket") == [dear]  # case-insensitive
    assert await ids("q=100%25") == [cheap]  # % is a literal, not a wildcard
    # A lone "%" matches literally (the SQL fallback while the search index builds) or nothing
    # (the search engine keeps no punctuation): never every product.
    assert await ids("q=%25") in ([cheap], [])
    assert await ids("q=_") == []


async def test_a_corrected_price_range_keeps_both_bounds_on_every_page(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    cheap = await simple_product(ctx, category, "便宜", 5900)
    mid = await simple_product(ctx, category, "中等", 15900)
    dear = await simple_product(ctx, category, "较贵", 39900)
    top = await simple_product(ctx, category, "最贵", 99900)

    async def ids(query: str) -> list[int]:
        found: list[int] = []
        cursor = ""
        while True:  # one product per page: every page must keep the filter
            response = await client.get(f"/api/v1/products?sort=price_asc&limit=1&{query}{cursor}")
            assert response.status_code == 200, response.text
            body = response.json()
            found += [item["id"] for item in body["items"]]
            if not body["next_cursor"]:
                return found
            cursor = f"&cursor={body['next_cursor']}"

    before = await snapshot(ctx)
    await get_problem(
        client,
        "/api/v1/products?min_price=15900&max_price=5900",
        400,
        "catalog.invalid_price_range",
    )
    assert await snapshot(ctx) == before
    # The shopper corrects the range by raising the maximum, lowering the minimum or clearing
    # the maximum: the minimum still applies, on every page.
    assert await ids("min_price=15900&max_price=39900") == [mid, dear]
    assert await ids("min_price=5900&max_price=15900") == [cheap, mid]
    assert await ids("min_price=15900") == [mid, dear, top]
    assert await ids("max_price=39900&min_price=15900") == [mid, dear]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("cursor=not-a-cursor!", 400, "pagination.invalid_cursor"),
        ("cursor=WzEsMl0", 400, "pagination.invalid_cursor"),  # [1,2]: wrong shape
        ("cursor=WyJzYWxlcyIsMSwyXQ", 400, "pagination.invalid_cursor"),  # a "sales" cursor
        ("cursor=WyJkZWZhdWx0IiwieCIsMl0", 400, "pagination.invalid_cursor"),  # key not int
        ("cursor=WyJkZWZhdWx0Iiw5OTk5OTk5OTk5OTk5OTk5OTk5LDJd", 400, "pagination.invalid_cursor"),
        ("limit=0", 422, "request.invalid"),
        ("limit=51", 422, "request.invalid"),
        ("limit=abc", 422, "request.invalid"),
        ("min_price=300&max_price=200", 400, "catalog.invalid_price_range"),
        ("min_price=-1", 422, "request.invalid"),
        ("sort=cheapest", 422, "request.invalid"),
        ("category_id=0", 422, "request.invalid"),
        ("category_id=99999999999999999999", 422, "request.invalid"),
        ("q=", 422, "request.invalid"),
        ("q=" + "长" * 51, 422, "request.invalid"),
    ],
)
async def test_list_rejects_bad_queries(
    client: httpx.AsyncClient, ctx: AppContext, query: str, status: int, code: str
) -> None:
    category = await make_category(ctx)
    await simple_product(ctx, category, "A", 100)
    before = await snapshot(ctx)
    await get_problem(client, f"/api/v1/products?{query}", status, code)
    assert await snapshot(ctx) == before


async def _catalog_for_sorting(ctx: AppContext) -> dict[int, dict[str, Any]]:
    """13 products with ties on every sort key, so pages break inside runs of equal keys."""
    category = await make_category(ctx)
    facts: dict[int, dict[str, Any]] = {}
    prices = [100, 100, 200, 200, 200, 50, 300, 300, 100, 50, 999, 200, 100]
    sales = [5, 5, 0, 9, 9, 9, 1, 0, 5, 2, 9, 0, 5]
    for i, (price, sold) in enumerate(zip(prices, sales, strict=True)):
        created = T0 + timedelta(hours=i // 3)  # runs of three equal creation times
        published = T0 + timedelta(days=2, hours=(i * 5) % 4)
        product = await make_product(
            ctx,
            category,
            title=f"商品{i}",
            status="draft",
            now=created,
            sales=sold,
            skus=[sku(price, ("规格", "标准"), stock=1), sku(price + 50, ("规格", "豪华"))],
        )
        async with ctx.sessionmaker() as s:
            await catalog.set_product_status(s, product.id, "on_sale", actor="t", now=published)
            await s.commit()
        facts[product.id] = {
            "price": price,
            "sales": sold,
            "created": created,
            "published": published,
        }
    hidden = await simple_product(ctx, category, "下架", 1, status="off_sale")
    assert hidden not in facts
    return facts


def _expected(facts: dict[int, dict[str, Any]], sort: str) -> list[int]:
    key = {
        "default": lambda i: (facts[i]["published"], i),
        "sales": lambda i: (facts[i]["sales"], i),
        "price_asc": lambda i: (facts[i]["price"], i),
        "price_desc": lambda i: (facts[i]["price"], i),
        "newest": lambda i: (facts[i]["created"], i),
    }[sort]
    return sorted(facts, key=key, reverse=sort != "price_asc")


@pytest.mark.parametrize("sort", ["default", "sales", "price_asc", "price_desc", "newest"])
@pytest.mark.parametrize("limit", [1, 4, 13, 50])
async def test_cursor_walk_has_no_gaps_or_duplicates(
    client: httpx.AsyncClient, ctx: AppContext, sort: str, limit: int
) -> None:
    facts = await _catalog_for_sorting(ctx)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        url = f"/api/v1/products?sort={sort}&limit={limit}"
        response = await client.get(url + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == _expected(facts, sort)
    assert pages == -(-13 // limit)  # a full last page carries no cursor to an empty one


async def test_cursor_pages_exactly(client: httpx.AsyncClient, ctx: AppContext) -> None:
    facts = await _catalog_for_sorting(ctx)
    first = (await client.get("/api/v1/products?sort=sales&limit=5")).json()
    second = (
        await client.get(f"/api/v1/products?sort=sales&limit=5&cursor={first['next_cursor']}")
    ).json()
    third = (
        await client.get(f"/api/v1/products?sort=sales&limit=5&cursor={second['next_cursor']}")
    ).json()
    expected = _expected(facts, "sales")
    assert [i["id"] for i in first["items"]] == expected[:5]
    assert [i["id"] for i in second["items"]] == expected[5:10]
    assert [i["id"] for i in third["items"]] == expected[10:]
    assert third["next_cursor"] is None
    # A cursor is bound to its sort.
    await get_problem(
        client,
        f"/api/v1/products?sort=newest&cursor={first['next_cursor']}",
        400,
        "pagination.invalid_cursor",
    )


async def test_list_uses_at_most_two_statements(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    top = await make_category(ctx)
    child = await make_category(ctx, "子类", parent_id=top)
    for i in range(5):
        await simple_product(ctx, child, f"P{i}", 100 + i)
    for query in ("", f"?category_id={top}&sort=price_desc&limit=2&q=P&min_price=1"):
        sql_counter.reset()
        response = await client.get(f"/api/v1/products{query}")
        assert response.status_code == 200
        assert sql_counter.count <= 2, sql_counter.statements


# --- product detail ----------------------------------------------------------------------------


async def test_detail_has_specs_skus_and_available_stock(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category, turntable_images=[IMAGE] * 3, sales=3)
    black_512, black_1tb, white_512 = (s.id for s in product.skus)
    async with ctx.sessionmaker() as s:
        await inventory.reserve(
            s, ref="O1", lines=[(black_512, 4)], expires_at=utcnow() + timedelta(minutes=5)
        )
        await s.commit()
    sql_counter.reset()
    response = await client.get(f"/api/v1/products/{product.id}")
    assert response.status_code == 200
    assert sql_counter.count <= 4, sql_counter.statements
    assert response.json() == {
        "id": product.id,
        "category_id": category,
        "title": "华为 Mate 60 Pro 智能手机",
        "subtitle": "卫星通话 昆仑玻璃",
        # A plain-text description (written before the editor) is served as paragraphs.
        "description": "<p>超可靠玄武架构</p>",
        "images": [IMAGE, "/media/products/fedcba9876543210fedc.jpg"],
        "turntable_images": [IMAGE, IMAGE, IMAGE],
        "gallery": [],
        "detail_images": [],
        "video": None,
        "model3d": None,
        "price": 699900,
        "max_price": 799900,
        "original_price": 699900,
        "sales_count": 3,
        "specs": [
            {"name": "颜色", "values": ["黑", "白"]},
            {"name": "存储", "values": ["512GB", "1TB"]},
        ],
        "skus": [
            {
                "id": black_512,
                "specs": [{"name": "颜色", "value": "黑"}, {"name": "存储", "value": "512GB"}],
                "price": 699900,
                "original_price": 699900,
                "barcode": "6901234567892",
                "available": 6,
                "image": None,
            },
            {
                "id": black_1tb,
                "specs": [{"name": "颜色", "value": "黑"}, {"name": "存储", "value": "1TB"}],
                "price": 799900,
                "original_price": 829900,
                "barcode": None,
                "available": 10,
                "image": None,
            },
            {
                "id": white_512,
                "specs": [{"name": "颜色", "value": "白"}, {"name": "存储", "value": "512GB"}],
                "price": 699900,
                "original_price": 699900,
                "barcode": None,
                "available": 0,
                "image": None,
            },
        ],
    }


async def test_detail_hides_inactive_skus(client: httpx.AsyncClient, ctx: AppContext) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    black_512, _, white_512 = (s.id for s in product.skus)
    async with ctx.sessionmaker() as s:
        await catalog.update_product(
            s,
            product.id,
            catalog.ProductUpdate.model_validate(
                {
                    "skus": [
                        {"id": black_512, "specs": [{"name": "颜色", "value": "黑"},
                                                    {"name": "存储", "value": "512GB"}],
                         "price": 699900, "barcode": "6901234567892"},
                        {"id": white_512, "specs": [{"name": "颜色", "value": "白"},
                                                    {"name": "存储", "value": "512GB"}],
                         "price": 1000, "is_active": False},
                    ]
                }
            ),
            actor="t",
        )  # fmt: skip
        await s.commit()
    body = (await client.get(f"/api/v1/products/{product.id}")).json()
    assert [s["id"] for s in body["skus"]] == [black_512]
    assert body["specs"] == [
        {"name": "颜色", "values": ["黑"]},
        {"name": "存储", "values": ["512GB"]},
    ]
    assert (body["price"], body["max_price"]) == (699900, 699900)


@pytest.mark.parametrize("status", ["draft", "off_sale"])
async def test_detail_of_unpublished_product_is_not_found(
    client: httpx.AsyncClient, ctx: AppContext, status: str
) -> None:
    category = await make_category(ctx)
    product_id = await simple_product(ctx, category, "A", 100, status=status)
    before = await snapshot(ctx)
    await get_problem(client, f"/api/v1/products/{product_id}", 404, "catalog.product_not_found")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/products/424242", 404, "catalog.product_not_found"),
        ("/api/v1/products/0", 422, "request.invalid"),
        ("/api/v1/products/abc", 422, "request.invalid"),
        ("/api/v1/products/99999999999999999999", 422, "request.invalid"),
    ],
)
async def test_detail_rejects_unknown_ids(
    client: httpx.AsyncClient, ctx: AppContext, path: str, status: int, code: str
) -> None:
    before = await snapshot(ctx)
    await get_problem(client, path, status, code)
    assert await snapshot(ctx) == before


# --- barcode -----------------------------------------------------------------------------------


async def test_barcode_finds_product_and_sku(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    sql_counter.reset()
    response = await client.get("/api/v1/products/by-barcode/6901234567892")
    assert response.status_code == 200
    assert sql_counter.count <= 4, sql_counter.statements
    body = response.json()
    assert body["sku_id"] == product.skus[0].id
    assert body["id"] == product.id
    assert [s["id"] for s in body["skus"]] == [s.id for s in product.skus]
    detail = (await client.get(f"/api/v1/products/{product.id}")).json()
    assert {k: v for k, v in body.items() if k != "sku_id"} == detail


async def test_barcode_of_hidden_products_or_skus_is_not_found(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx)
    product = await make_product(ctx, category)
    draft = await make_product(
        ctx, category, status="draft", skus=[sku(100, barcode="6909999999998")]
    )
    assert draft.status == "draft"
    async with ctx.sessionmaker() as s:
        await catalog.update_product(
            s,
            product.id,
            catalog.ProductUpdate.model_validate(
                {"skus": [{"id": product.skus[1].id, "specs": [{"name": "颜色", "value": "黑"},
                          {"name": "存储", "value": "1TB"}], "price": 799900}]}
            ),
            actor="t",
        )  # fmt: skip
        await s.commit()
    before = await snapshot(ctx)
    for code in ("6901234567892", "6909999999998", "12345678"):
        await get_problem(
            client, f"/api/v1/products/by-barcode/{code}", 404, "catalog.barcode_not_found"
        )
    await get_problem(client, "/api/v1/products/by-barcode/abc", 422, "request.invalid")
    await get_problem(client, "/api/v1/products/by-barcode/1234567", 422, "request.invalid")
    assert await snapshot(ctx) == before


async def test_openapi_documents_catalog_routes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {
        "/api/v1/categories",
        "/api/v1/products",
        "/api/v1/products/{product_id}",
        "/api/v1/products/by-barcode/{code}",
    } <= paths.keys()
    assert paths["/api/v1/products"]["get"]["tags"] == ["catalog"]
