"""Coupon races on PostgreSQL: 200 shoppers for 50 coupons, one coupon from two devices at
once, staff issues racing claims, one shopper's claims racing their own limit, one shopper's
orders racing a promotion's per-shopper limit. SQLite
serialises writers, so these run on PostgreSQL only."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.orders.models import Order
from shoplet.modules.promotions.models import Coupon, OrderRule, Redemption
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool, make_buyers
from tests.modules.orders.factories import level, one_sku
from tests.modules.promotions.factories import (
    CENTRE,
    TEMPLATES,
    make_promotion,
    make_template,
    template_row,
    usage,
)
from tests.modules.promotions.test_checkout_coupons import place
from tests.modules.staff.conftest import bearer, token_for

SHOPPERS = 200
QUOTA = 50


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "coupon-operator"))


async def coupons(ctx: AppContext, template_id: int) -> list[Coupon]:
    async with ctx.sessionmaker() as s:
        return list(await s.scalars(select(Coupon).where(Coupon.template_id == template_id)))


def outcomes(responses: list[httpx.Response], ok: int) -> Counter[tuple[int, Any]]:
    return Counter(
        (r.status_code, None if r.status_code == ok else r.json()["code"]) for r in responses
    )


async def test_two_hundred_shoppers_claim_exactly_fifty_coupons(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=QUOTA)
    shoppers = await make_buyers(ctx, SHOPPERS)
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 40) as app:
        transport = httpx.ASGITransport(app=app)

        async def grab(headers: dict[str, str]) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(f"{CENTRE}/{template['id']}/claim", headers=headers)

        tasks = [asyncio.create_task(grab(who.headers)) for who in shoppers]
        start.set()
        responses = await asyncio.gather(*tasks)

    assert outcomes(responses, 201) == {
        (201, None): QUOTA,
        (409, "promotions.quota_exhausted"): SHOPPERS - QUOTA,
    }
    held = await coupons(ctx, template["id"])
    assert len(held) == QUOTA
    assert len({c.member_id for c in held}) == QUOTA
    assert (await template_row(ctx, template["id"])).claimed == QUOTA


async def test_one_shoppers_claims_at_once_stop_at_their_limit(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=100, per_shopper_limit=3)
    [alice] = await make_buyers(ctx, 1)

    async with app_with_pool(backend_db, ctx, 20) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
            responses = await asyncio.gather(
                *(
                    c.post(f"{CENTRE}/{template['id']}/claim", headers=alice.headers)
                    for _ in range(20)
                )
            )

    assert outcomes(responses, 201) == {
        (201, None): 3,
        (409, "promotions.claim_limit_reached"): 17,
    }
    assert sorted(c.seq for c in await coupons(ctx, template["id"])) == [1, 2, 3]
    assert (await template_row(ctx, template["id"])).claimed == 3


async def test_one_coupon_from_two_devices_makes_one_order(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    pairs = 20
    sku_id = await one_sku(ctx, price=12000, stock=100)
    template = await make_template(client, staff, total_quota=pairs)
    shoppers = await make_buyers(ctx, pairs)
    coupon_ids = []
    for who in shoppers:
        response = await client.post(f"{CENTRE}/{template['id']}/claim", headers=who.headers)
        coupon_ids.append(response.json()["id"])
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 40) as app:
        transport = httpx.ASGITransport(app=app)

        async def order(index: int) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await place(c, shoppers[index], [(sku_id, 1)], coupon_ids[index])

        # Each shopper's two phones place an order with the same coupon at the same moment.
        tasks = [asyncio.create_task(order(i)) for i in range(pairs) for _ in range(2)]
        start.set()
        responses = await asyncio.gather(*tasks)

    assert outcomes(responses, 201) == {
        (201, None): pairs,
        (409, "promotions.coupon_unavailable"): pairs,
    }
    async with ctx.sessionmaker() as s:
        placed = {o.order_no: o for o in await s.scalars(select(Order))}
        redeemed = list(await s.scalars(select(Redemption)))
    assert len(placed) == pairs
    assert {o.member_id for o in placed.values()} == {who.member_id for who in shoppers}
    assert all(o.discount_total == 2000 for o in placed.values())
    held = await coupons(ctx, template["id"])
    assert {(c.state, c.order_no in placed) for c in held} == {("locked", True)}
    assert sorted(r.order_no for r in redeemed) == sorted(placed)
    # Only the winners hold stock.
    assert await level(ctx, sku_id) == (100, pairs)


async def test_staff_issues_racing_claims_never_pass_the_quota(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=QUOTA)
    shoppers = await make_buyers(ctx, 160)
    claimers, issued_to = shoppers[:100], shoppers[100:]
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 40) as app:
        transport = httpx.ASGITransport(app=app)

        async def grab(headers: dict[str, str]) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(f"{CENTRE}/{template['id']}/claim", headers=headers)

        async def issue(members: list[int]) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    f"{TEMPLATES}/{template['id']}/issue",
                    json={"member_ids": members},
                    headers=staff,
                )

        batches = [[w.member_id for w in issued_to[i : i + 10]] for i in range(0, 60, 10)]
        tasks = [asyncio.create_task(grab(w.headers)) for w in claimers]
        tasks += [asyncio.create_task(issue(batch)) for batch in batches]
        start.set()
        responses = await asyncio.gather(*tasks)

    claims, issues = responses[:100], responses[100:]
    assert {r.status_code for r in issues} == {200}
    issued = sum(len(r.json()["issued"]) for r in issues)
    skipped = [s["code"] for r in issues for s in r.json()["skipped"]]
    won = sum(r.status_code == 201 for r in claims)
    assert won + issued == QUOTA
    assert set(skipped) <= {"promotions.quota_exhausted"}
    assert len(skipped) == 60 - issued
    assert {r.json()["code"] for r in claims if r.status_code != 201} <= {
        "promotions.quota_exhausted"
    }
    assert len(await coupons(ctx, template["id"])) == QUOTA
    assert (await template_row(ctx, template["id"])).claimed == QUOTA


async def test_one_shoppers_orders_at_once_buy_one_unit_at_a_limit_of_one(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    orders_at_once = 20
    sku_id = await one_sku(ctx, price=12000, stock=100)
    limited = await make_promotion(
        client, staff, kind="sku_discount", tiers=[], per_shopper_limit=1,
        sku_prices=[{"sku_id": sku_id, "price": 6000}],
    )  # fmt: skip
    [alice] = await make_buyers(ctx, 1)
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 40) as app:
        transport = httpx.ASGITransport(app=app)

        async def order() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await place(c, alice, [(sku_id, 1)], None)

        tasks = [asyncio.create_task(order()) for _ in range(orders_at_once)]
        start.set()
        responses = await asyncio.gather(*tasks)

    # Orders that planned with the unit still free and lost the race are refused; orders that
    # planned after the winner committed pay the full price. Exactly one has the promotion.
    codes = outcomes(responses, 201)
    assert set(codes) <= {(201, None), (409, "promotions.promotion_limit_reached")}
    async with ctx.sessionmaker() as s:
        placed = list(await s.scalars(select(Order)))
        snapshots = list(await s.scalars(select(OrderRule)))
    assert len(placed) == codes[(201, None)]
    assert [o.discount_total for o in placed].count(6000) == 1
    assert all(o.discount_total in (0, 6000) for o in placed)
    assert [(r.promotion_id, r.units) for r in snapshots] == [(limited["id"], 1)]
    assert await usage(ctx, limited["id"], alice.member_id) == 1
