"""The shopper's context in search ranking, over the real app on SQLite and PostgreSQL: the same
query ranks the product that sells in the shopper's province first, pages stay exact under the
boost, the result cache keeps one entry per context bucket, and the switch restores the plain
order. The lifts are recommend's context priors, written here as a training would."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import drain_outbox
from shoplet.core.pagination import encode_cursor
from shoplet.modules.members import public as members_public
from shoplet.modules.recommend.models import Popular
from shoplet.modules.search import context
from shoplet.modules.search.engine import Boost
from shoplet.modules.search.public import runtime_of
from tests.conftest import snapshot
from tests.modules.catalog.factories import make_category, simple_product
from tests.modules.orders.console_factories import shopper_headers

SEARCH = "/api/v1/search"
GUANGDONG, BEIJING = "440305", "110101"
LIFT = 3.0  # ln 3 / ln 4 of the weight 0.3: +238 points


@pytest.fixture
async def shop(ctx: AppContext) -> list[int]:
    """Nine products of the same lexical score and sales (plain order: newest first); the
    oldest sells three times its share in Guangdong, the second oldest in Beijing."""
    category = await make_category(ctx, "厨房")
    ids = [await simple_product(ctx, category, f"电饭煲 款{n}", 19900) for n in range(1, 10)]
    async with unit_of_work(ctx.sessionmaker) as session:
        session.add_all(
            [
                Popular(region="r440000", product_id=ids[0], score=LIFT),
                Popular(region="r110000", product_id=ids[1], score=LIFT),
            ]
        )
    await drain_outbox(ctx)
    runtime = runtime_of(ctx)
    await asyncio.wait_for(runtime.ready.wait(), 60)
    await runtime.poll()
    await runtime.load_context()
    return ids


async def _ids(client: httpx.AsyncClient, **params: Any) -> list[int]:
    response = await client.get(SEARCH, params={"q": "电饭煲", **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_two_regions_rank_their_best_seller_first(
    client: httpx.AsyncClient, shop: list[int]
) -> None:
    plain = await _ids(client)
    assert plain == shop[::-1]
    guangdong = await _ids(client, region=GUANGDONG)
    beijing = await _ids(client, region=BEIJING)
    assert guangdong == [shop[0], *[i for i in plain if i != shop[0]]]
    assert beijing == [shop[1], *[i for i in plain if i != shop[1]]]
    # A region with no priors, and other sorts, keep the plain order.
    assert await _ids(client, region="650102") == plain
    by_price = await _ids(client, region=GUANGDONG, sort="price_asc")
    assert by_price == await _ids(client, sort="price_asc")


async def test_pages_under_context_return_each_product_once(
    client: httpx.AsyncClient, shop: list[int]
) -> None:
    params: dict[str, Any] = {"q": "电饭煲", "limit": 3, "region": GUANGDONG}
    seen: list[int] = []
    pages = 0
    while True:
        body = (await client.get(SEARCH, params=params)).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if not body["next_cursor"]:
            break
        # The cursor carries the bucket: a later page needs no region and keeps its order.
        params = {"q": "电饭煲", "limit": 3, "cursor": body["next_cursor"]}
    assert pages == 3
    assert sorted(seen) == sorted(shop)
    assert len(seen) == len(set(seen)) == 9
    assert seen[0] == shop[0]


async def test_result_cache_hits_per_bucket(
    client: httpx.AsyncClient, ctx: AppContext, shop: list[int]
) -> None:
    runtime = runtime_of(ctx)
    runtime.results.clear()
    hits, misses = runtime.cache_hits, runtime.cache_misses
    first = await _ids(client, region=GUANGDONG)
    assert (runtime.cache_hits - hits, runtime.cache_misses - misses) == (0, 1)
    assert await _ids(client, region="440106") == first  # another city, same province
    assert (runtime.cache_hits - hits, runtime.cache_misses - misses) == (1, 1)
    assert await _ids(client, region=BEIJING) != first
    assert (runtime.cache_hits - hits, runtime.cache_misses - misses) == (1, 2)
    await _ids(client, region=BEIJING)
    assert (runtime.cache_hits - hits, runtime.cache_misses - misses) == (2, 2)
    # A bucket nothing sells better in shares the plain entry.
    await _ids(client)
    await _ids(client, region="650102")
    assert (runtime.cache_hits - hits, runtime.cache_misses - misses) == (3, 3)
    # Boost tables: Guangdong, Beijing, no province, Xinjiang (one season and hour).
    assert len(runtime.boosts) == 4


async def test_switch_off_restores_the_plain_order(
    client: httpx.AsyncClient,
    ctx: AppContext,
    shop: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = await _ids(client)
    assert (await _ids(client, region=GUANGDONG))[0] == shop[0]
    monkeypatch.setattr(ctx.settings, "search_context", False)
    await runtime_of(ctx).load_context()
    assert await _ids(client, region=GUANGDONG) == plain
    assert await _ids(client, region=BEIJING) == plain


async def test_bad_region_and_forged_cursor_are_refused(
    client: httpx.AsyncClient, ctx: AppContext, shop: list[int]
) -> None:
    before = await snapshot(ctx)
    for region in ("44030", "4403051", "abcdef", "040305"):
        response = await client.get(SEARCH, params={"q": "电饭煲", "region": region})
        assert response.status_code == 422, region
        assert response.json()["code"] == "request.invalid"
    for bucket in ("x1", "r44.r11", "s1.s2", 7):
        cursor = encode_cursor(["relevance", -1000, 0, -1, bucket])
        response = await client.get(SEARCH, params={"q": "电饭煲", "cursor": cursor})
        assert response.status_code == 400, bucket
        assert response.json()["code"] == "pagination.invalid_cursor"
    assert await snapshot(ctx) == before


def test_buckets_and_boost_are_bounded() -> None:
    at = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, summer
    assert context.bucket_of(at, GUANGDONG) == "r440000.s1.h2"
    assert context.bucket_of(at, None) == "s1.h2"
    assert context.keys_of("r440000.s1.h2") == ["r440000", "s1", "h2"]
    assert context.keys_of("r440000.r110000") is None
    lifts = {"r440000": {1: 3.0, 2: 100.0, 3: 0.5}, "s1": {1: 3.0}}
    boost = context.boost_of(lifts, ["r440000", "s1", "h2"], 0.3)
    assert isinstance(boost, Boost)
    assert boost.ids.tolist() == [1, 2]  # a lift below 1 is no boost
    assert boost.points.tolist() == [300, 300]  # 3 × 3 = 9 > the cap of 4: the whole weight
    assert context.boost_of(lifts, ["r440000"], 0.3).points.tolist() == [238, 300]


async def test_a_signed_in_shopper_is_ranked_by_the_default_address(
    client: httpx.AsyncClient,
    ctx: AppContext,
    shop: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []

    async def guangdong(_session: object, member_id: int) -> str:
        asked.append(member_id)
        return "440305"

    monkeypatch.setattr(members_public, "default_region_code", guangdong)
    headers = shopper_headers(ctx, 4242)
    for _ in range(2):
        response = await client.get(SEARCH, params={"q": "电饭煲"}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["items"][0]["id"] == shop[0]
    assert asked == [4242]  # the address's region is cached per member
    # An explicit region wins over the address.
    response = await client.get(SEARCH, params={"q": "电饭煲", "region": BEIJING}, headers=headers)
    assert response.json()["items"][0]["id"] == shop[1]
