"""Shopper order routes: list, detail, cancel, confirm receipt; another member's order is 404."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import OutboxEvent
from shoplet.modules.orders import public as orders
from shoplet.modules.payments.models import Payment
from tests.conftest import snapshot
from tests.modules.orders.factories import (
    ORDERS,
    Shopper,
    assert_ledger_balanced,
    get_order,
    level,
    order_row,
    pay,
    placed,
    product,
    shopper,
    start_payment,
)


async def ship(ctx: AppContext, order_no: str) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await orders.ship_order(
            s, order_no=order_no, carrier="顺丰速运", tracking_no="SF1234567890", actor="olivia"
        )


async def list_orders(
    client: httpx.AsyncClient, who: Shopper, **params: str | int
) -> dict[str, object]:
    response = await client.get(ORDERS, params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    body: dict[str, object] = response.json()
    return body


def order_nos(page: dict[str, object]) -> list[str]:
    items = page["items"]
    assert isinstance(items, list)
    return [item["order_no"] for item in items]


async def test_orders_are_listed_newest_first_by_cursor(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    made = [(await placed(client, alice, [(sku_id, 1)]))["order_no"] for _ in range(3)]
    await placed(client, bob, [(sku_id, 1)])

    first = await list_orders(client, alice, limit=2)
    second = await list_orders(client, alice, limit=2, cursor=str(first["next_cursor"]))

    assert order_nos(first) == [made[2], made[1]]
    assert order_nos(second) == [made[0]]
    assert second["next_cursor"] is None
    items = first["items"]
    assert isinstance(items, list)
    assert items[0] == {
        "order_no": made[2],
        "status": "pending_payment",
        "source": "buy_now",
        "is_virtual": False,
        "items_total": 5900,
        "shipping_fee": 800,
        "discount_total": 0,
        "payable_total": 6700,
        "refunded_total": 0,
        "item_count": 1,
        "lines": [
            {
                "sku_id": sku_id,
                "product_id": items[0]["lines"][0]["product_id"],
                "title": "纯棉圆领短袖T恤",
                "spec_text": "尺码:S",
                "image": "/media/products/0123456789abcdef0123.jpg",
                "unit_price": 5900,
                "quantity": 1,
                "line_total": 5900,
                "discount": 0,
                "payable": 5900,
            }
        ],
        "created_at": items[0]["created_at"],
        "expires_at": items[0]["expires_at"],
    }


async def test_orders_are_filtered_by_status_and_after_sale(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    unpaid = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    paid = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    await pay(client, ctx, alice, paid)
    refunding = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    await pay(client, ctx, alice, refunding)
    response = await client.post(
        f"{ORDERS}/{refunding}/aftersales",
        json={"kind": "refund_only", "reason": "不想要了", "amount": 100},
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text

    assert order_nos(await list_orders(client, alice, status="pending_payment")) == [unpaid]
    assert order_nos(await list_orders(client, alice, status="paid")) == [refunding, paid]
    assert order_nos(await list_orders(client, alice, status="after_sale")) == [refunding]
    assert order_nos(await list_orders(client, alice, status="shipped")) == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"status": "lost"}, "request.invalid"),
        ({"limit": 0}, "request.invalid"),
        ({"limit": 51}, "request.invalid"),
        ({"cursor": "not-a-cursor"}, "pagination.invalid_cursor"),
    ],
)
async def test_bad_list_parameters(
    client: httpx.AsyncClient, ctx: AppContext, params: dict[str, str | int], code: str
) -> None:
    alice = await shopper(client)

    response = await client.get(ORDERS, params=params, headers=alice.headers)

    assert response.json()["code"] == code
    assert response.status_code == (400 if code.startswith("pagination") else 422)


async def test_another_members_order_is_not_found(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    order_no = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    before = await snapshot(ctx)

    responses = [
        await client.get(f"{ORDERS}/{order_no}", headers=bob.headers),
        await client.post(f"{ORDERS}/{order_no}/cancel", headers=bob.headers),
        await client.post(f"{ORDERS}/{order_no}/confirm-receipt", headers=bob.headers),
        await client.post(
            f"{ORDERS}/{order_no}/aftersales",
            json={"kind": "refund_only", "reason": "x", "amount": 1},
            headers=bob.headers,
        ),
        await client.get(f"{ORDERS}/99999999", headers=alice.headers),
    ]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(404, "orders.not_found")] * 5
    assert await snapshot(ctx) == before
    assert order_nos(await list_orders(client, bob)) == []


async def test_cancelling_an_unpaid_order_gives_its_stock_back(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = (await placed(client, alice, [(sku_id, 4)]))["order_no"]
    started = await start_payment(client, alice, order_no)

    response = await client.post(
        f"{ORDERS}/{order_no}/cancel", json={"reason": "地址填错了"}, headers=alice.headers
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "地址填错了")
    assert body["cancelled_at"] is not None
    assert [(t["from_status"], t["to_status"], t["actor"]) for t in body["timeline"]] == [
        (None, "pending_payment", f"member:{alice.member_id}"),
        ("pending_payment", "cancelled", f"member:{alice.member_id}"),
    ]
    assert await level(ctx, sku_id) == (10, 0)
    async with ctx.sessionmaker() as s:
        payment = await s.scalar(select(Payment).where(Payment.payment_no == started["payment_no"]))
        [event] = list(
            await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "order.cancelled"))
        )
    assert payment is not None
    assert payment.status == "closed"
    assert event.payload["lines"] == [{"sku_id": sku_id, "quantity": 4}]
    assert (event.payload["source"], event.payload["stock_source_ref"]) == ("buy_now", None)
    await assert_ledger_balanced(ctx)


async def test_cancel_twice_or_after_payment_is_an_illegal_transition(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    cancelled = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    await client.post(f"{ORDERS}/{cancelled}/cancel", headers=alice.headers)
    paid = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    await pay(client, ctx, alice, paid)
    before = await snapshot(ctx)

    again = await client.post(f"{ORDERS}/{cancelled}/cancel", headers=alice.headers)
    too_late = await client.post(f"{ORDERS}/{paid}/cancel", headers=alice.headers)

    assert again.status_code == too_late.status_code == 409
    assert (again.json()["code"], again.json()["from_status"], again.json()["to_status"]) == (
        "orders.illegal_transition",
        "cancelled",
        "cancelled",
    )
    assert (too_late.json()["from_status"], too_late.json()["to_status"]) == ("paid", "cancelled")
    assert await snapshot(ctx) == before


async def test_receipt_is_confirmed_on_shipped_orders_only(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    await pay(client, ctx, alice, order_no)
    before = await snapshot(ctx)

    early = await client.post(f"{ORDERS}/{order_no}/confirm-receipt", headers=alice.headers)

    assert early.status_code == 409
    assert (early.json()["code"], early.json()["from_status"]) == (
        "orders.illegal_transition",
        "paid",
    )
    assert await snapshot(ctx) == before

    await ship(ctx, order_no)
    response = await client.post(f"{ORDERS}/{order_no}/confirm-receipt", headers=alice.headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["carrier"], body["tracking_no"]) == (
        "received",
        "顺丰速运",
        "SF1234567890",
    )
    assert [(t["to_status"], t["actor"], t["actor_name"]) for t in body["timeline"]] == [
        ("pending_payment", f"member:{alice.member_id}", "买家"),
        ("paid", "wechatpay", "微信支付"),
        ("shipped", "staff:olivia", "商家"),
        ("received", f"member:{alice.member_id}", "买家"),
    ]
    assert (await order_row(ctx, order_no)).received_at is not None


async def test_the_detail_shows_the_shoppers_own_address_in_clear(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = (await placed(client, alice, [(sku_id, 1)]))["order_no"]

    body = await get_order(client, alice, order_no)

    assert body["address"]["recipient"] == "张三丰"
    assert body["address"]["phone"] == "13912345678"
    assert body["address"]["is_masked"] is False
