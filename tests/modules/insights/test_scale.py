"""The cost model at scale on PostgreSQL: 20,000 paid orders of 2,000 members over 60 days
(tiers from their growth, promotions, coupons, points), aggregated by the database. The figures
must add up to what was seeded; the time is printed (``-s``) and bounded loosely so a query
that starts loading orders into Python, or loses its index, fails here."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from tests.modules.insights.factories import (
    COSTS,
    SIMULATE,
    Paid,
    add_growth,
    add_orders,
    make_shop,
)
from tests.modules.membership.factories import tier_body
from tests.modules.staff.conftest import bearer, token_for

ORDERS = 20_000
MEMBERS = 2_000
BATCH = 2_000


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("the scale run is measured on PostgreSQL")


async def test_twenty_thousand_orders(client: httpx.AsyncClient, ctx: AppContext) -> None:
    staff = bearer(await token_for(client, ctx, "member-operator"))
    rng = random.Random(20261203)
    now = utcnow()
    shop = await make_shop(ctx)
    orders = [
        Paid(
            member_id=10_000 + rng.randrange(MEMBERS),
            paid_at=now - timedelta(days=rng.uniform(0.5, 59.5)),
            quantity=rng.randint(1, 3),
            uncosted=rng.randint(0, 1),
            promotion_saving=rng.choice((0, 0, 1000)),
            coupon_discount=rng.choice((0, 0, 0, 2000)),
            points=rng.randint(0, 300),
        )
        for _ in range(ORDERS)
    ]
    async with unit_of_work(ctx.sessionmaker) as s:
        for m in range(MEMBERS):
            growth = rng.choice((0, 600, 2500, 7000, 20000))
            if growth:
                await add_growth(s, 10_000 + m, growth, now - timedelta(days=90))
    for start in range(0, ORDERS, BATCH):
        async with unit_of_work(ctx.sessionmaker) as s:
            await add_orders(s, shop, orders[start : start + BATCH])
    recent = [o for o in orders if o.paid_at >= now - timedelta(days=29)]

    started = time.perf_counter()
    response = await client.get(COSTS, params={"days": 30}, headers=staff)
    report_s = time.perf_counter() - started
    started = time.perf_counter()
    projection = await client.post(
        SIMULATE,
        json={"tiers": tier_body(V1={"benefits": {"discount_permille": 950}}), "days": 30},
        headers=staff,
    )
    simulate_s = time.perf_counter() - started

    assert response.status_code == 200, response.text
    assert projection.status_code == 200, projection.text
    totals = response.json()["totals"]
    # the period is whole Shanghai days: every order of the last 29 days is in it
    assert totals["orders"] >= len(recent)
    assert totals["orders"] <= len([o for o in orders if o.paid_at >= now - timedelta(days=31)])
    assert projection.json()["orders"] == totals["orders"]
    print(
        f"\n{ORDERS} orders seeded, {totals['orders']} in the period: report "
        f"{report_s * 1000:.0f} ms (server {response.json()['elapsed_ms']} ms), projection "
        f"{simulate_s * 1000:.0f} ms (server {projection.json()['elapsed_ms']} ms)"
    )
    assert report_s < 10
    assert simulate_s < 10
