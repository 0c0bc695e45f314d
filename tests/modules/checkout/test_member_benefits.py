"""Tier benefits at checkout through the API: the preview shows the member rows (V3会员 9.5折,
会员包邮), the order is priced the same way and snapshots them; partial refunds stay exact;
completion earns points × the tier's multiplier; the daily sign-in adds growth once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.membership.models import OrderBenefit
from tests.conftest import snapshot
from tests.modules.loyalty.factories import kinds
from tests.modules.membership.factories import CONSOLE, entries, grow, tier_body
from tests.modules.orders.factories import (
    PREVIEW,
    Shopper,
    add_to_cart,
    order_row,
    pay,
    place,
    product,
    shopper,
)
from tests.modules.orders.test_aftersales import ask, ship
from tests.modules.orders.test_jobs import backdate
from tests.modules.staff.conftest import bearer, token_for

V3 = {
    "benefits": {
        "discount_permille": 950,
        "free_shipping": True,
        "points_multiplier_permille": 1500,
    }
}
LOYALTY_SETTINGS = "/api/v1/console/loyalty/settings"
SIGNIN = "/api/v1/me/signin"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    headers = bearer(await token_for(client, ctx, "benefits-operator"))
    response = await client.put(f"{CONSOLE}/tiers", json=tier_body(V3=V3), headers=headers)
    assert response.status_code == 200, response.text
    return headers


async def v3_shopper(client: httpx.AsyncClient, ctx: AppContext, name: str = "alice") -> Shopper:
    who = await shopper(client, name)
    await grow(ctx, who.member_id, 6000, f"{name}-vip")
    return who


async def cart(ctx: AppContext) -> tuple[int, int]:
    """2 × ¥20.00 and 1 × ¥30.00: ¥70.00, under the ¥99 free-shipping threshold (fee ¥8)."""
    _, [a, b] = await product(ctx, (2000, 10), (3000, 10))
    return a, b


async def preview(client: httpx.AsyncClient, who: Shopper, **body: Any) -> dict[str, Any]:
    response = await client.post(
        PREVIEW, json={"address_id": who.address_id, **body}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_the_preview_shows_the_member_rows_and_the_order_snapshots_them(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    a, b = await cart(ctx)
    alice = await v3_shopper(client, ctx)
    await add_to_cart(client, alice, a, 2)
    await add_to_cart(client, alice, b, 1)

    shown = await preview(client, alice)

    # 2000 → 1900 (×2), 3000 → 2850: 350 off; the ¥8 fee waived by 会员包邮.
    assert shown["member"] == {
        "tier_code": "V3",
        "tier_name": "铂金会员",
        "level": 3,
        "discount_permille": 950,
        "label": "V3会员 9.5折",
        "goods_discount": 350,
        "lines": {str(a): 200, str(b): 150},
        "ships_free": True,
        "shipping_discount": 800,
        "points_multiplier_permille": 1500,
    }
    assert (shown["items_total"], shown["discount_total"]) == (7000, 350)
    assert (shown["shipping_fee"], shown["shipping_discount"]) == (0, 800)
    assert shown["payable_total"] == 6650
    assert [(li["sku_id"], li["payable"]) for li in shown["lines"]] == [(a, 3800), (b, 2850)]

    response = await place(client, alice)
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["payable_total"], order["shipping_fee"], order["discount_total"]) == (
        6650,
        0,
        350,
    )
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(OrderBenefit).where(OrderBenefit.order_no == order["order_no"]))
    assert row is not None
    assert (row.tier_code, row.level, row.discount_permille) == ("V3", 3, 950)
    assert (row.goods_discount, row.shipping_discount) == (350, 800)
    assert row.line_discounts == {str(a): 200, str(b): 150}
    assert row.points_multiplier_permille == 1500


async def test_a_v0_shopper_gets_no_member_rows(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    a, _ = await cart(ctx)
    bob = await shopper(client, "bob")
    shown = await preview(client, bob, items=[{"sku_id": a, "quantity": 1}])
    assert shown["member"] is None
    assert (shown["discount_total"], shown["shipping_fee"], shown["payable_total"]) == (
        0,
        800,
        2800,
    )
    response = await place(client, bob, [(a, 1)])
    assert response.status_code == 201
    async with ctx.sessionmaker() as s:
        assert (await s.scalars(select(OrderBenefit))).all() == []


async def test_a_partial_refund_is_exact_with_the_member_price(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    a, b = await cart(ctx)
    alice = await v3_shopper(client, ctx)
    response = await place(client, alice, [(a, 2), (b, 1)])
    order_no = response.json()["order_no"]
    await pay(client, ctx, alice, order_no)
    await ship(ctx, order_no)

    # One of the two ¥20.00 units was paid ¥19.00 (its member price): not a fen more.
    before = await snapshot(ctx)
    over = await ask(
        client,
        alice,
        order_no,
        kind="return_refund",
        reason="不合适",
        amount=1901,
        items=[{"sku_id": a, "quantity": 1}],
    )
    assert (over.status_code, over.json()["code"]) == (409, "orders.aftersale_amount_exceeded")
    assert over.json()["available"] == 1900
    assert await snapshot(ctx) == before
    exact = await ask(
        client,
        alice,
        order_no,
        kind="return_refund",
        reason="不合适",
        amount=1900,
        items=[{"sku_id": a, "quantity": 1}],
    )
    assert exact.status_code == 201, exact.text


async def test_completion_earns_points_times_the_tier_multiplier(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    a, b = await cart(ctx)
    alice = await v3_shopper(client, ctx)
    order_no = (await place(client, alice, [(a, 2), (b, 1)])).json()["order_no"]
    await pay(client, ctx, alice, order_no)
    await ship(ctx, order_no)
    await backdate(ctx, order_no, shipped_at=timedelta(days=10, seconds=1))
    await run_job(ctx, "orders.auto_complete")
    await backdate(ctx, order_no, received_at=timedelta(days=7, seconds=1))
    await run_job(ctx, "orders.auto_complete")
    assert (await order_row(ctx, order_no)).status == "completed"
    await drain_outbox(ctx)

    # ¥66.50 of goods: 66 points × 1.5 = 99.
    assert ("earn", "order", 99) in await kinds(ctx, alice.member_id)


async def test_the_daily_sign_in_adds_growth_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    assert (await client.post(SIGNIN, headers=alice.headers)).status_code == 201
    assert (await client.post(SIGNIN, headers=alice.headers)).status_code == 409

    growth = await entries(ctx, alice.member_id)
    assert [(amount, reason) for amount, reason, _ in growth] == [(1, "signin")]
    assert growth[0][2].startswith(f"signin:{alice.member_id}:")


async def test_sign_in_growth_is_a_setting_and_bad_values_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    current = (await client.get(LOYALTY_SETTINGS, headers=staff)).json()
    body = {k: v for k, v in current.items() if k not in {"updated_by", "updated_at"}}
    before = await snapshot(ctx)
    for bad in (-1, 1001, "3", True, 2.5):
        refused = await client.put(
            LOYALTY_SETTINGS, json={**body, "signin_growth": bad}, headers=staff
        )
        assert (refused.status_code, refused.json()["code"]) == (422, "request.invalid"), bad
    assert await snapshot(ctx) == before

    saved = await client.put(LOYALTY_SETTINGS, json={**body, "signin_growth": 0}, headers=staff)
    assert saved.status_code == 200
    assert saved.json()["signin_growth"] == 0
    alice = await shopper(client)
    assert (await client.post(SIGNIN, headers=alice.headers)).status_code == 201
    assert await entries(ctx, alice.member_id) == []
