"""Stores end to end: the console's register and stock per store, the store finder, pickup
and same-city checkout, the pickup code after payment and its verification (核销)."""

from __future__ import annotations

from typing import Any

import httpx

from shoplet.core.context import AppContext
from shoplet.modules.payments import public as payments
from shoplet.modules.stores import service
from tests.conftest import snapshot
from tests.modules.orders.factories import level, one_sku, pay, shopper
from tests.modules.stores.factories import (
    CONSOLE,
    LUJIAZUI,
    PEOPLE_SQUARE,
    Console,
    console,
    make_store,
    pickup,
    place_with,
    set_stock,
    store_body,
    store_order,
    tomorrow_at,
)


def verify(client: httpx.AsyncClient, staff: Console, store_id: int, **body: Any) -> Any:
    return client.post(
        f"{CONSOLE}/stores/{store_id}/pickups/verify", json=body, headers=staff.headers
    )


async def test_store_register_and_bad_input(client: httpx.AsyncClient, ctx: AppContext) -> None:
    boss = await console(client, ctx, "boss")
    store_id = await make_store(client, boss, staff_ids=[boss.staff_id, boss.staff_id])
    got = await client.get(f"{CONSOLE}/stores/{store_id}", headers=boss.headers)
    assert got.status_code == 200
    store = got.json()
    assert store["staff_ids"] == [boss.staff_id]
    assert (store["lat"], store["lng"]) == PEOPLE_SQUARE
    assert store["open_now"] is True
    assert len(store["hours"]) == 7

    closed_sunday = [
        *store_body()["hours"][:6],
        {"closed": True, "open": "09:00", "close": "21:00"},
    ]
    updated = await client.put(
        f"{CONSOLE}/stores/{store_id}",
        json=store_body(name="人民广场旗舰店", hours=closed_sunday),
        headers=boss.headers,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["hours"][6]["closed"] is True

    clerk = await console(client, ctx, "clerk", role="support")
    before = await snapshot(ctx)
    bad = [
        store_body(hours=[{"closed": False, "open": "21:00", "close": "09:00"}] * 7),
        store_body(hours=store_body()["hours"][:6]),
        store_body(lat=91),
        store_body(delivery_radius_m=-1),
        store_body(phone="call us"),
    ]
    for body in bad:
        response = await client.post(f"{CONSOLE}/stores", json=body, headers=boss.headers)
        assert response.status_code == 422, body
    missing = await client.put(f"{CONSOLE}/stores/999999", json=store_body(), headers=boss.headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "stores.not_found")
    denied = await client.post(f"{CONSOLE}/stores", json=store_body(), headers=clerk.headers)
    assert (denied.status_code, denied.json()["code"]) == (403, "console.permission_denied")
    assert await snapshot(ctx) == before


async def test_store_stock_is_a_hold_and_the_finder_shows_it(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    sku = await one_sku(ctx, stock=10)
    near = await make_store(client, boss)
    far = await make_store(client, boss, name="陆家嘴店", lat=LUJIAZUI[0], lng=LUJIAZUI[1])
    assert (await set_stock(client, boss, near, sku, 3)).status_code == 200
    assert (await set_stock(client, boss, far, sku, 1)).status_code == 200
    assert await level(ctx, sku) == (10, 4)
    assert (await set_stock(client, boss, near, sku, 2)).json() == {"sku_id": sku, "quantity": 2}
    assert await level(ctx, sku) == (10, 3)
    stock = await client.get(f"{CONSOLE}/stores/{near}/stock", headers=boss.headers)
    assert stock.json() == [{"sku_id": sku, "quantity": 2}]

    before = await snapshot(ctx)
    short = await set_stock(client, boss, near, sku, 20)
    assert (short.status_code, short.json()["code"]) == (409, "inventory.insufficient")
    assert await snapshot(ctx) == before

    found = await client.get(
        "/api/v1/stores/nearby",
        params={"lat": 31.2330, "lng": 121.4760, "items": f"{sku}:2", "radius_m": 5000},
    )
    assert found.status_code == 200, found.text
    rows = [r for r in found.json() if r["id"] in (near, far)]
    assert [r["id"] for r in rows] == [near, far]
    assert rows[0]["distance_m"] < 200 < rows[1]["distance_m"]
    assert [(r["has_stock"], r["stock"]) for r in rows] == [
        (True, [{"sku_id": sku, "quantity": 2}]),
        (False, [{"sku_id": sku, "quantity": 1}]),
    ]
    assert rows[0]["same_city_fee"] == 300
    bad = await client.get("/api/v1/stores/nearby", params={"lat": 95, "lng": 121})
    assert bad.status_code == 422


async def test_pickup_order_code_after_payment_and_verify_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    clerk = await console(client, ctx, "clerk", role="support")
    outsider = await console(client, ctx, "outsider", role="support")
    sku = await one_sku(ctx, price=5900, stock=10)
    store_id = await make_store(client, boss, staff_ids=[clerk.staff_id])
    other_store = await make_store(client, boss, name="陆家嘴店", staff_ids=[clerk.staff_id])
    await set_stock(client, boss, store_id, sku, 3)
    alice = await shopper(client)

    placed = await place_with(client, alice, [(sku, 2)], pickup(store_id))
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["shipping_fee"] == 0  # below the free-shipping threshold, yet no fee
    order_no = order["order_no"]
    # The units came out of the store's hold, not out of free stock.
    assert await level(ctx, sku) == (10, 3)
    stock = await client.get(f"{CONSOLE}/stores/{store_id}/stock", headers=boss.headers)
    assert stock.json() == [{"sku_id": sku, "quantity": 1}]

    page = await client.get(f"/api/v1/orders/{order_no}/store", headers=alice.headers)
    assert page.status_code == 200, page.text
    assert (page.json()["order_paid"], page.json()["code"], page.json()["qr"]) == (
        False,
        None,
        None,
    )
    row = await store_order(ctx, order_no)
    assert row.code is not None

    before = await snapshot(ctx)
    unpaid = await verify(client, clerk, store_id, code=row.code)
    assert (unpaid.status_code, unpaid.json()["code"]) == (409, "stores.order_unpaid")
    assert await snapshot(ctx) == before

    await pay(client, ctx, alice, order_no)
    page = (await client.get(f"/api/v1/orders/{order_no}/store", headers=alice.headers)).json()
    assert page["order_paid"] is True
    assert page["code"] == row.code
    assert page["qr"] == service.qr_payload(ctx.settings.resolved_secret_key, order_no, row.code)
    assert page["window_start"] is not None
    assert page["qr_png_base64"].startswith("iVBORw0KGgo")  # a PNG

    # One hex digit of the signature changed (whatever it was).
    forged = page["qr"][:-1] + ("1" if page["qr"].endswith("0") else "0")
    before = await snapshot(ctx)
    refusals = [
        (verify(client, clerk, other_store, code=row.code), 409, "stores.wrong_store"),
        (verify(client, outsider, store_id, code=row.code), 403, "stores.not_store_staff"),
        (verify(client, clerk, store_id, qr=forged), 400, "stores.qr_invalid"),
        (verify(client, clerk, store_id, code="12345a"), 422, None),
        (verify(client, clerk, store_id, code=row.code, qr=page["qr"]), 422, None),
    ]
    wrong_code = "000000" if row.code != "000000" else "000001"
    refusals.append((verify(client, clerk, store_id, code=wrong_code), 404, "stores.code_invalid"))
    for call, status, code in refusals:
        response = await call
        assert response.status_code == status, response.text
        if code is not None:
            assert response.json()["code"] == code
    assert await snapshot(ctx) == before

    done = await verify(client, clerk, store_id, qr=page["qr"])
    assert done.status_code == 200, done.text
    assert done.json()["order_no"] == order_no
    assert done.json()["lines"] == ["纯棉圆领短袖T恤 尺码:S ×2"]
    again = await verify(client, clerk, store_id, qr=page["qr"])
    assert (again.status_code, again.json()["code"]) == (409, "stores.already_picked_up")
    again = await verify(client, clerk, store_id, code=row.code)
    assert (again.status_code, again.json()["code"]) == (404, "stores.code_invalid")
    picked = await store_order(ctx, order_no)
    assert (picked.status, picked.picked_up_by) == ("picked_up", clerk.staff_id)
    page = (await client.get(f"/api/v1/orders/{order_no}/store", headers=alice.headers)).json()
    assert (page["status"], page["code"], page["qr"]) == ("picked_up", None, None)


async def test_pickup_and_same_city_refusals_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    sku = await one_sku(ctx, price=5900, stock=10)
    store_id = await make_store(
        client, boss, hours=[{"closed": False, "open": "09:00", "close": "18:00"}] * 7
    )
    no_pickup = await make_store(client, boss, pickup_enabled=False, delivery_radius_m=0)
    await set_stock(client, boss, store_id, sku, 1)
    alice = await shopper(client)
    far = {"method": "same_city", "store_id": store_id, "lat": 31.30, "lng": 121.60}
    cases: list[tuple[Any, list[tuple[int, int]], int, str | None]] = [
        (pickup(store_id, tomorrow_at(20)), [(sku, 1)], 400, "stores.invalid_pickup_window"),
        (pickup(store_id, tomorrow_at(10).replace(year=2020)), [(sku, 1)], 400,
         "stores.invalid_pickup_window"),
        (pickup(no_pickup), [(sku, 1)], 409, "stores.pickup_disabled"),
        (pickup(999_999), [(sku, 1)], 404, "stores.not_found"),
        (pickup(store_id), [(sku, 2)], 409, "inventory.insufficient"),
        (far, [(sku, 1)], 400, "stores.out_of_range"),
        ({**far, "store_id": no_pickup}, [(sku, 1)], 400, "stores.out_of_range"),
        ({"method": "pickup", "store_id": store_id}, [(sku, 1)], 422, None),
        ({"method": "drone", "store_id": store_id}, [(sku, 1)], 422, None),
    ]  # fmt: skip
    before = await snapshot(ctx)
    for delivery, items, status, code in cases:
        response = await place_with(client, alice, items, delivery)
        assert response.status_code == status, (delivery, response.text)
        if code is not None:
            assert response.json()["code"] == code
    assert await snapshot(ctx) == before

    near = {"method": "same_city", "store_id": store_id, "lat": LUJIAZUI[0], "lng": LUJIAZUI[1]}
    preview = await client.post(
        "/api/v1/checkout/preview",
        json={"address_id": alice.address_id, "items": [{"sku_id": sku, "quantity": 1}],
              "delivery": near},
        headers=alice.headers,
    )  # fmt: skip
    assert preview.status_code == 200, preview.text
    # 人民广场 -> 陆家嘴 is about 2.5 km: three started kilometres at 3.00 each.
    assert preview.json()["shipping_fee"] == 900
    assert preview.json()["lines"][0]["available"] == 1
    placed = await place_with(client, alice, [(sku, 1)], near)
    assert placed.status_code == 201, placed.text
    assert placed.json()["shipping_fee"] == 900
    row = await store_order(ctx, placed.json()["order_no"])
    assert (row.method, row.code, row.distance_m is not None) == ("same_city", None, True)
    assert await level(ctx, sku) == (10, 1)

    # Cancelled before payment: the units go back to the store's hold, not to free stock.
    order_no = placed.json()["order_no"]
    cancelled = await client.post(
        f"/api/v1/orders/{order_no}/cancel", json={"reason": "不想要了"}, headers=alice.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    stock = await client.get(f"{CONSOLE}/stores/{store_id}/stock", headers=boss.headers)
    assert stock.json() == [{"sku_id": sku, "quantity": 1}]
    assert await level(ctx, sku) == (10, 1)
    await payments.settle(ctx)  # relays order.cancelled: the store order is cancelled
    assert (await store_order(ctx, order_no)).status == "cancelled"
