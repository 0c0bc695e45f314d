"""Search click-through on SQLite and PostgreSQL: every search response carries a ``search_id``,
clicks are checked against it, a replayed click counts once (also 50 at the same time), the
rollup job and the console's figures for a scripted day, and bad input changes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.events import drain_outbox
from shoplet.core.impressions import ImpressionSigner, shop_day, signer_of
from shoplet.core.jobs import run_job
from shoplet.modules.search import clicks
from shoplet.modules.search.models import Click, DailyQuery, Impression
from shoplet.modules.search.public import runtime_of
from tests.conftest import snapshot
from tests.modules.catalog.factories import make_category, simple_product
from tests.modules.staff.conftest import bearer, token_for

SEARCH = "/api/v1/search"
CLICKS = "/api/v1/search/clicks"
ANALYTICS = "/api/v1/console/search/analytics"
TITLES = [
    ("美的电饭煲 家用4L", 29900),
    ("苏泊尔电饭锅 3L", 19900),
    ("小米电热水壶 1.5L", 9900),
    ("海尔滚筒洗衣机 10公斤", 199900),
    ("蓝月亮洗衣液 3kg", 4990),
]


@pytest.fixture
async def shop(ctx: AppContext) -> dict[str, int]:
    category = await make_category(ctx, "家居")
    ids = {title: await simple_product(ctx, category, title, price) for title, price in TITLES}
    await drain_outbox(ctx)
    runtime = runtime_of(ctx)
    await asyncio.wait_for(runtime.ready.wait(), 60)
    await runtime.poll()
    return ids


async def _search(client: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    response = await client.get(SEARCH, params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _count(ctx: AppContext, model: Any) -> int:
    async with ctx.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar() or 0)


async def test_each_search_page_has_an_impression_written_in_a_batch(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    first = await _search(client, "dian", limit=2)
    assert first["search_id"]
    assert first["next_cursor"]
    second = await _search(client, "dian", limit=2, cursor=first["next_cursor"])
    assert second["search_id"]
    assert second["search_id"] != first["search_id"]
    # Browsing (an empty query) is not a search.
    assert (await _search(client, ""))["search_id"] is None

    # Nothing is written on the request path; the runtime writes them with its statistics.
    assert await _count(ctx, Impression) == 0
    await runtime_of(ctx).flush_stats()
    async with ctx.sessionmaker() as session:
        rows = list(await session.scalars(select(Impression).order_by(Impression.first_page)))
    assert [(r.query, r.first_page, r.variant) for r in rows] == [
        ("dian", False, "default"),
        ("dian", True, "default"),
    ]
    assert rows[1].product_ids == [i["id"] for i in first["items"]]
    assert rows[1].result_count == first["total"]


async def test_click_is_recorded_once_and_replay_is_204(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    body = await _search(client, "电饭煲")
    product = body["items"][0]["id"]
    click = {"search_id": body["search_id"], "product_id": product, "position": 0}
    response = await client.post(CLICKS, json=click)
    assert response.status_code == 204, response.text
    # The runtime's flush writes the search's statistics and the click alike, so its periodic
    # flush cannot land between the two snapshots.
    await runtime_of(ctx).flush_stats()
    before = await snapshot(ctx)
    again = await client.post(CLICKS, json=click)
    assert again.status_code == 204
    await clicks.flush(ctx)
    assert await snapshot(ctx) == before
    async with ctx.sessionmaker() as session:
        row = (await session.scalars(select(Click))).one()
    assert (row.product_id, row.position, row.member_id) == (product, 0, None)


async def test_bad_clicks_are_400_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    body = await _search(client, "电")
    items = [i["id"] for i in body["items"]]
    assert len(items) >= 2
    sid = body["search_id"]
    other = ImpressionSigner("another shop's secret").issue(clicks.KIND, items)
    foreign = ImpressionSigner("another shop's secret").token(other)
    signer = signer_of(ctx)
    old = signer.token(
        signer.issue(clicks.KIND, items, now=(utcnow() - timedelta(days=2)).timestamp())
    )
    recommend_kind = signer.token(signer.issue(2, items))
    not_shown = shop["海尔滚筒洗衣机 10公斤"]
    assert not_shown not in items
    tampered = sid[:-2] + ("AA" if not sid.endswith("AA") else "BB")
    first = items[0]

    def click(token: str, product: int = first, position: int = 0) -> dict[str, Any]:
        return {"search_id": token, "product_id": product, "position": position}

    cases = [
        (click("x" * 40), "search.unknown_impression"),
        (click(tampered), "search.unknown_impression"),
        (click(foreign), "search.unknown_impression"),
        (click(old), "search.unknown_impression"),
        (click(recommend_kind), "search.unknown_impression"),
        (click(sid, not_shown), "search.click_not_shown"),
        (click(sid, first, len(items)), "search.click_position_out_of_range"),
        (click(sid, items[1], 0), "search.click_position_mismatch"),
    ]
    await clicks.flush(ctx)
    before = await snapshot(ctx)
    for payload, code in cases:
        response = await client.post(CLICKS, json=payload)
        assert response.status_code == 400, (payload, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code, payload
    for payload in (
        {"search_id": sid, "product_id": items[0]},
        {"search_id": sid, "product_id": items[0], "position": -1},
        {"search_id": sid, "product_id": items[0], "position": 100},
        {"search_id": sid, "product_id": 0, "position": 0},
        {"search_id": sid, "product_id": "1", "position": 0},
        {"search_id": sid, "product_id": items[0], "position": 0, "extra": 1},
    ):
        response = await client.post(CLICKS, json=payload)
        assert response.status_code == 422, (payload, response.text)
    assert await snapshot(ctx) == before


async def test_fifty_concurrent_copies_of_one_click_count_once(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    """On PostgreSQL the 50 requests insert truly at once; the primary key keeps one row."""
    body = await _search(client, "电饭煲")
    click = {"search_id": body["search_id"], "product_id": body["items"][0]["id"], "position": 0}
    responses = await asyncio.gather(*(client.post(CLICKS, json=click) for _ in range(50)))
    assert [r.status_code for r in responses] == [204] * 50
    await runtime_of(ctx).flush_stats()
    await clicks.rollup(ctx)
    assert await _count(ctx, Click) == 1
    async with ctx.sessionmaker() as session:
        row = (await session.scalars(select(DailyQuery))).one()
    assert (row.query, row.searches, row.clicks) == ("电饭煲", 1, 1)


async def test_rollup_and_console_figures_for_a_scripted_day(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    # 11 searches: 电饭煲 ×5, xiyiji ×3, 炊具 ×2 (nothing found), dian ×1 and a later page of it
    # (not a search); 3 clicks: 2 on 电饭煲 searches (one reported twice), 1 on dian's 2nd page.
    found: list[dict[str, Any]] = []
    for q in ["电饭煲"] * 5 + ["xiyiji"] * 3 + ["炊具"] * 2:
        found.append(await _search(client, q))
    assert [b["total"] == 0 for b in found[-2:]] == [True, True]
    page = await _search(client, "dian", limit=1)
    later = await _search(client, "dian", limit=1, cursor=page["next_cursor"])
    reports = [(found[0], 0), (found[0], 0), (found[1], 0), (later, 0)]
    for body, position in reports:
        click = {
            "search_id": body["search_id"],
            "product_id": body["items"][position]["id"],
            "position": position,
        }
        assert (await client.post(CLICKS, json=click)).status_code == 204
    await runtime_of(ctx).flush_stats()
    await run_job(ctx, "search.rollup_clicks")
    # The job is idempotent: a second run rewrites the same figures.
    await clicks.rollup(ctx)

    headers = bearer(await token_for(client, ctx, "analyst", role="support"))
    response = await client.get(ANALYTICS, headers=headers)
    assert response.status_code == 200, response.text
    report = response.json()
    today = shop_day(utcnow()).isoformat()
    assert report["date_to"] == today
    assert len(report["days"]) == 30
    day = report["days"][-1]
    assert day == {
        "day": today, "searches": 11, "clicks": 3, "zero_results": 2,
        "ctr": round(3 / 11, 4), "zero_rate": round(2 / 11, 4),
    }  # fmt: skip
    top = {q["query"]: q for q in report["top_queries"]}
    assert [q["query"] for q in report["top_queries"]] == ["电饭煲", "xiyiji", "炊具", "dian"]
    assert top["电饭煲"] == {
        "query": "电饭煲", "searches": 5, "clicks": 2, "zero_results": 0, "ctr": 0.4,
    }  # fmt: skip
    assert top["dian"]["searches"] == 1
    assert top["dian"]["clicks"] == 1
    assert [(q["query"], q["zero_results"]) for q in report["zero_result_queries"]] == [("炊具", 2)]

    # One day asked for, one day answered.
    only = await client.get(
        ANALYTICS, params={"date_from": today, "date_to": today}, headers=headers
    )
    assert len(only.json()["days"]) == 1


async def test_ten_searches_three_clicks_is_thirty_percent(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    bodies = [await _search(client, "电饭煲") for _ in range(10)]
    for body in bodies[:3]:
        click = {
            "search_id": body["search_id"],
            "product_id": body["items"][0]["id"],
            "position": 0,
        }
        assert (await client.post(CLICKS, json=click)).status_code == 204
    await runtime_of(ctx).flush_stats()
    await clicks.rollup(ctx)
    headers = bearer(await token_for(client, ctx, "analyst2"))
    report = (await client.get(ANALYTICS, headers=headers)).json()
    assert (report["searches"], report["clicks"], report["ctr"]) == (10, 3, 0.3)
    assert report["zero_rate"] == 0.0


async def test_click_through_per_ranking_arm(
    client: httpx.AsyncClient, ctx: AppContext, shop: dict[str, int]
) -> None:
    # An A/B test of ranking: four searches on the control, six on the popular preset.
    for ranking, count, clicked in (("default", 4, 1), ("popular", 6, 3)):
        for n in range(count):
            response = await client.get(SEARCH, params={"q": "电饭煲", "ranking": ranking})
            body = response.json()
            if n < clicked:
                click = {"search_id": body["search_id"], "product_id": body["items"][0]["id"]}
                response = await client.post(CLICKS, json={**click, "position": 0})
                assert response.status_code == 204
    # Another sort is not ranked by the preset: it counts as the default's.
    await client.get(SEARCH, params={"q": "电饭煲", "ranking": "popular", "sort": "price_asc"})
    await runtime_of(ctx).flush_stats()
    await clicks.rollup(ctx)
    headers = bearer(await token_for(client, ctx, "analyst3"))
    report = (await client.get(ANALYTICS, headers=headers)).json()
    assert report["variants"] == [
        {"variant": "default", "searches": 5, "clicks": 1, "zero_results": 0, "ctr": 0.2},
        {"variant": "popular", "searches": 6, "clicks": 3, "zero_results": 0, "ctr": 0.5},
    ]


async def test_console_range_and_permission(client: httpx.AsyncClient, ctx: AppContext) -> None:
    headers = bearer(await token_for(client, ctx, "ranger"))
    before = await snapshot(ctx)
    for params in (
        {"date_from": "2026-12-05", "date_to": "2026-12-01"},
        {"date_from": "2026-02-30"},
        {"date_from": "2024-01-01", "date_to": "2026-01-01"},
    ):
        response = await client.get(ANALYTICS, params=params, headers=headers)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["code"] == "request.invalid_date_range"
    malformed = await client.get(ANALYTICS, params={"date_from": "yesterday"}, headers=headers)
    assert malformed.status_code == 422
    assert (await client.get(ANALYTICS)).status_code == 401
    ok = await client.get(
        ANALYTICS, params={"date_from": "2026-11-01", "date_to": "2026-11-07"}, headers=headers
    )
    assert ok.status_code == 200
    assert [d["day"] for d in ok.json()["days"]][:2] == ["2026-11-01", "2026-11-02"]
    assert ok.json()["ctr"] is None
    assert await snapshot(ctx) == before
