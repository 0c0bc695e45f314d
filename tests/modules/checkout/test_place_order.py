"""POST /orders: server-side pricing, stock held atomically, idempotent retries, bad inputs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import OutboxEvent
from shoplet.modules.cart.models import CartLine
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout.pricing import ShippingRules
from shoplet.modules.checkout.shipping import update_shipping_rules
from shoplet.modules.inventory.models import Reservation
from shoplet.modules.orders.models import Order, OrderEvent, OrderLine
from tests.conftest import StatementCounter, snapshot
from tests.modules.cart.conftest import set_price
from tests.modules.orders.factories import (
    ADDRESS_SHOWN,
    ORDERS,
    PREVIEW,
    add_to_cart,
    assert_ledger_balanced,
    get_order,
    level,
    new_key,
    one_sku,
    place,
    placed,
    product,
    shopper,
)


async def cart_skus(ctx: AppContext, member_id: int) -> list[tuple[int, int, bool]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(CartLine).where(CartLine.member_id == member_id).order_by(CartLine.sku_id)
        )
        return [(r.sku_id, r.quantity, r.selected) for r in rows]


async def test_cart_order_is_priced_on_the_server_and_holds_stock(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, [small, medium] = await product(ctx, (5900, 10), (6900, 3))
    alice = await shopper(client)
    await add_to_cart(client, alice, small, 2)
    await add_to_cart(client, alice, medium, 1)

    response = await place(client, alice, remark="请尽快发货")

    assert response.status_code == 201, response.text
    body = response.json()
    row = await order_row_by_no(ctx, body["order_no"])
    assert body == {
        "order_no": row.order_no,
        "status": "pending_payment",
        "source": "cart",
        "is_virtual": False,
        # 2 x 59.00 + 69.00 = 187.00 >= 99.00: free shipping by the default rules.
        "items_total": 18700,
        "shipping_fee": 0,
        "discount_total": 0,
        "payable_total": 18700,
        "refunded_total": 0,
        "item_count": 3,
        "lines": [
            line_json(small, product_id, "尺码:S", 5900, 2),
            line_json(medium, product_id, "尺码:M", 6900, 1),
        ],
        "created_at": body["created_at"],
        "expires_at": body["expires_at"],
        "address": ADDRESS_SHOWN,
        "remark": "请尽快发货",
        "paid_at": None,
        "shipped_at": None,
        "received_at": None,
        "completed_at": None,
        "cancelled_at": None,
        "cancel_reason": None,
        "carrier": None,
        "tracking_no": None,
        "timeline": [
            {
                "aftersale_no": None,
                "from_status": None,
                "to_status": "pending_payment",
                "actor": f"member:{alice.member_id}",
                "actor_kind": "member",
                "actor_name": "买家",
                "reason": "下单",
                "created_at": body["created_at"],
            }
        ],
        "aftersales": [],
    }
    assert len(row.order_no) == 18
    assert row.order_no.isdigit()
    # The payment deadline: order_payment_timeout_seconds after the order was priced.
    assert 899 < (row.expires_at - row.created_at).total_seconds() <= 900
    assert "张三丰" not in row.address_encrypted
    assert row.phone_index == ctx.pii.blind_index("13912345678")
    assert await level(ctx, small) == (10, 2)
    assert await level(ctx, medium) == (3, 1)
    async with ctx.sessionmaker() as s:
        held = list(await s.scalars(select(Reservation).order_by(Reservation.sku_id)))
        created = list(
            await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "order.created"))
        )
    assert [(r.ref, r.sku_id, r.quantity, r.status) for r in held] == [
        (row.order_no, small, 2, "active"),
        (row.order_no, medium, 1, "active"),
    ]
    [event] = created
    assert event.payload["order_no"] == row.order_no
    assert event.payload["payable_total"] == 18700
    assert event.payload["lines"] == [
        {"sku_id": small, "quantity": 2},
        {"sku_id": medium, "quantity": 1},
    ]
    # The ordered lines left the cart.
    assert await cart_skus(ctx, alice.member_id) == []
    await assert_ledger_balanced(ctx)


def line_json(sku_id: int, product_id: int, spec: str, price: int, quantity: int) -> dict[str, Any]:
    return {
        "sku_id": sku_id,
        "product_id": product_id,
        "title": "纯棉圆领短袖T恤",
        "spec_text": spec,
        "image": "/media/products/0123456789abcdef0123.jpg",
        "unit_price": price,
        "quantity": quantity,
        "line_total": price * quantity,
        "discount": 0,
        "payable": price * quantity,
    }


async def order_row_by_no(ctx: AppContext, order_no: str) -> Order:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(Order).where(Order.order_no == order_no))
    assert row is not None
    return row


async def test_buy_now_charges_shipping_and_leaves_the_cart_alone(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, price=3900, stock=5)
    alice = await shopper(client)
    await add_to_cart(client, alice, sku_id, 1)

    body = await placed(client, alice, [(sku_id, 2)])

    assert (body["source"], body["items_total"], body["shipping_fee"]) == ("buy_now", 7800, 800)
    assert body["payable_total"] == 8600
    assert await cart_skus(ctx, alice.member_id) == [(sku_id, 1, True)]
    assert await level(ctx, sku_id) == (5, 2)


async def test_region_fee_comes_from_the_merchant_rules(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, price=3900)
    async with unit_of_work(ctx.sessionmaker) as s:
        await update_shipping_rules(
            s, ShippingRules(flat_fee=600, free_threshold=None, region_fees={"65": 2000}), actor="t"
        )
    far = await shopper(
        client,
        region_code="650102",
        province="新疆维吾尔自治区",
        city="乌鲁木齐市",
        district="天山区",
    )

    body = await placed(client, far, [(sku_id, 1)])

    assert (body["shipping_fee"], body["payable_total"]) == (2000, 5900)


async def test_an_order_takes_at_most_seventeen_sql_statements(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    _, skus = await product(ctx, (5900, 10), (6900, 10))
    alice = await shopper(client)
    for sku_id in skus:
        await add_to_cart(client, alice, sku_id)
    # The shop's rules (shipping, tiers, promotions and policy) are read once per process and
    # cached: the preview before the order has read them already.
    previewed = await client.post(
        PREVIEW, json={"address_id": alice.address_id}, headers=alice.headers
    )
    assert previewed.status_code == 200, previewed.text

    sql_counter.reset()
    response = await place(client, alice)

    assert response.status_code == 201, response.text
    # 14 for the cart, the address, the SKUs and writing the order, its stock hold and the cart;
    # two read the member's benefits (account, the paid plan running now); one holds the member
    # row against a merge (once: cart, coupons, points and orders reuse it). PostgreSQL writes
    # the ledger row in the stock UPDATE's statement, so it takes one fewer.
    assert sql_counter.count <= 17, "\n".join(sql_counter.statements)


async def test_a_retry_returns_the_first_order_even_once_the_cart_is_empty(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx)
    alice = await shopper(client)
    await add_to_cart(client, alice, sku_id, 2)
    key = new_key()
    first = await placed(client, alice, key=key)
    before = await snapshot(ctx)

    again = await place(client, alice, key=key)

    assert again.status_code == 201
    assert again.json() == first
    assert await snapshot(ctx) == before


async def test_a_retry_of_buy_now_returns_the_first_order(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx)
    alice = await shopper(client)
    key = new_key()
    first = await placed(client, alice, [(sku_id, 1)], key=key)
    before = await snapshot(ctx)

    again = await place(client, alice, [(sku_id, 1)], key=key)

    assert again.status_code == 201
    assert again.json() == first
    assert await snapshot(ctx) == before
    assert await level(ctx, sku_id) == (10, 1)


async def test_the_same_key_for_another_request_is_a_conflict(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx)
    alice = await shopper(client)
    key = new_key()
    first = await placed(client, alice, [(sku_id, 1)], key=key)
    before = await snapshot(ctx)

    response = await place(client, alice, [(sku_id, 2)], key=key)

    assert response.status_code == 409
    assert response.json()["code"] == "orders.idempotency_conflict"
    assert response.json()["order_no"] == first["order_no"]
    assert await snapshot(ctx) == before


async def test_keys_are_per_member(client: httpx.AsyncClient, ctx: AppContext) -> None:
    sku_id = await one_sku(ctx)
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    key = new_key()

    first = await placed(client, alice, [(sku_id, 1)], key=key)
    second = await placed(client, bob, [(sku_id, 1)], key=key)

    assert first["order_no"] != second["order_no"]
    assert await level(ctx, sku_id) == (10, 2)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Idempotency-Key": "short"},
        {"Idempotency-Key": "x" * 65},
        {"Idempotency-Key": "a b c d e f"},
    ],
    ids=["missing", "too-short", "too-long", "spaces"],
)
async def test_an_idempotency_key_is_required(
    client: httpx.AsyncClient, ctx: AppContext, headers: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx)
    alice = await shopper(client)
    before = await snapshot(ctx)

    response = await client.post(
        ORDERS,
        json={"address_id": alice.address_id, "items": [{"sku_id": sku_id, "quantity": 1}]},
        headers={**alice.headers, **headers},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "checkout.idempotency_key_required"
    assert await snapshot(ctx) == before


async def test_not_enough_stock_writes_nothing(client: httpx.AsyncClient, ctx: AppContext) -> None:
    _, [plenty, scarce] = await product(ctx, (5900, 10), (6900, 1))
    alice = await shopper(client)
    before = await snapshot(ctx)

    response = await place(client, alice, [(plenty, 1), (scarce, 2)])

    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["sku_id"], body["requested"], body["available"]) == (
        "inventory.insufficient",
        scarce,
        2,
        1,
    )
    assert await snapshot(ctx) == before


async def test_an_item_off_sale_is_refused(client: httpx.AsyncClient, ctx: AppContext) -> None:
    product_id, [sku_id] = await product(ctx, (5900, 10))
    async with unit_of_work(ctx.sessionmaker) as s:
        await catalog.set_product_status(s, product_id, "off_sale", actor="test")
    alice = await shopper(client)
    before = await snapshot(ctx)

    off_sale = await place(client, alice, [(sku_id, 1)])
    unknown = await place(client, alice, [(sku_id + 1000, 1)])

    assert off_sale.status_code == unknown.status_code == 409
    assert off_sale.json()["code"] == unknown.json()["code"] == "checkout.sku_unavailable"
    assert off_sale.json()["sku_id"] == sku_id
    assert await snapshot(ctx) == before


async def test_an_empty_cart_has_nothing_to_order(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    before = await snapshot(ctx)

    response = await place(client, alice)

    assert response.status_code == 400
    assert response.json()["code"] == "checkout.empty"
    assert await snapshot(ctx) == before


async def test_another_members_address_is_not_found(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx)
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    before = await snapshot(ctx)

    response = await place(client, alice, [(sku_id, 1)], address_id=bob.address_id)

    assert response.status_code == 404
    assert response.json()["code"] == "members.address_not_found"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "body",
    [
        {"items": [{"sku_id": 1, "quantity": 1}]},
        {"address_id": 1, "items": [{"sku_id": 1, "quantity": 0}]},
        {"address_id": 1, "items": [{"sku_id": 1, "quantity": "1"}]},
        {"address_id": 1, "items": [{"sku_id": 1, "quantity": 1000}]},
        {"address_id": 1, "items": []},
        {"address_id": 1, "items": [{"sku_id": 1, "quantity": 1}], "payable_total": 1},
        {"address_id": True},
        {"address_id": 1, "remark": "长" * 201},
    ],
    ids=[
        "no-address",
        "zero",
        "string-quantity",
        "too-many",
        "empty-items",
        "client-amount",
        "bool-id",
        "long-remark",
    ],
)
async def test_malformed_bodies_are_422(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, Any]
) -> None:
    alice = await shopper(client)
    before = await snapshot(ctx)

    response = await client.post(
        ORDERS, json=body, headers={**alice.headers, "Idempotency-Key": new_key()}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


async def test_signing_in_is_required(client: httpx.AsyncClient, ctx: AppContext) -> None:
    before = await snapshot(ctx)

    response = await client.post(
        ORDERS, json={"address_id": 1}, headers={"Idempotency-Key": new_key()}
    )

    assert response.status_code == 401
    assert await snapshot(ctx) == before


async def test_the_order_keeps_its_prices_when_the_catalog_changes(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, [sku_id] = await product(ctx, (5900, 10))
    alice = await shopper(client)
    body = await placed(client, alice, [(sku_id, 1)])

    await set_price(ctx, product_id, {sku_id: 9900})

    again = await get_order(client, alice, body["order_no"])
    assert again["lines"][0]["unit_price"] == 5900
    assert again["payable_total"] == body["payable_total"] == 6700
    async with ctx.sessionmaker() as s:
        [line] = list(await s.scalars(select(OrderLine)))
        events = list(await s.scalars(select(OrderEvent)))
    assert (line.title, line.unit_price, line.payable) == ("纯棉圆领短袖T恤", 5900, 5900)
    assert [(e.from_status, e.to_status) for e in events] == [(None, "pending_payment")]
