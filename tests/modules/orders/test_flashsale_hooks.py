"""Flash-sale orders: units come out of the campaign's hold and go back into it, exactly once,
when the order is cancelled or times out (trade_interfaces.md, "Flash-sale hooks")."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import OutboxEvent
from shoplet.core.jobs import run_job
from shoplet.modules.inventory import public as inventory
from shoplet.modules.inventory.models import Reservation
from shoplet.modules.members.public import AddressSnapshot
from shoplet.modules.orders import public as orders
from shoplet.modules.orders.models import Order
from tests.conftest import snapshot
from tests.modules.orders.factories import (
    assert_ledger_balanced,
    level,
    one_sku,
    order_row,
    pay,
    shopper,
)

ADDRESS = AddressSnapshot(
    recipient="张三丰",
    phone="13912345678",
    province="广东省",
    city="深圳市",
    district="南山区",
    region_code="440305",
    detail="科技园南区深南大道10000号腾讯大厦",
    postal_code="518057",
)


async def flash_order(
    ctx: AppContext, member_id: int, sku_id: int, hold: str, ticket: str
) -> tuple[orders.OrderDetail, bool]:
    async with unit_of_work(ctx.sessionmaker) as s:
        return await orders.create_order(
            s,
            ctx.pii,
            member_id=member_id,
            lines=[
                orders.OrderLineInput(
                    sku_id=sku_id,
                    product_id=1,
                    title="秒杀T恤",
                    spec_text="尺码:S",
                    image=None,
                    unit_price=990,
                    quantity=1,
                    discount=0,
                )
            ],
            items_total=990,
            shipping_fee=0,
            discount_total=0,
            payable_total=990,
            address=ADDRESS,
            remark=None,
            idempotency_key=ticket,
            request_hash=ticket,
            expires_at=utcnow() + timedelta(minutes=5),
            source="flashsale",
            stock_source_ref=hold,
        )


async def held(ctx: AppContext) -> dict[str, int]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(Reservation).where(Reservation.status == "active"))
        return {r.ref: r.quantity for r in rows}


async def test_flash_units_leave_the_hold_and_come_back_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, price=990, stock=10)
    hold = f"flash:1:{sku_id}"
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.reserve(
            s, ref=hold, lines=[(sku_id, 5)], expires_at=utcnow() + timedelta(days=1)
        )
    alice = await shopper(client)

    order, created = await flash_order(ctx, alice.member_id, sku_id, hold, "ticket-0001")
    again, created_again = await flash_order(ctx, alice.member_id, sku_id, hold, "ticket-0001")

    assert (created, created_again) == (True, False)
    assert again.order_no == order.order_no
    assert (order.source, order.payable_total) == ("flashsale", 990)
    assert await held(ctx) == {hold: 4, order.order_no: 1}
    assert await level(ctx, sku_id) == (10, 5)  # free stock untouched
    assert (await order_row(ctx, order.order_no)).stock_source_ref == hold

    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Order)
            .where(Order.order_no == order.order_no)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    await run_job(ctx, "orders.cancel_expired")
    after = await snapshot(ctx)
    await run_job(ctx, "orders.cancel_expired")

    assert await snapshot(ctx) == after
    assert await held(ctx) == {hold: 5}
    assert await level(ctx, sku_id) == (10, 5)
    async with ctx.sessionmaker() as s:
        [event] = list(
            await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "order.cancelled"))
        )
    assert (event.payload["source"], event.payload["stock_source_ref"]) == ("flashsale", hold)
    assert event.payload["returned_to_source"] == [{"sku_id": sku_id, "quantity": 1}]
    await assert_ledger_balanced(ctx)


async def test_a_paid_flash_order_sells_from_its_hold(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, price=990, stock=10)
    hold = f"flash:2:{sku_id}"
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.reserve(
            s, ref=hold, lines=[(sku_id, 3)], expires_at=utcnow() + timedelta(days=1)
        )
    alice = await shopper(client)
    order, _ = await flash_order(ctx, alice.member_id, sku_id, hold, "ticket-0002")

    await pay(client, ctx, alice, order.order_no)

    assert (await order_row(ctx, order.order_no)).status == "paid"
    assert await held(ctx) == {hold: 2}
    assert await level(ctx, sku_id) == (9, 2)
    await assert_ledger_balanced(ctx)


async def test_an_empty_hold_sells_nothing(client: httpx.AsyncClient, ctx: AppContext) -> None:
    sku_id = await one_sku(ctx, price=990, stock=10)
    hold = f"flash:3:{sku_id}"
    alice = await shopper(client)
    before = await snapshot(ctx)

    async with ctx.sessionmaker() as s:
        with pytest.raises(inventory.InsufficientStock):
            await orders.create_order(
                s,
                ctx.pii,
                member_id=alice.member_id,
                lines=[
                    orders.OrderLineInput(
                        sku_id=sku_id,
                        product_id=1,
                        title="秒杀T恤",
                        spec_text="",
                        image=None,
                        unit_price=990,
                        quantity=1,
                        discount=0,
                    )
                ],
                items_total=990,
                shipping_fee=0,
                discount_total=0,
                payable_total=990,
                address=ADDRESS,
                remark=None,
                idempotency_key="ticket-0003",
                request_hash="ticket-0003",
                expires_at=utcnow() + timedelta(minutes=5),
                source="flashsale",
                stock_source_ref=hold,
            )
        await s.rollback()

    assert await snapshot(ctx) == before


async def test_a_hold_that_expired_into_free_stock_is_not_handed_back_twice(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, price=990, stock=10)
    hold = f"flash:4:{sku_id}"
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.reserve(
            s, ref=hold, lines=[(sku_id, 2)], expires_at=utcnow() + timedelta(days=1)
        )
    alice = await shopper(client)
    order, _ = await flash_order(ctx, alice.member_id, sku_id, hold, "ticket-0004")
    # The campaign ended: inventory's expiry sweep released the order's units to free stock.
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.release(s, ref=order.order_no, reason="expired")

    response = await client.post(f"/api/v1/orders/{order.order_no}/cancel", headers=alice.headers)

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert await held(ctx) == {hold: 1}
    assert await level(ctx, sku_id) == (10, 1)
    async with ctx.sessionmaker() as s:
        [event] = list(
            await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "order.cancelled"))
        )
    assert event.payload["returned_to_source"] == []
    await assert_ledger_balanced(ctx)
