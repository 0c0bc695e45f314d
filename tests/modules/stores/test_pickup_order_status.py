"""What a store hand-over does to the order: a verified pickup is a received order (timeline,
``order.received``), and refunds of pickup orders restock the shop's central stock — never
the store's hold, and nothing at all when the goods stayed with the shopper."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events.models import OutboxEvent
from shoplet.modules.orders import public as orders
from tests.conftest import snapshot
from tests.modules.orders.factories import ORDERS, Shopper, get_order, level, one_sku, pay, shopper
from tests.modules.orders.test_aftersales import approve, ask, asked, complete_refund
from tests.modules.stores.factories import (
    CONSOLE,
    Console,
    console,
    make_store,
    pickup,
    place_with,
    set_stock,
    store_order,
)


async def paid_pickup(
    client: httpx.AsyncClient,
    ctx: AppContext,
    boss: Console,
    who: Shopper,
    quantity: int = 2,
) -> tuple[int, int, str]:
    """A SKU with 10 on hand, a store holding 3 of them, ``who``'s paid pickup of ``quantity``."""
    sku = await one_sku(ctx, price=5900, stock=10)
    store_id = await make_store(client, boss, staff_ids=[boss.staff_id])
    assert (await set_stock(client, boss, store_id, sku, 3)).status_code == 200
    placed = await place_with(client, who, [(sku, quantity)], pickup(store_id))
    assert placed.status_code == 201, placed.text
    order_no: str = placed.json()["order_no"]
    await pay(client, ctx, who, order_no)
    return sku, store_id, order_no


async def hand_over(
    client: httpx.AsyncClient, ctx: AppContext, staff: Console, store_id: int, order_no: str
) -> httpx.Response:
    code = (await store_order(ctx, order_no)).code
    return await client.post(
        f"{CONSOLE}/stores/{store_id}/pickups/verify", json={"code": code}, headers=staff.headers
    )


async def store_holds(client: httpx.AsyncClient, staff: Console, store_id: int) -> list[int]:
    stock = await client.get(f"{CONSOLE}/stores/{store_id}/stock", headers=staff.headers)
    return [row["quantity"] for row in stock.json()]


async def received_events(ctx: AppContext, order_no: str) -> int:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(OutboxEvent).where(
                OutboxEvent.type == orders.ORDER_RECEIVED, OutboxEvent.key == order_no
            )
        )
        return len(list(rows))


async def test_a_verified_pickup_receives_the_order(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    alice = await shopper(client)
    sku, store_id, order_no = await paid_pickup(client, ctx, boss, alice)
    assert (await get_order(client, alice, order_no))["status"] == "paid"

    # A shopper cannot "confirm receipt" of goods still waiting at the store.
    before = await snapshot(ctx)
    early = await client.post(f"{ORDERS}/{order_no}/confirm-receipt", headers=alice.headers)
    assert (early.status_code, early.json()["code"]) == (409, "orders.illegal_transition")
    assert await snapshot(ctx) == before

    done = await hand_over(client, ctx, boss, store_id, order_no)
    assert done.status_code == 200, done.text
    detail = await get_order(client, alice, order_no)
    assert detail["status"] == "received"
    assert detail["received_at"] is not None
    assert detail["shipped_at"] is None
    assert [(t["from_status"], t["to_status"]) for t in detail["timeline"]][-1] == (
        "paid",
        "received",
    )
    assert await received_events(ctx, order_no) == 1
    assert await level(ctx, sku) == (8, 1)

    # A second hand-over is refused and writes nothing (no second order.received).
    before = await snapshot(ctx)
    again = await hand_over(client, ctx, boss, store_id, order_no)
    assert again.status_code in (404, 409)
    assert await snapshot(ctx) == before


async def test_handing_over_only_store_orders(client: httpx.AsyncClient, ctx: AppContext) -> None:
    """orders refuses the hand-over of an express order or an unpaid one, writing nothing."""
    sku = await one_sku(ctx, stock=5)
    alice = await shopper(client)
    express = await place_with(client, alice, [(sku, 1)], None)
    assert express.status_code == 201, express.text
    order_no = express.json()["order_no"]
    for paid in (False, True):
        if paid:
            await pay(client, ctx, alice, order_no)
        before = await snapshot(ctx)
        with pytest.raises(orders.IllegalTransition):
            async with unit_of_work(ctx.sessionmaker) as s:
                await orders.confirm_handed_over(
                    s, order_no=order_no, staff_username="boss", now=utcnow()
                )
        assert await snapshot(ctx) == before


async def test_refund_before_pickup_restocks_central_stock(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    alice = await shopper(client)
    sku, store_id, order_no = await paid_pickup(client, ctx, boss, alice)
    assert await level(ctx, sku) == (8, 1)  # 2 sold, 1 still held by the store

    aftersale_no = await asked(
        client, alice, order_no, kind="refund_only", reason="不去取了", amount=11800
    )
    approved = await approve(ctx, aftersale_no)
    assert approved.refund_no is not None
    await complete_refund(app, ctx, approved.refund_no)

    assert (await get_order(client, alice, order_no))["status"] == "refunded"
    # Back on the central shelf (free stock), not into the store's hold.
    assert await level(ctx, sku) == (10, 1)
    assert await store_holds(client, boss, store_id) == [1]
    assert (await store_order(ctx, order_no)).status == "cancelled"


async def test_refund_only_after_pickup_restocks_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    alice = await shopper(client)
    sku, store_id, order_no = await paid_pickup(client, ctx, boss, alice)
    assert (await hand_over(client, ctx, boss, store_id, order_no)).status_code == 200

    aftersale_no = await asked(
        client, alice, order_no, kind="refund_only", reason="有瑕疵", amount=11800
    )
    approved = await approve(ctx, aftersale_no)
    assert approved.refund_no is not None
    await complete_refund(app, ctx, approved.refund_no)

    assert (await get_order(client, alice, order_no))["status"] == "refunded"
    # The goods left with the shopper: nothing comes back to any shelf.
    assert await level(ctx, sku) == (8, 1)
    assert await store_holds(client, boss, store_id) == [1]


async def test_a_return_after_pickup_restocks_central_stock(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    alice = await shopper(client)
    sku, store_id, order_no = await paid_pickup(client, ctx, boss, alice)
    before = await snapshot(ctx)
    # Before the hand-over there is nothing to send back.
    early = await ask(
        client,
        alice,
        order_no,
        kind="return_refund",
        reason="尺码不合适",
        amount=5900,
        items=[{"sku_id": sku, "quantity": 1}],
    )
    assert (early.status_code, early.json()["code"]) == (409, "orders.aftersale_not_allowed")
    assert await snapshot(ctx) == before
    assert (await hand_over(client, ctx, boss, store_id, order_no)).status_code == 200

    aftersale_no = await asked(
        client,
        alice,
        order_no,
        kind="return_refund",
        reason="尺码不合适",
        amount=5900,
        items=[{"sku_id": sku, "quantity": 1}],
    )
    approved = await approve(ctx, aftersale_no)
    assert approved.status == "awaiting_return"
    async with unit_of_work(ctx.sessionmaker) as s:
        received = await orders.confirm_return_received(s, aftersale_no=aftersale_no, actor="boss")
    assert received.refund_no is not None
    await complete_refund(app, ctx, received.refund_no)

    detail = await get_order(client, alice, order_no)
    assert (detail["status"], detail["refunded_total"]) == ("received", 5900)
    assert await level(ctx, sku) == (9, 1)  # the returned unit is central stock again
    assert await store_holds(client, boss, store_id) == [1]
