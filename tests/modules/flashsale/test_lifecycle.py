"""Unpaid flash orders time out (or are cancelled) and their units go back to the campaign, in
Redis and in the database, exactly once; ended campaigns give unsold units back to free stock."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.flashsale.config import FlashSaleSettings
from shoplet.modules.flashsale.models import Campaign
from shoplet.modules.flashsale.runtime import runtime_of
from shoplet.modules.flashsale.service import reconcile_campaign
from shoplet.modules.inventory import public as inventory
from shoplet.modules.orders.models import Order
from tests.modules.flashsale.conftest import (
    Shopper,
    Sku,
    buy,
    buy_token,
    consume,
    end_now,
    flash_orders,
    go_live,
    held,
    level,
    make_campaign,
    make_sku,
    remaining,
    shopper,
    tickets,
)
from tests.modules.orders.console_factories import pay_order


async def sold_out_sale(
    client: httpx.AsyncClient, ctx: AppContext, *, stock: int = 2
) -> tuple[Sku, int, list[Shopper]]:
    """A live campaign whose ``stock`` units were all bought and turned into orders."""
    sku = await make_sku(ctx, price=19900, stock=20)
    campaign_id = await make_campaign(ctx, [sku], stock=stock, limit=1, payment_timeout=600)
    await go_live(ctx, campaign_id)
    buyers = [await shopper(client, f"buyer{n}") for n in range(stock)]
    for who in buyers:
        response = await buy(client, who, campaign_id, sku, buy_token(ctx, campaign_id, who.id))
        assert response.status_code == 202, response.text
    await consume(ctx)
    assert len(await flash_orders(ctx)) == stock
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 0}
    assert await held(ctx, campaign_id, sku) == 0
    return sku, campaign_id, buyers


async def expire_orders(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Order)
            .where(Order.status == "pending_payment")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


async def test_timed_out_orders_return_units_exactly_once(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku, campaign_id, _buyers = await sold_out_sale(client, ctx, stock=2)
    assert runtime_of(ctx).edge.is_sold_out(campaign_id, sku.sku_id)
    assert await level(ctx, sku) == (20, 2, 18)
    await expire_orders(ctx)
    await run_job(ctx, "orders.cancel_expired")
    # The database has the units back in the campaign hold; Redis gets them from the event.
    assert await held(ctx, campaign_id, sku) == 2
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 0}
    await drain_outbox(ctx)
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 2}
    assert not runtime_of(ctx).edge.is_sold_out(campaign_id, sku.sku_id)
    assert sorted(t.status for t in await tickets(ctx)) == ["returned", "returned"]
    # Everything again: nothing moves twice.
    await run_job(ctx, "orders.cancel_expired")
    await drain_outbox(ctx)
    await run_job(ctx, "flashsale.sync_hand_backs")
    await run_job(ctx, "flashsale.reconcile")
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 2}
    assert await held(ctx, campaign_id, sku) == 2
    assert await level(ctx, sku) == (20, 2, 18)
    # The buyers used their allowance; new shoppers get the units.
    first = _buyers[0]
    again = await buy(client, first, campaign_id, sku, buy_token(ctx, campaign_id, first.id))
    assert again.json()["code"] == "flashsale.limit_reached"
    late = [await shopper(client, f"late{n}") for n in range(3)]
    outcomes = [
        (await buy(client, who, campaign_id, sku, buy_token(ctx, campaign_id, who.id))).status_code
        for who in late
    ]
    assert outcomes == [202, 202, 409]
    await consume(ctx)
    statuses = sorted(o.status for o in await flash_orders(ctx))
    assert statuses == ["cancelled", "cancelled", "pending_payment", "pending_payment"]
    assert await held(ctx, campaign_id, sku) == 0
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 0}
    assert await level(ctx, sku) == (20, 2, 18)


async def test_a_shopper_cancelling_returns_the_unit(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku, campaign_id, buyers = await sold_out_sale(client, ctx, stock=1)
    [order] = await flash_orders(ctx)
    response = await client.post(
        f"/api/v1/orders/{order.order_no}/cancel", json={}, headers=buyers[0].headers
    )
    assert response.status_code == 200, response.text
    await drain_outbox(ctx)
    await drain_outbox(ctx)
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 1}
    assert await held(ctx, campaign_id, sku) == 1
    [ticket] = await tickets(ctx)
    assert (ticket.status, ticket.order_no) == ("returned", order.order_no)
    assert ticket.synced_at is not None


async def test_units_of_orders_cancelled_after_the_end_go_to_free_stock(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku = await make_sku(ctx, price=19900, stock=20)
    campaign_id = await make_campaign(ctx, [sku], stock=5, limit=1)
    await go_live(ctx, campaign_id)
    alice = await shopper(client, "alice")
    assert (
        await buy(client, alice, campaign_id, sku, buy_token(ctx, campaign_id, alice.id))
    ).status_code == 202
    await consume(ctx)
    await end_now(ctx, campaign_id)
    await run_job(ctx, "flashsale.settle")
    # Four unsold units back to free stock; Alice's unit still held by her order.
    assert await level(ctx, sku) == (20, 1, 19)
    assert await held(ctx, campaign_id, sku) == 0
    await expire_orders(ctx)
    await run_job(ctx, "orders.cancel_expired")
    await drain_outbox(ctx)
    assert await level(ctx, sku) == (20, 0, 20)
    assert await held(ctx, campaign_id, sku) == 0
    [ticket] = await tickets(ctx)
    assert ticket.status == "returned"
    # Settling again changes nothing.
    await run_job(ctx, "flashsale.settle")
    assert await level(ctx, sku) == (20, 0, 20)


async def test_settle_waits_for_the_stream_to_drain(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku = await make_sku(ctx, price=19900, stock=20)
    campaign_id = await make_campaign(ctx, [sku], stock=3, limit=1)
    await go_live(ctx, campaign_id)
    alice = await shopper(client, "alice")
    assert (
        await buy(client, alice, campaign_id, sku, buy_token(ctx, campaign_id, alice.id))
    ).status_code == 202
    await end_now(ctx, campaign_id)
    await run_job(ctx, "flashsale.settle")
    # Alice bought in time: her request still becomes an order from the campaign's hold.
    assert await held(ctx, campaign_id, sku) == 3
    await consume(ctx)
    [order] = await flash_orders(ctx)
    assert order.member_id == alice.id
    await run_job(ctx, "flashsale.settle")
    assert await level(ctx, sku) == (20, 1, 19)
    async with ctx.sessionmaker() as s:
        campaign = await s.get(Campaign, campaign_id)
    assert campaign is not None
    assert campaign.settled_at is not None


async def test_a_paid_flash_order_sells_the_unit(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku, campaign_id, _buyers = await sold_out_sale(client, ctx, stock=1)
    [order] = await flash_orders(ctx)
    await pay_order(app, ctx, order.order_no)
    # Sold: on hand and reserved drop together; the campaign hold was already empty.
    assert await level(ctx, sku) == (19, 0, 19)
    assert await held(ctx, campaign_id, sku) == 0
    # A paid order never times out; settling leaves the sale as it is.
    await expire_orders(ctx)
    await run_job(ctx, "orders.cancel_expired")
    await drain_outbox(ctx)
    await end_now(ctx, campaign_id)
    await run_job(ctx, "flashsale.settle")
    assert await level(ctx, sku) == (19, 0, 19)
    [ticket] = await tickets(ctx)
    assert ticket.status == "created"
    report = await reconcile_campaign(ctx, campaign_id)
    assert (report["ok"], report["items"][0]["ordered"]) == (True, 1)


async def test_an_order_whose_hold_already_expired_gives_nothing_back_to_the_counter(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku, campaign_id, _buyers = await sold_out_sale(client, ctx, stock=1)
    [order] = await flash_orders(ctx)
    # The order's own hold expired into free stock first (the inventory expiry job).
    async with unit_of_work(ctx.sessionmaker) as s:
        assert await inventory.release(s, ref=order.order_no, reason="expired") == 1
    assert await level(ctx, sku) == (20, 0, 20)
    await expire_orders(ctx)
    await run_job(ctx, "orders.cancel_expired")
    await drain_outbox(ctx)
    [ticket] = await tickets(ctx)
    assert ticket.status == "released"
    # The unit is in free stock, not in the campaign: the counter must not offer it again.
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 0}
    assert await held(ctx, campaign_id, sku) == 0
    report = await reconcile_campaign(ctx, campaign_id)
    assert (report["ok"], report["repaired"]) == (True, 0)
    await run_job(ctx, "flashsale.sync_hand_backs")
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 0}
