"""The clearance planner over HTTP (SQLite and PostgreSQL): thirty weeks of a SKU's sales at
list prices with a planted elasticity (catalog's price history, paid orders) → the estimate is
within its interval and near the truth, the plan clears the stock at or above the floor; a
step applied is an active 限时折扣 for its window; bad input is a 400 and nothing changes."""

from __future__ import annotations

from datetime import timedelta

import httpx
import numpy as np
import pytest
from sqlalchemy import insert, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.catalog.models import PriceHistory, Sku
from shoplet.modules.insights.forecast.service import shop_day
from shoplet.modules.inventory.models import Stock
from shoplet.modules.promotions.models import Promotion
from tests.conftest import snapshot
from tests.modules.insights.factories import COST, Paid, Shop, add_orders, make_shop
from tests.modules.staff.conftest import bearer, token_for

PLAN = "/api/v1/console/insights/clearance/plan"
APPLY = "/api/v1/console/insights/clearance/apply"
BETA = -2.0
PRICE = 10000  # the costed SKU's current price (factories)


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "clearance-planner", role="owner"))


async def _history(
    ctx: AppContext, shop: Shop, *, stock: int, promoted: frozenset[int] = frozenset()
) -> None:
    """30 weeks: list price moving between 100 % and 70 % of today's, Poisson weekly sales
    around 30 · (p / 100 yuan)^β, one paid order per week; then ``stock`` units on hand. The
    ``promoted`` weeks (at full list price) ran a 30 % promotion: shoppers paid 70 yuan and
    bought as at that price."""
    rng = np.random.default_rng(20)
    now = utcnow()
    weeks = 30
    start = now - timedelta(days=7 * weeks)
    prices = [PRICE * (100 - 10 * int(rng.integers(0, 4))) // 100 for _ in range(weeks - 1)]
    prices.append(PRICE)
    promoted = frozenset(i for i in promoted if prices[i] == PRICE)
    changes = []
    paid = []
    for i, price in enumerate(prices):
        week_start = start + timedelta(days=7 * i)
        if i and price != prices[i - 1]:
            changes.append((week_start, prices[i - 1], price))
        promotion = 0.3 if i in promoted else 0.0
        units = int(rng.poisson(30 * (price * (1 - promotion) / PRICE) ** BETA))
        if units:
            paid.append(
                Paid(
                    member_id=1,
                    paid_at=week_start + timedelta(days=3),
                    quantity=units,
                    promotion_saving=round(units * PRICE * promotion),
                )
            )
    async with unit_of_work(ctx.sessionmaker) as s:
        for changed_at, before, after in changes:
            await s.execute(
                insert(PriceHistory).values(
                    sku_id=shop.costed_sku,
                    product_id=(
                        await s.scalar(select(Sku.product_id).where(Sku.id == shop.costed_sku))
                    ),
                    price_before=before,
                    price_after=after,
                    original_price_before=PRICE,
                    original_price_after=PRICE,
                    source="console",
                    actor="test",
                    changed_at=changed_at,
                )
            )
        await add_orders(s, shop, paid)
        await s.execute(update(Stock).where(Stock.sku_id == shop.costed_sku).values(on_hand=stock))


async def test_a_plan_recovers_the_elasticity_and_clears_above_the_floor(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    shop = await make_shop(ctx)
    await _history(ctx, shop, stock=400)
    target = shop_day(utcnow()) + timedelta(days=42)
    body = {"sku_id": shop.costed_sku, "target_date": target.isoformat(), "steps": 3}
    response = await client.post(PLAN, json=body, headers=staff)
    assert response.status_code == 200, response.text
    plan = response.json()
    e = plan["elasticity"]
    assert e["low"] <= BETA <= e["high"], e
    assert e["value"] == pytest.approx(BETA, abs=0.4)
    assert e["distinct_prices"] == 4
    assert e["prior"] == -1.5  # no other SKU of the category sold: the default
    assert (plan["stock"], plan["price"], plan["cost"], plan["weeks"]) == (400, PRICE, COST, 6)
    assert plan["floor"] == 3300  # cost + 10 %
    assert len(plan["history"]) >= 29
    # ~30 a week at full price: 180 in six weeks, so 400 need markdowns.
    assert plan["clears"], plan
    assert [s["weeks"] for s in plan["steps"]] == [2, 2, 2]
    prices = [s["price"] for s in plan["steps"]]
    assert prices == sorted(prices, reverse=True)
    assert all(3300 <= p <= PRICE for p in prices)
    assert prices[-1] < PRICE
    assert sum(s["units"] for s in plan["steps"]) == pytest.approx(400, abs=0.1)
    assert plan["steps"][0]["starts_on"] == shop_day(utcnow()).isoformat()

    # Apply the second step: an active 限时折扣 for its window.
    step = plan["steps"][1]
    now = utcnow()
    applied = await client.post(
        APPLY,
        json={
            "sku_id": shop.costed_sku,
            "price": step["price"],
            "starts_at": (now + timedelta(days=14)).isoformat(),
            "ends_at": (now + timedelta(days=28)).isoformat(),
        },
        headers=staff,
    )
    assert applied.status_code == 201, applied.text
    async with ctx.sessionmaker() as s:
        row = await s.get(Promotion, applied.json()["promotion_id"])
    assert row is not None
    assert (row.kind, row.status) == ("sku_discount", "active")


async def test_promotions_at_full_price_are_read_as_promotions_not_as_a_flat_curve(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    """Every full-price week ran a 30 % promotion, so those weeks sold as if marked down: read
    by list price alone the curve looks flat; the promotion-depth control takes it out."""
    shop = await make_shop(ctx)
    await _history(ctx, shop, stock=400, promoted=frozenset(range(29)))
    target = shop_day(utcnow()) + timedelta(days=42)
    body = {"sku_id": shop.costed_sku, "target_date": target.isoformat(), "steps": 3}
    response = await client.post(PLAN, json=body, headers=staff)
    assert response.status_code == 200, response.text
    plan = response.json()
    e = plan["elasticity"]
    assert e["low"] <= BETA <= e["high"], e
    assert e["value"] == pytest.approx(BETA, abs=0.5)
    assert e["controls"]["promotion"] > 0.3  # a deeper promotion sells more
    depths = [w["promotion_depth"] for w in plan["history"]]
    assert max(depths) == pytest.approx(0.3, abs=0.01)
    assert min(depths) == 0.0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"sku_id": 999999}, "insights.clearance_sku_unknown"),
        ({"target_date": "2020-01-01"}, "insights.clearance_invalid"),
        ({"uncosted": True}, "insights.clearance_no_cost"),
        ({"min_margin_percent": 300}, "insights.clearance_below_floor"),
    ],
)
async def test_bad_plans_are_refused(
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    change: dict[str, object],
    code: str,
) -> None:
    shop = await make_shop(ctx)
    body: dict[str, object] = {
        "sku_id": shop.costed_sku,
        "target_date": (shop_day(utcnow()) + timedelta(days=28)).isoformat(),
    }
    change = dict(change)  # the parameter is shared by both backends' runs
    if change.pop("uncosted", False):
        body["sku_id"] = shop.uncosted_sku
    body |= change
    before = await snapshot(ctx)
    response = await client.post(PLAN, json=body, headers=staff)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_a_step_under_the_floor_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    shop = await make_shop(ctx)
    now = utcnow()
    before = await snapshot(ctx)
    for price, code in (
        (3299, "insights.clearance_below_floor"),
        (PRICE, "insights.clearance_invalid"),
    ):
        response = await client.post(
            APPLY,
            json={
                "sku_id": shop.costed_sku,
                "price": price,
                "starts_at": (now + timedelta(days=1)).isoformat(),
                "ends_at": (now + timedelta(days=8)).isoformat(),
            },
            headers=staff,
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] == code
    assert await snapshot(ctx) == before
    # Planning needs analytics:view, applying promotions:manage.
    support = bearer(await token_for(client, ctx, "clearance-support", role="support"))
    assert (
        await client.post(PLAN, json={"sku_id": 1, "target_date": "2030-01-01"}, headers=support)
    ).status_code == 403
