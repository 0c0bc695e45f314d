"""Recommendation click-through on SQLite and PostgreSQL: every shelf carries a ``rec_id``
with the model of each product, clicks are checked against it, a replayed click counts once
(also 50 at the same time), the rollup per placement and model, and the console's figures."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.impressions import shop_day, signer_of
from shoplet.core.jobs import run_job
from shoplet.modules.recommend import clicks
from shoplet.modules.recommend.clicks import daily_rows
from shoplet.modules.recommend.models import Click, Daily, Impression
from tests.conftest import snapshot
from tests.modules.orders.console_factories import make_sku
from tests.modules.staff.conftest import bearer, token_for

URL = "/api/v1/recommendations"
CLICKS = "/api/v1/recommendations/clicks"
ANALYTICS = "/api/v1/console/recommendations/analytics"


async def _shop(ctx: AppContext) -> list[int]:
    titles = ["智能手机 Pro", "手机壳 防摔", "钢化膜", "纯棉T恤"]
    return [(await make_sku(ctx, title=t, price=1990)).product_id for t in titles]


async def _shelf(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(URL, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _click(body: dict[str, Any], position: int = 0) -> dict[str, Any]:
    return {
        "rec_id": body["rec_id"],
        "product_id": body["items"][position]["id"],
        "position": position,
    }


async def _count(ctx: AppContext, model: Any) -> int:
    async with ctx.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar() or 0)


async def test_shelf_impression_names_its_placement_and_models(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await _shop(ctx)
    body = await _shelf(client, placement="home", limit=3)
    assert body["rec_id"]
    await clicks.flush(ctx)
    async with ctx.sessionmaker() as session:
        row = (await session.scalars(select(Impression))).one()
    assert row.placement == "home"
    assert row.variant == "default"
    assert row.product_ids == [i["id"] for i in body["items"]]
    assert row.models == ["popular"] * 3


async def test_clicks_replays_and_bad_input(client: httpx.AsyncClient, ctx: AppContext) -> None:
    products = await _shop(ctx)
    body = await _shelf(client, placement="product", product_id=products[0], limit=2)
    shown = [i["id"] for i in body["items"]]
    assert (await client.post(CLICKS, json=_click(body, 1))).status_code == 204
    await clicks.flush(ctx)
    before = await snapshot(ctx)
    assert (await client.post(CLICKS, json=_click(body, 1))).status_code == 204
    assert await snapshot(ctx) == before

    search_kind = signer_of(ctx).token(signer_of(ctx).issue(1, shown))
    missing = next(p for p in products if p not in shown)
    rec_id = body["rec_id"]

    def click(token: str, product: int, position: int = 0) -> dict[str, Any]:
        return {"rec_id": token, "product_id": product, "position": position}

    cases = [
        (click("y" * 30, shown[0]), "unknown_impression"),
        (click(search_kind, shown[0]), "unknown_impression"),
        (click(rec_id, missing), "click_not_shown"),
        (click(rec_id, shown[0], 2), "click_position_out_of_range"),
        (click(rec_id, shown[0], 1), "click_position_mismatch"),
    ]
    for payload, code in cases:
        response = await client.post(CLICKS, json=payload)
        assert response.status_code == 400, (payload, response.text)
        assert response.json()["code"] == f"recommend.{code}"
    bad = await client.post(CLICKS, json={"rec_id": body["rec_id"], "product_id": shown[0]})
    assert bad.status_code == 422
    assert await snapshot(ctx) == before
    assert await _count(ctx, Click) == 1


async def test_fifty_concurrent_copies_of_one_click_count_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await _shop(ctx)
    body = await _shelf(client, placement="home", limit=4)
    responses = await asyncio.gather(*(client.post(CLICKS, json=_click(body)) for _ in range(50)))
    assert [r.status_code for r in responses] == [204] * 50
    assert await _count(ctx, Click) == 1


async def test_rollup_and_console_figures(client: httpx.AsyncClient, ctx: AppContext) -> None:
    products = await _shop(ctx)
    homes = [await _shelf(client, placement="home", limit=2) for _ in range(4)]
    product = await _shelf(client, placement="product", product_id=products[0], limit=2)
    for body, position in ((homes[0], 0), (homes[0], 1), (homes[1], 0), (product, 0)):
        assert (await client.post(CLICKS, json=_click(body, position))).status_code == 204
    await clicks.flush(ctx)
    await run_job(ctx, "recommend.rollup_clicks")
    await clicks.rollup(ctx)  # idempotent
    async with ctx.sessionmaker() as session:
        rows = {
            (r.placement, r.model): (r.impressions, r.clicks)
            for r in await session.scalars(select(Daily))
        }
    assert rows == {
        ("home", "shelf"): (4, 3),
        ("home", "popular"): (8, 3),
        ("product", "shelf"): (1, 1),
        ("product", "popular"): (2, 1),
    }

    headers = bearer(await token_for(client, ctx, "recoanalyst"))
    report = (await client.get(ANALYTICS, headers=headers)).json()
    assert report["date_to"] == shop_day(utcnow()).isoformat()
    assert report["days"][-1]["impressions"] == 5
    assert (report["impressions"], report["clicks"], report["ctr"]) == (5, 4, 0.8)
    assert report["placements"] == [
        {"placement": "home", "impressions": 4, "clicks": 3, "ctr": 0.75},
        {"placement": "product", "impressions": 1, "clicks": 1, "ctr": 1.0},
    ]
    assert report["models"][0] == {
        "placement": "home", "model": "popular", "variant": "default",
        "impressions": 8, "clicks": 3, "ctr": 0.375,
    }  # fmt: skip

    before = await snapshot(ctx)
    bad = await client.get(
        ANALYTICS, params={"date_from": "2026-12-09", "date_to": "2026-12-01"}, headers=headers
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "request.invalid_date_range"
    assert (await client.get(ANALYTICS)).status_code == 401
    assert await snapshot(ctx) == before


def test_daily_rows_count_shelves_and_models() -> None:
    day = shop_day(utcnow())
    shelves = [
        ("home", "default", [1, 2, 3], ["personal", "personal", "popular"], {2, 3}),
        ("home", "default", [4, 5], ["personal", "popular"], set[int]()),
        ("cart", "b", [6], ["also_bought"], {6}),
    ]
    got = {
        (r["placement"], r["model"], r["variant"]): (r["impressions"], r["clicks"])
        for r in daily_rows(day, shelves)
    }
    assert got == {
        ("cart", "also_bought", "b"): (1, 1),
        ("cart", "shelf", "b"): (1, 1),
        ("home", "personal", "default"): (3, 1),
        ("home", "popular", "default"): (2, 1),
        ("home", "shelf", "default"): (2, 2),
    }
