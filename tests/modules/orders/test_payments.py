"""Orders reacting to payments: paid orders sell their stock; money that arrives for an order
that can no longer take it is refunded automatically."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import OutboxEvent
from shoplet.core.jobs import run_job
from shoplet.modules.catalog.models import Product
from shoplet.modules.inventory import public as inventory
from shoplet.modules.inventory.models import Reservation
from shoplet.modules.orders.models import Order
from shoplet.modules.payments import public as payments
from tests.conftest import snapshot
from tests.modules.orders.factories import (
    Shopper,
    assert_ledger_balanced,
    get_order,
    level,
    order_row,
    pay,
    placed,
    product,
    shopper,
    simulator,
    start_payment,
)

ORDER_TABLES = (
    "orders_order",
    "orders_line",
    "orders_event",
    "orders_aftersale",
    "inventory_stock",
    "inventory_reservation",
    "inventory_ledger",
    "catalog_product",
)


async def sales_count(ctx: AppContext, product_id: int) -> int:
    async with ctx.sessionmaker() as s:
        count = await s.scalar(select(Product.sales_count).where(Product.id == product_id))
    assert count is not None
    return count


async def published(ctx: AppContext, type: str) -> list[dict[str, object]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(OutboxEvent).where(OutboxEvent.type == type).order_by(OutboxEvent.id)
        )
        return [dict(r.payload) for r in rows]


async def reservations(ctx: AppContext) -> list[tuple[str, int, int, str]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(Reservation).order_by(Reservation.id))
        return [(r.ref, r.sku_id, r.quantity, r.status) for r in rows]


async def refunds(ctx: AppContext, order_no: str) -> list[payments.RefundInfo]:
    async with ctx.sessionmaker() as s:
        return await payments.refunds_for_order(s, order_no)


async def expire(ctx: AppContext, order_no: str) -> None:
    """Move the order's payment deadline into the past (its reservation keeps its own TTL)."""
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Order)
            .where(Order.order_no == order_no)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


async def test_a_payment_marks_the_order_paid_and_sells_its_stock(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, [sku_id] = await product(ctx, (5900, 10))
    alice = await shopper(client)
    order = await placed(client, alice, [(sku_id, 2)])

    started = await pay(client, ctx, alice, order["order_no"])

    body = await get_order(client, alice, order["order_no"])
    assert body["status"] == "paid"
    assert body["paid_at"] is not None
    assert [(t["from_status"], t["to_status"], t["actor"]) for t in body["timeline"]] == [
        (None, "pending_payment", f"member:{alice.member_id}"),
        ("pending_payment", "paid", "wechatpay"),
    ]
    row = await order_row(ctx, order["order_no"])
    assert row.payment_no == started["payment_no"]
    assert await level(ctx, sku_id) == (8, 0)
    assert await reservations(ctx) == [(order["order_no"], sku_id, 2, "committed")]
    assert await sales_count(ctx, product_id) == 2
    [event] = await published(ctx, "order.paid")
    assert (event["order_no"], event["payable_total"], event["payment_no"]) == (
        order["order_no"],
        11800,
        started["payment_no"],
    )
    await assert_ledger_balanced(ctx)


async def test_a_notify_delivered_again_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order = await placed(client, alice, [(sku_id, 1)])
    await pay(client, ctx, alice, order["order_no"])
    sim = simulator(app)
    before = await snapshot(ctx, *ORDER_TABLES)

    delivery = await sim.redeliver(sim.deliveries[-1].notify.id)
    await payments.settle(ctx)

    assert delivery.status_code == 204
    assert await snapshot(ctx, *ORDER_TABLES) == before


async def test_money_arriving_after_the_timeout_is_refunded_automatically(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order = await placed(client, alice, [(sku_id, 1)])
    order_no = order["order_no"]
    started = await start_payment(client, alice, order_no)
    sim = simulator(app)
    # The shopper pays at the last second; WeChat's notify is late.
    await sim.pay(started["prepay_id"], deliver=False)
    await expire(ctx, order_no)

    # The timeout wins the race: cancelled, stock back; closing the WeChat transaction then
    # finds it paid, payments records the money and orders asks for it back.
    await run_job(ctx, "orders.cancel_expired")
    await payments.settle(ctx)

    row = await order_row(ctx, order_no)
    assert (row.status, row.cancel_reason) == ("cancelled", "超时未支付")
    assert await level(ctx, sku_id) == (10, 0)
    [refund] = await refunds(ctx, order_no)
    assert (refund.amount, refund.reason, refund.aftersale_no) == (
        6700,
        "订单已取消，自动退款",
        None,
    )

    await sim.complete_refund(refund.refund_no)
    await payments.settle(ctx)

    row = await order_row(ctx, order_no)
    assert (row.status, row.refunded_total) == ("cancelled", 6700)
    body = await get_order(client, alice, order_no)
    assert [(t["from_status"], t["to_status"], t["reason"]) for t in body["timeline"]] == [
        (None, "pending_payment", "下单"),
        ("pending_payment", "cancelled", "超时未支付"),
        ("cancelled", "cancelled", f"订单已取消，自动退款（退款单 {refund.refund_no}）"),
        ("cancelled", "cancelled", f"退款成功 67.00 元（{refund.refund_no}）"),
    ]
    async with ctx.sessionmaker() as s:
        amounts = await payments.amounts_for_order(s, order_no)
    assert (amounts.paid, amounts.refunded, amounts.refunding) == (6700, 6700, 0)
    await assert_ledger_balanced(ctx)


async def test_a_hold_released_before_the_money_arrived_is_taken_again(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order = await placed(client, alice, [(sku_id, 3)])
    # Inventory's own expiry sweep got there first; the order is still unpaid.
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.release(s, ref=order["order_no"], reason="expired")

    await pay(client, ctx, alice, order["order_no"])

    assert (await order_row(ctx, order["order_no"])).status == "paid"
    assert await level(ctx, sku_id) == (7, 0)
    assert await reservations(ctx) == [
        (order["order_no"], sku_id, 3, "released"),
        (order["order_no"] + ":paid", sku_id, 3, "committed"),
    ]
    body = await get_order(client, alice, order["order_no"])
    assert body["timeline"][-1]["reason"] == "库存保留已过期，支付后重新锁定库存"
    await assert_ledger_balanced(ctx)


async def test_a_paid_order_whose_stock_is_gone_is_cancelled_and_refunded(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 2)))[1][0]
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    order = await placed(client, alice, [(sku_id, 2)])
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.release(s, ref=order["order_no"], reason="expired")
    await placed(client, bob, [(sku_id, 2)])  # the released units sold meanwhile

    await pay(client, ctx, alice, order["order_no"])

    row = await order_row(ctx, order["order_no"])
    assert (row.status, row.cancel_reason) == ("cancelled", "支付时库存已售罄，自动退款")
    [refund] = await refunds(ctx, order["order_no"])
    assert refund.amount == row.payable_total
    assert await level(ctx, sku_id) == (2, 2)
    await assert_ledger_balanced(ctx)


async def test_a_second_payment_of_the_same_order_is_refunded(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order = await placed(client, alice, [(sku_id, 1)])
    jsapi = await start_payment(client, alice, order["order_no"], "wechat_jsapi")
    h5 = await start_payment(client, alice, order["order_no"], "wechat_h5")
    sim = simulator(app)

    await sim.pay(jsapi["prepay_id"])
    await sim.pay(h5["prepay_id"])
    await payments.settle(ctx)

    row = await order_row(ctx, order["order_no"])
    assert (row.status, row.payment_no) == ("paid", jsapi["payment_no"])
    [refund] = await refunds(ctx, order["order_no"])
    assert (refund.amount, refund.reason) == (6700, "重复支付，自动退款")
    assert await level(ctx, sku_id) == (9, 0)


async def test_paying_needs_an_unpaid_order_of_ones_own(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    order = await placed(client, alice, [(sku_id, 1)])
    cancelled = await placed(client, alice, [(sku_id, 1)])
    await client.post(f"/api/v1/orders/{cancelled['order_no']}/cancel", headers=alice.headers)
    before = await snapshot(ctx)

    other = await pay_request(client, bob, order["order_no"])
    gone = await pay_request(client, alice, cancelled["order_no"])
    bad = await pay_request(client, alice, order["order_no"], channel="alipay")

    assert (other.status_code, other.json()["code"]) == (404, "orders.not_found")
    assert (gone.status_code, gone.json()["code"]) == (409, "orders.not_payable")
    assert (bad.status_code, bad.json()["code"]) == (422, "request.invalid")
    assert await snapshot(ctx) == before


async def test_an_expired_order_cannot_be_paid(client: httpx.AsyncClient, ctx: AppContext) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order = await placed(client, alice, [(sku_id, 1)])
    await expire(ctx, order["order_no"])
    before = await snapshot(ctx)

    response = await pay_request(client, alice, order["order_no"])

    assert (response.status_code, response.json()["code"]) == (409, "orders.not_payable")
    assert await snapshot(ctx) == before


async def pay_request(
    client: httpx.AsyncClient, who: Shopper, order_no: str, channel: str = "wechat_jsapi"
) -> httpx.Response:
    return await client.post(
        f"/api/v1/orders/{order_no}/pay", json={"channel": channel}, headers=who.headers
    )
