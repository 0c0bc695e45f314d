"""Search over the real app, on SQLite and PostgreSQL: every query form finds its product among
look-alikes, catalog changes reach the index through the real event path within 5 s, odd input
never fails, and the console's dictionary and zero-result list."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.core.pagination import decode_cursor, encode_cursor
from shoplet.modules.catalog import public as catalog
from shoplet.modules.search import clicks
from shoplet.modules.search.public import runtime_of
from tests.conftest import snapshot
from tests.modules.catalog.factories import make_category, simple_product
from tests.modules.staff.conftest import bearer, token_for

SEARCH = "/api/v1/search"
TITLES = [
    ("美的电饭煲 家用4L", 29900),
    ("苏泊尔电饭锅 3L", 19900),
    ("小米电热水壶 1.5L", 9900),
    ("海尔滚筒洗衣机 10公斤", 199900),
    ("蓝月亮洗衣液 3kg", 4990),
    ("雅诗兰黛口红 302", 32000),
    ("一次性医用口罩 50只", 2990),
    ("牧高笛露营帐篷 户外防雨", 59900),
    ("飞鹤奶粉 3段", 25800),
    ("苹果 iPhone15 手机", 599900),
    ("重庆火锅底料", 1990),
    ("女士羽绒服 冬季", 89900),
]


async def _ready(ctx: AppContext) -> None:
    runtime = runtime_of(ctx)
    await asyncio.wait_for(runtime.ready.wait(), 60)


@pytest.fixture
async def shop(ctx: AppContext) -> dict[str, int]:
    category = await make_category(ctx, "家居")
    ids = {title: await simple_product(ctx, category, title, price) for title, price in TITLES}
    await drain_outbox(ctx)
    runtime = runtime_of(ctx)
    await _ready(ctx)
    await runtime.poll()
    return ids


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("电饭煲", "美的电饭煲 家用4L"),
        ("xiyiji", "海尔滚筒洗衣机 10公斤"),
        ("kou hong", "雅诗兰黛口红 302"),
        ("dfb", "美的电饭煲 家用4L"),
        ("露营zhangpeng", "牧高笛露营帐篷 户外防雨"),
        ("饭煲", "美的电饭煲 家用4L"),
        ("电饭包", "美的电饭煲 家用4L"),
        ("奶分", "飞鹤奶粉 3段"),
        ("xiyiij", "海尔滚筒洗衣机 10公斤"),
        ("chongqing", "重庆火锅底料"),
        ("nvshi", "女士羽绒服 冬季"),
        ("nushi", "女士羽绒服 冬季"),
    ],
)
async def test_each_query_form_finds_its_product_in_the_top_5(
    client: httpx.AsyncClient, shop: dict[str, int], query: str, title: str
) -> None:
    response = await client.get(SEARCH, params={"q": query, "limit": 5})
    assert response.status_code == 200, response.text
    titles = [item["title"] for item in response.json()["items"]]
    assert title in titles
    assert titles[0] == title


async def test_look_alikes_and_card_fields(client: httpx.AsyncClient, shop: dict[str, int]) -> None:
    body = (await client.get(SEARCH, params={"q": "电饭包"})).json()
    assert [i["title"] for i in body["items"]] == ["美的电饭煲 家用4L"]
    assert body["corrected_query"] == "电饭煲"
    item = body["items"][0]
    assert set(item) == {
        "id", "title", "subtitle", "image", "image_set", "price", "original_price",
        "sales_count", "category_id", "has_model",
    }  # fmt: skip
    assert item["price"] == 29900
    assert body["facets"]["in_stock"] == 1
    assert body["facets"]["price_ranges"] == [{"min": 10000, "max": 30000, "count": 1}]
    for query, absent in (("口红", "口罩"), ("洗衣机", "洗衣液"), ("电饭煲", "电饭锅")):
        titles = [
            i["title"] for i in (await client.get(SEARCH, params={"q": query})).json()["items"]
        ]
        assert not any(absent in t for t in titles), (query, titles)


async def test_filters_sorts_and_keyset_pages(
    client: httpx.AsyncClient, shop: dict[str, int]
) -> None:
    params: dict[str, Any] = {"q": "", "sort": "price_asc", "limit": 5}
    seen: list[int] = []
    while True:
        body = (await client.get(SEARCH, params=params)).json()
        seen += [i["price"] for i in body["items"]]
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == sorted(p for _, p in TITLES)
    body = (await client.get(SEARCH, params={"q": "dian", "price_max": 20000})).json()
    assert {i["title"] for i in body["items"]} == {"苏泊尔电饭锅 3L", "小米电热水壶 1.5L"}
    bad = await client.get(SEARCH, params={"q": "x", "cursor": "nonsense"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "pagination.invalid_cursor"
    bad = await client.get(SEARCH, params={"q": "x", "price_min": 5, "price_max": 1})
    assert bad.json()["code"] == "search.invalid_price_range"


async def test_ranking_preset_is_validated_and_kept_by_the_cursor(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    params: dict[str, Any] = {"q": "dian", "limit": 1, "ranking": "popular"}
    first = (await client.get(SEARCH, params=params)).json()
    cursor = first["next_cursor"]
    assert decode_cursor(cursor, length=6)[5] == "popular"
    # Page 2 keeps page 1's preset whatever the request says.
    second = await client.get(SEARCH, params={**params, "ranking": "lexical", "cursor": cursor})
    assert second.status_code == 200
    assert decode_cursor(second.json()["next_cursor"], length=6)[5] == "popular"
    tables = [t for t in (await snapshot(ctx)) if t != "search_query_stat"]
    # The two good pages' impressions are buffered: written now, not during the snapshots.
    await clicks.flush(ctx)
    before = await snapshot(ctx, *tables)
    bad = await client.get(SEARCH, params={"q": "dian", "ranking": "newest"})
    assert bad.status_code == 422
    forged = encode_cursor([*decode_cursor(cursor, length=6)[:5], "newest"])
    bad = await client.get(SEARCH, params={"q": "dian", "cursor": forged})
    assert bad.status_code == 400
    assert bad.json()["code"] == "pagination.invalid_cursor"
    await clicks.flush(ctx)
    assert await snapshot(ctx, *tables) == before


@pytest.mark.parametrize(
    ("q", "status"),
    [("", 200), ("a" * 300, 200), ("😀🎉", 200), ("电饭煲" * 100, 200), ("a" * 301, 422),
     ("口红\x00", 422), ("\x1b[31m", 422), ("%ff%fe", 200)],
)  # fmt: skip
async def test_odd_input_never_fails(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int], q: str, status: int
) -> None:
    # Every table but the query statistics and impressions (counting what shoppers type and
    # see is the point of them; impressions are written by a buffer on its own clock).
    tables = [
        t for t in (await snapshot(ctx)) if t not in ("search_query_stat", "search_impression")
    ]
    before = await snapshot(ctx, *tables)
    for path in (SEARCH, f"{SEARCH}/suggest", "/api/v1/products"):
        response = await client.get(path, params={"q": q})
        assert response.status_code in (status, 422) if path.endswith("products") else True
        assert response.status_code < 500, (path, response.text)
        if path != "/api/v1/products":
            assert response.status_code == status, (path, response.text)
    assert await snapshot(ctx, *tables) == before


async def test_suggest_and_hot_and_product_list(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    suggestions = (await client.get(f"{SEARCH}/suggest", params={"q": "pingg"})).json()
    assert suggestions["suggestions"][0] == "苹果"
    for _ in range(3):
        await client.get(SEARCH, params={"q": "口红"})
    await client.get(SEARCH, params={"q": "不存在的东西"})
    runtime = runtime_of(ctx)
    await runtime.flush_stats()
    await runtime.load_popular()
    assert (await client.get(f"{SEARCH}/hot")).json()["queries"] == ["口红"]
    listed = (await client.get("/api/v1/products", params={"q": "xiyiji"})).json()
    assert [i["title"] for i in listed["items"]] == ["海尔滚筒洗衣机 10公斤"]


async def _visible_within(
    client: httpx.AsyncClient, ctx: AppContext, query: str, check: Any, seconds: float = 5.0
) -> float:
    """Deliver the outbox (the real relay and handler), then wait for the index's own poll."""
    started = time.monotonic()
    await drain_outbox(ctx)
    while time.monotonic() - started < seconds:
        body = (await client.get(SEARCH, params={"q": query})).json()
        if check(body):
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"not visible within {seconds} s")


async def test_price_change_and_unpublish_reach_the_index_within_5_s(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    product_id = shop["美的电饭煲 家用4L"]
    async with ctx.sessionmaker() as s:
        admin = await catalog.get_product_admin(s, product_id)
        skus = [catalog.SkuUpdate(id=admin.skus[0].id, specs=[], price=25900, original_price=29900)]
        await catalog.update_product(s, product_id, catalog.ProductUpdate(skus=skus), actor="t")
        await s.commit()
    took = await _visible_within(
        client, ctx, "电饭煲", lambda b: b["items"] and b["items"][0]["price"] == 25900
    )
    assert took < 5
    async with ctx.sessionmaker() as s:
        await catalog.set_product_status(s, product_id, "off_sale", actor="t")
        await s.commit()
    took = await _visible_within(
        client, ctx, "电饭煲", lambda b: product_id not in {i["id"] for i in b["items"]}
    )
    assert took < 5


async def test_console_dictionary_and_zero_results(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    headers = bearer(await token_for(client, ctx, "searcher"))
    console = "/api/v1/console/search"
    assert (await client.get(SEARCH, params={"q": "炊具"})).json()["total"] == 0
    runtime = runtime_of(ctx)
    await runtime.flush_stats()
    zero = (await client.get(f"{console}/zero-results", headers=headers)).json()
    assert [z["query"] for z in zero["items"]] == ["炊具"]

    before = await snapshot(ctx)
    for body in ({"words": ["电饭煲"]}, {"words": ["电饭煲", " 电饭煲 "]}):
        bad = await client.post(f"{console}/synonyms", json=body, headers=headers)
        assert bad.status_code in (400, 422), bad.text
    bad = await client.post(
        f"{console}/zero-results/synonym", json={"query": "没搜过", "words": ["电饭煲"]},
        headers=headers,
    )  # fmt: skip
    assert bad.json()["code"] == "search.query_not_found"
    assert await snapshot(ctx) == before

    made = await client.post(
        f"{console}/zero-results/synonym", json={"query": "炊具", "words": ["电饭煲"]},
        headers=headers,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["words"] == ["炊具", "电饭煲"]
    await runtime.poll()
    found = (await client.get(SEARCH, params={"q": "炊具"})).json()
    assert [i["title"] for i in found["items"]] == ["美的电饭煲 家用4L"]

    # A latin word the index does not have works as a synonym too (shoppers type brand names).
    latin = await client.post(
        f"{console}/synonyms", json={"words": ["ricecooker", "电饭煲"]}, headers=headers
    )
    assert latin.status_code == 201, latin.text
    await runtime.poll()
    found = (await client.get(SEARCH, params={"q": "RiceCooker"})).json()
    assert [i["title"] for i in found["items"]] == ["美的电饭煲 家用4L"]

    correction = await client.post(
        f"{console}/corrections", json={"wrong": "电板煲", "right": "电饭煲"}, headers=headers
    )
    assert correction.status_code == 201
    again = await client.post(
        f"{console}/corrections", json={"wrong": "电板煲", "right": "电饭锅"}, headers=headers
    )
    assert again.json()["code"] == "search.correction_exists"
    await runtime.poll()
    found = (await client.get(SEARCH, params={"q": "电板煲"})).json()
    assert found["items"][0]["title"] == "美的电饭煲 家用4L"
    status = (await client.get(f"{console}/index", headers=headers)).json()
    assert status["ready"] is True
    assert status["products"] == len(TITLES)
