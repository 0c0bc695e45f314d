"""Where clearance starts and how it went (SQLite and PostgreSQL): candidates are the SKUs whose
stock outlasts their forecast demand, the most money tied up first; an applied step records its
projection, and the steps list measures the units paid for in its window against it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.insights.clearance import service
from shoplet.modules.insights.forecast.models import ForecastRun, ForecastSeries
from shoplet.modules.insights.forecast.service import shop_day
from shoplet.modules.inventory.models import Stock
from tests.conftest import snapshot
from tests.modules.insights.clearance.test_api import APPLY, PLAN, PRICE, _history
from tests.modules.insights.factories import COST, Paid, add_orders, make_shop
from tests.modules.staff.conftest import bearer, token_for

CANDIDATES = "/api/v1/console/insights/clearance/candidates"
STEPS = "/api/v1/console/insights/clearance/steps"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "clearance-tracker", role="owner"))


async def _forecast(ctx: AppContext, per_day: dict[int, float], stock: dict[int, int]) -> None:
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        run_id = await s.scalar(
            insert(ForecastRun)
            .values(day=shop_day(now), status="done", total=2, done=2, requested_by="test")
            .returning(ForecastRun.id)
        )
        for sku_id, daily in per_day.items():
            await s.execute(
                insert(ForecastSeries).values(
                    kind="sku",
                    ref_id=sku_id,
                    run_id=run_id,
                    start_day=shop_day(now) - timedelta(days=56),
                    history=[daily] * 56,
                    forecast=[daily] * 28,
                    lower=[0.0] * 28,
                    upper=[daily * 2] * 28,
                    model="SeasonalNaive",
                    method="smooth",
                    sigma=1.0,
                    accuracy={},
                    computed_at=now,
                )
            )
        for sku_id, on_hand in stock.items():
            await s.execute(update(Stock).where(Stock.sku_id == sku_id).values(on_hand=on_hand))


async def test_candidates_are_skus_whose_stock_outlasts_their_forecast(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    shop = await make_shop(ctx)
    # 1 a day against 400 on hand: 84 sell in 12 weeks, 316 are left; 10 a day against 100
    # on hand sells out within the 12 weeks.
    await _forecast(
        ctx,
        {shop.costed_sku: 1.0, shop.uncosted_sku: 10.0},
        {shop.costed_sku: 400, shop.uncosted_sku: 100},
    )
    response = await client.get(CANDIDATES, headers=staff)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["weeks"] == 12
    [row] = body["items"]
    assert row["sku_id"] == shop.costed_sku
    assert (row["available"], row["weekly_demand"], row["excess_units"]) == (400, 7.0, 316)
    assert row["weeks_of_cover"] == pytest.approx(57.1)
    assert (row["cost"], row["excess_cost"]) == (COST, 316 * COST)

    # Over one week the fast seller has 30 too many; it has no cost price, so it comes last.
    near = (await client.get(CANDIDATES, params={"weeks": 1}, headers=staff)).json()
    assert [(r["sku_id"], r["excess_units"], r["excess_cost"]) for r in near["items"]] == [
        (shop.costed_sku, 393, 393 * COST),
        (shop.uncosted_sku, 30, None),
    ]


async def test_an_applied_step_is_measured_against_its_projection(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    shop = await make_shop(ctx)
    await _history(ctx, shop, stock=400)
    plan = (
        await client.post(
            PLAN,
            json={
                "sku_id": shop.costed_sku,
                "target_date": (shop_day(utcnow()) + timedelta(days=42)).isoformat(),
            },
            headers=staff,
        )
    ).json()
    price = plan["steps"][-1]["price"]
    starts = utcnow() + timedelta(hours=1)
    ends = starts + timedelta(days=14)
    applied = await client.post(
        APPLY,
        json={
            "sku_id": shop.costed_sku,
            "price": price,
            "starts_at": starts.isoformat(),
            "ends_at": ends.isoformat(),
        },
        headers=staff,
    )
    assert applied.status_code == 201, applied.text
    # Two weeks at the markdown under the plan's own demand model, capped by the stock.
    beta, base = plan["elasticity"]["value"], plan["base_units"]
    expected = min(400, base * (price / PRICE) ** beta * 2)
    assert applied.json()["projected_units"] == pytest.approx(expected, rel=2e-3)

    listed = (await client.get(STEPS, headers=staff)).json()["items"]
    [step] = listed
    assert step["state"] == "scheduled"
    assert (step["units"], step["expected_to_date"], step["ratio"]) == (0, 0, None)
    assert step["promotion_id"] == applied.json()["promotion_id"]
    # (units shown to the hundredth; money from the unrounded projection)
    assert step["projected_revenue"] == pytest.approx(step["projected_units"] * price, abs=price)
    assert step["projected_margin"] == pytest.approx(
        step["projected_units"] * (price - COST), abs=price
    )

    # Half way through: 12 units paid for in the window, 5 before it (not counted).
    async with unit_of_work(ctx.sessionmaker) as s:
        await add_orders(
            s,
            shop,
            [
                Paid(member_id=1, paid_at=starts + timedelta(days=2), quantity=7),
                Paid(member_id=1, paid_at=starts + timedelta(days=6), quantity=5),
                Paid(member_id=1, paid_at=starts - timedelta(minutes=30), quantity=5),
            ],
        )
    async with ctx.sessionmaker() as s:
        halfway = await service.list_steps(
            s, sku_id=shop.costed_sku, limit=10, now=starts + timedelta(days=7)
        )
    [measured] = halfway.items
    assert measured.state == "running"
    assert measured.elapsed == 0.5
    assert measured.units == 12
    assert (measured.revenue, measured.margin) == (12 * price, 12 * (price - COST))
    assert measured.expected_to_date == pytest.approx(measured.projected_units / 2, abs=0.01)
    assert measured.ratio == pytest.approx(12 / (measured.projected_units / 2), rel=1e-2)
    async with ctx.sessionmaker() as s:
        after = await service.list_steps(s, sku_id=None, limit=10, now=ends + timedelta(days=1))
    assert (after.items[0].state, after.items[0].elapsed, after.items[0].units) == ("ended", 1, 12)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (CANDIDATES, {"weeks": 0}),
        (CANDIDATES, {"weeks": 53}),
        (STEPS, {"limit": 0}),
        (STEPS, {"sku_id": "x"}),
    ],
)
async def test_bad_queries_are_refused(
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    url: str,
    params: dict[str, object],
) -> None:
    before = await snapshot(ctx)
    response = await client.get(url, params=params, headers=staff)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before
    support = bearer(await token_for(client, ctx, "clearance-support-2", role="support"))
    assert (await client.get(url, headers=support)).status_code == 403
