"""Coupons at checkout: the preview picks the best one and explains the others, an order locks
its coupon, payment uses it, cancellation and a full refund give it back, a partial refund
does not; a coupon that cannot be used is a 4xx and no order."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.modules.orders.models import Order
from shoplet.modules.promotions import public as promotions
from tests.conftest import snapshot
from tests.modules.orders.factories import ORDERS, Shopper, new_key, pay, product, shopper
from tests.modules.orders.test_aftersales import approve, asked, complete_refund
from tests.modules.promotions.factories import (
    FOR_CART,
    PREVIEW,
    claimed,
    coupon_row,
    make_template,
    redemption,
    shift_coupon,
    template_row,
)
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "coupon-operator"))


async def coupon_of(
    client: httpx.AsyncClient, staff: dict[str, str], who: Shopper, **template: Any
) -> int:
    made = await make_template(client, staff, **template)
    return int((await claimed(client, who, made["id"]))["id"])


async def preview(
    client: httpx.AsyncClient, who: Shopper, items: list[tuple[int, int]], **extra: Any
) -> httpx.Response:
    body = {
        "address_id": who.address_id,
        "items": [{"sku_id": s, "quantity": q} for s, q in items],
        **extra,
    }
    return await client.post(PREVIEW, json=body, headers=who.headers)


async def place(
    client: httpx.AsyncClient,
    who: Shopper,
    items: list[tuple[int, int]],
    coupon_id: int | None,
    key: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {
        "address_id": who.address_id,
        "items": [{"sku_id": s, "quantity": q} for s, q in items],
    }
    if coupon_id is not None:
        body["coupon_id"] = coupon_id
    return await client.post(
        ORDERS, json=body, headers={**who.headers, "Idempotency-Key": key or new_key()}
    )


async def test_the_preview_applies_the_best_coupon_and_explains_the_others(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    _, [shirt] = await product(ctx, (12000, 10))
    other_product, _ = await product(ctx, (100, 10), title="帆布袋")
    best = await coupon_of(client, staff, alice, name="满100减20")
    no_threshold = await coupon_of(
        client, staff, alice, name="无门槛5元", kind="no_threshold", threshold=0, amount=500
    )
    rate = await coupon_of(
        client, staff, alice, name="9折", kind="discount", threshold=0, amount=3000,
        rate_permille=900,
    )  # fmt: skip
    shipping = await coupon_of(
        client, staff, alice, name="运费券", kind="shipping", threshold=0, amount=800
    )
    far = await coupon_of(client, staff, alice, name="满200减50", threshold=20000, amount=5000)
    scoped = await coupon_of(
        client, staff, alice, name="帆布袋专享", scope="products", scope_ids=[other_product]
    )
    expired = await coupon_of(client, staff, alice, name="过期券")
    await shift_coupon(ctx, expired, days=-30)

    response = await preview(client, alice, [(shirt, 1)])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["coupon"] == {
        "coupon_id": best,
        "name": "满100减20",
        "kind": "threshold",
        "discount": 2000,
        "shipping_discount": 0,
    }
    assert (body["items_total"], body["discount_total"], body["shipping_fee"]) == (12000, 2000, 0)
    assert body["payable_total"] == 10000
    assert body["lines"][0]["discount"] == 2000
    options = [(o["coupon"]["id"], o["usable"], o["saving"], o["code"], o["reason"])
               for o in body["coupons"]]  # fmt: skip
    assert options == [
        (best, True, 2000, None, None),
        (rate, True, 1200, None, None),
        (no_threshold, True, 500, None, None),
        (scoped, False, 0, "promotions.out_of_scope", "不在使用范围"),
        (far, False, 0, "promotions.below_threshold", "未达门槛，差¥80.00"),
        (shipping, False, 0, "promotions.no_shipping_fee", "本单已免运费"),
    ]
    # The expired coupon is not in the wallet: it shows under my coupons' expired tab.
    assert expired not in [o[0] for o in options]

    chosen = (await preview(client, alice, [(shirt, 1)], coupon_id=rate)).json()
    assert (chosen["coupon"]["coupon_id"], chosen["discount_total"]) == (rate, 1200)
    none = (await preview(client, alice, [(shirt, 1)], no_coupon=True)).json()
    assert (none["coupon"], none["discount_total"], none["payable_total"]) == (None, 0, 12000)
    listed = (
        await client.post(
            FOR_CART,
            json={"items": [{"sku_id": shirt, "quantity": 1}]},
            headers=alice.headers,
        )
    ).json()
    assert [o["coupon"]["id"] for o in listed] == [o[0] for o in options]


async def test_a_shipping_coupon_waives_the_fee(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    _, [cup] = await product(ctx, (3000, 10))
    coupon = await coupon_of(
        client, staff, alice, name="运费券5元", kind="shipping", threshold=0, amount=500
    )

    body = (await preview(client, alice, [(cup, 1)])).json()

    assert body["coupon"]["coupon_id"] == coupon
    assert (body["shipping_fee"], body["shipping_discount"], body["payable_total"]) == (
        300,
        500,
        3300,
    )
    response = await place(client, alice, [(cup, 1)], coupon)
    assert response.status_code == 201, response.text
    assert (response.json()["shipping_fee"], response.json()["payable_total"]) == (300, 3300)
    saved = await redemption(ctx, response.json()["order_no"])
    assert saved is not None
    assert (saved.discount, saved.shipping_discount, saved.line_discounts) == (0, 500, {})


async def test_a_coupon_that_cannot_be_used_is_a_problem_and_no_order(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    bob = await shopper(client, "bob")
    other_product, _ = await product(ctx, (100, 10), title="帆布袋")
    _, [shirt] = await product(ctx, (5000, 10))
    below = await coupon_of(client, staff, alice)
    scoped = await coupon_of(
        client, staff, alice, name="帆布袋专享", scope="products", scope_ids=[other_product]
    )
    expired = await coupon_of(client, staff, alice, name="过期券", threshold=100, amount=100)
    await shift_coupon(ctx, expired, days=-30)
    later_one = await coupon_of(client, staff, alice, name="未开始", threshold=100, amount=100)
    await shift_coupon(ctx, later_one, days=2)
    bobs = await coupon_of(client, staff, bob, name="bob的券", threshold=100, amount=100)
    cases = [
        (below, 409, "promotions.below_threshold"),
        (scoped, 409, "promotions.out_of_scope"),
        (expired, 409, "promotions.coupon_expired"),
        (later_one, 409, "promotions.coupon_not_started"),
        (bobs, 404, "promotions.coupon_not_found"),
        (999_999, 404, "promotions.coupon_not_found"),
    ]
    before = await snapshot(ctx)
    for coupon, status, code in cases:
        for response in (
            await preview(client, alice, [(shirt, 1)], coupon_id=coupon),
            await place(client, alice, [(shirt, 1)], coupon),
        ):
            assert (response.status_code, response.json()["code"]) == (status, code), coupon
    for bad in (0, -1, "1", 2**63):
        response = await place(client, alice, [(shirt, 1)], bad)  # type: ignore[arg-type]
        assert response.status_code == 422, bad
    assert await snapshot(ctx) == before


async def test_an_order_locks_its_coupon_payment_uses_it_and_a_retry_returns_the_order(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    _, [small, large] = await product(ctx, (3000, 10), (9000, 10))
    template = await make_template(client, staff)
    coupon = int((await claimed(client, alice, template["id"]))["id"])
    key = new_key()

    response = await place(client, alice, [(small, 1), (large, 1)], coupon, key=key)

    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["items_total"], order["discount_total"], order["payable_total"]) == (
        12000,
        2000,
        10000,
    )
    assert [(ln["sku_id"], ln["discount"]) for ln in order["lines"]] == [
        (small, 500),
        (large, 1500),
    ]
    row = await coupon_row(ctx, coupon)
    assert (row.state, row.order_no) == ("locked", order["order_no"])
    saved = await redemption(ctx, order["order_no"])
    assert saved is not None
    assert saved.rule["name"] == "满100减20"
    assert (saved.discount, saved.line_discounts) == (2000, {str(small): 500, str(large): 1500})
    async with ctx.sessionmaker() as s:
        applied = await promotions.applied_coupon(s, order["order_no"])
    assert applied is not None
    assert (applied.coupon_id, applied.name, applied.kind, applied.discount) == (
        coupon,
        "满100减20",
        "threshold",
        2000,
    )
    assert (applied.line_discounts, applied.returned) == ({small: 500, large: 1500}, False)
    retry = await place(client, alice, [(small, 1), (large, 1)], coupon, key=key)
    assert (retry.status_code, retry.json()["order_no"]) == (201, order["order_no"])
    again = await place(client, alice, [(small, 1)], coupon)
    assert (again.status_code, again.json()["code"]) == (409, "promotions.coupon_unavailable")
    used_tab = (await client.get("/api/v1/me/coupons?tab=used", headers=alice.headers)).json()
    assert [(c["id"], c["state"]) for c in used_tab["items"]] == [(coupon, "locked")]

    await pay(client, ctx, alice, order["order_no"])

    row = await coupon_row(ctx, coupon)
    assert (row.state, row.order_no) == ("used", order["order_no"])
    assert (await template_row(ctx, template["id"])).used == 1
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Order)) == 1


async def test_cancelling_an_unpaid_order_gives_the_coupon_back(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    _, [shirt] = await product(ctx, (12000, 10))
    coupon = await coupon_of(client, staff, alice)
    expiring = await coupon_of(client, staff, alice, name="满100减10", amount=1000)
    first = (await place(client, alice, [(shirt, 1)], coupon)).json()["order_no"]
    second = (await place(client, alice, [(shirt, 1)], expiring)).json()["order_no"]
    # The second coupon's window ends while its order waits.
    await shift_coupon(ctx, expiring, days=-7)

    for order_no in (first, second):
        response = await client.post(f"{ORDERS}/{order_no}/cancel", headers=alice.headers)
        assert response.status_code == 200, response.text
    await drain_outbox(ctx)
    await drain_outbox(ctx)  # a redelivery changes nothing

    row = await coupon_row(ctx, coupon)
    assert (row.state, row.order_no, row.locked_at) == ("unused", None, None)
    assert (await coupon_row(ctx, expiring)).state == "expired"
    saved = await redemption(ctx, first)
    assert saved is not None
    assert saved.returned_at is not None
    again = await place(client, alice, [(shirt, 1)], coupon)
    assert again.status_code == 201, again.text


async def test_a_full_refund_gives_the_coupon_back_a_partial_one_does_not(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    _, [shirt] = await product(ctx, (12000, 10))
    template = await make_template(client, staff, per_shopper_limit=2)
    full = int((await claimed(client, alice, template["id"]))["id"])
    partial = int((await claimed(client, alice, template["id"]))["id"])
    orders = []
    for coupon in (full, partial):
        order_no = (await place(client, alice, [(shirt, 1)], coupon)).json()["order_no"]
        await pay(client, ctx, alice, order_no)
        orders.append(order_no)
    assert (await template_row(ctx, template["id"])).used == 2

    for order_no, amount in zip(orders, (10000, 3000), strict=True):
        aftersale_no = await asked(
            client, alice, order_no, kind="refund_only", reason="不想要了", amount=amount
        )
        approved = await approve(ctx, aftersale_no)
        assert approved.refund_no is not None
        await complete_refund(app, ctx, approved.refund_no)
    await drain_outbox(ctx)

    assert (await coupon_row(ctx, full)).state == "unused"
    assert (await coupon_row(ctx, partial)).state == "used"
    assert (await template_row(ctx, template["id"])).used == 1
