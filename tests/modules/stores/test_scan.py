"""扫码购 (scan-to-buy): a barcode scanned in a store names the product with that store's stock;
the order (delivery ``scan``) takes its units from the store's hold, draws no code, and is
handed over as soon as it is paid, through the verified pickup's hand-over. Bad codes, closed
stores and short stock are refused with nothing changed."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events.models import OutboxEvent
from shoplet.modules.catalog.models import Sku
from shoplet.modules.orders.models import Order
from shoplet.modules.stores import service
from shoplet.modules.stores.events import PICKUP_VERIFIED
from shoplet.modules.stores.models import StoreOrder
from tests.conftest import snapshot
from tests.modules.orders.factories import get_order, one_sku, pay, shopper
from tests.modules.stores.factories import (
    console,
    make_store,
    place_with,
    set_stock,
    store_order,
)
from tests.modules.stores.test_pickup_order_status import received_events, store_holds

BARCODE = "6901234567892"
CLOSED = [{"closed": True, "open": "09:00", "close": "21:00"}] * 7


async def barcoded_sku(ctx: AppContext, barcode: str = BARCODE, price: int = 1290) -> int:
    sku_id = await one_sku(ctx, price=price, stock=10)
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(Sku).where(Sku.id == sku_id).values(barcode=barcode))
    return sku_id


def scan(store_id: int) -> dict[str, object]:
    return {"method": "scan", "store_id": store_id}


async def test_a_scanned_barcode_shows_the_product_with_the_stores_stock(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    sku = await barcoded_sku(ctx)
    store_id = await make_store(client, boss)
    assert (await set_stock(client, boss, store_id, sku, 3)).status_code == 200

    found = await client.get(f"/api/v1/stores/{store_id}/scan/{BARCODE}")
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["sku_id"], body["price"], body["store_quantity"]) == (sku, 1290, 3)
    assert body["store"]["id"] == store_id
    assert body["store"]["open_now"] is True
    assert body["title"]

    unknown = await client.get(f"/api/v1/stores/{store_id}/scan/6900000000000")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "catalog.barcode_not_found"
    no_store = await client.get(f"/api/v1/stores/{store_id + 999}/scan/{BARCODE}")
    assert no_store.status_code == 404
    assert no_store.json()["code"] == "stores.not_found"
    for bad in ("12345", "69012345678x2", "1" * 15):
        malformed = await client.get(f"/api/v1/stores/{store_id}/scan/{bad}")
        assert 400 <= malformed.status_code < 500, bad
        assert malformed.headers["content-type"].startswith("application/problem+json")


async def test_a_scan_order_is_handed_over_as_soon_as_it_is_paid(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    alice = await shopper(client)
    sku = await barcoded_sku(ctx)
    store_id = await make_store(client, boss, staff_ids=[boss.staff_id])
    assert (await set_stock(client, boss, store_id, sku, 3)).status_code == 200

    placed = await place_with(client, alice, [(sku, 2)], scan(store_id))
    assert placed.status_code == 201, placed.text
    order_no = placed.json()["order_no"]
    assert placed.json()["shipping_fee"] == 0
    row = await store_order(ctx, order_no)
    assert (row.method, row.status, row.code) == ("scan", "awaiting", None)
    assert await store_holds(client, boss, store_id) == [1]

    await pay(client, ctx, alice, order_no)
    assert (await get_order(client, alice, order_no))["status"] == "received"
    row = await store_order(ctx, order_no)
    assert row.status == "picked_up"
    assert row.picked_up_by is None
    assert await received_events(ctx, order_no) == 1
    async with ctx.sessionmaker() as s:
        verified = await s.scalars(
            select(OutboxEvent).where(
                OutboxEvent.type == PICKUP_VERIFIED, OutboxEvent.key == order_no
            )
        )
        assert len(list(verified)) == 1
    view = await client.get(f"/api/v1/orders/{order_no}/store", headers=alice.headers)
    assert view.status_code == 200, view.text
    assert (view.json()["method"], view.json()["status"], view.json()["code"]) == (
        "scan",
        "picked_up",
        None,
    )

    # A redelivered order.paid changes nothing; the 核销 desk has no code to take.
    async with unit_of_work(ctx.sessionmaker) as s:
        assert await service.hand_over_scanned(s, order_no, now=utcnow()) is False
    assert await received_events(ctx, order_no) == 1
    assert await store_holds(client, boss, store_id) == [1]


async def test_scan_orders_are_refused_when_the_store_cannot_sell_now(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    alice = await shopper(client)
    sku = await barcoded_sku(ctx)
    open_store = await make_store(client, boss)
    closed = await make_store(client, boss, hours=CLOSED)
    no_pickup = await make_store(client, boss, pickup_enabled=False)
    for store_id in (open_store, closed, no_pickup):
        assert (await set_stock(client, boss, store_id, sku, 1)).status_code == 200
    before = await snapshot(ctx)

    cases = [
        (closed, 1, 409, "stores.closed_now"),
        (no_pickup, 1, 409, "stores.pickup_disabled"),
        (open_store + 999, 1, 404, "stores.not_found"),
        (open_store, 2, 409, "inventory.insufficient"),
    ]
    for store_id, quantity, status, code in cases:
        response = await place_with(client, alice, [(sku, quantity)], scan(store_id))
        assert response.status_code == status, (store_id, response.text)
        assert response.json()["code"] == code
    preview = await client.post(
        "/api/v1/checkout/preview",
        json={"items": [{"sku_id": sku, "quantity": 1}], "delivery": scan(closed)},
        headers=alice.headers,
    )
    assert preview.status_code == 409
    assert preview.json()["code"] == "stores.closed_now"
    assert await snapshot(ctx) == before


async def test_concurrent_hand_overs_of_one_scan_order_happen_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    """``order.paid`` delivered many times at once (relays on several workers): one
    hand-over, one more ``order.received``; the others change nothing."""
    boss = await console(client, ctx, "boss")
    alice = await shopper(client)
    sku = await barcoded_sku(ctx)
    store_id = await make_store(client, boss)
    assert (await set_stock(client, boss, store_id, sku, 2)).status_code == 200
    placed = await place_with(client, alice, [(sku, 1)], scan(store_id))
    assert placed.status_code == 201, placed.text
    order_no = placed.json()["order_no"]
    await pay(client, ctx, alice, order_no)
    # Back to the moment between the payment and its hand-over (paid, the row awaiting), the
    # state every delivery of ``order.paid`` starts from.
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Order).where(Order.order_no == order_no).values(status="paid", received_at=None)
        )
        await s.execute(
            update(StoreOrder)
            .where(StoreOrder.order_no == order_no)
            .values(status="awaiting", picked_up_at=None)
        )
    received_before = await received_events(ctx, order_no)

    async def one() -> bool:
        async with unit_of_work(ctx.sessionmaker) as s:
            return await service.hand_over_scanned(s, order_no, now=utcnow())

    results = await asyncio.gather(*(one() for _ in range(10)), return_exceptions=True)
    assert results.count(True) == 1, results
    assert all(r is False or r is True or isinstance(r, Exception) for r in results)
    assert (await get_order(client, alice, order_no))["status"] == "received"
    assert await received_events(ctx, order_no) == received_before + 1
    assert (await store_order(ctx, order_no)).status == "picked_up"
    assert await store_holds(client, boss, store_id) == [1]
