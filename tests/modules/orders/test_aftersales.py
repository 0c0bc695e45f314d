"""After-sales: refunds and returns, their limits, and what they do to money and stock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.orders import public as orders
from shoplet.modules.orders.models import Order
from shoplet.modules.payments import public as payments
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
    simulator,
)


async def ask(
    client: httpx.AsyncClient, who: Shopper, order_no: str, **body: Any
) -> httpx.Response:
    return await client.post(f"{ORDERS}/{order_no}/aftersales", json=body, headers=who.headers)


async def asked(client: httpx.AsyncClient, who: Shopper, order_no: str, **body: Any) -> str:
    response = await ask(client, who, order_no, **body)
    assert response.status_code == 201, response.text
    aftersale_no: str = response.json()["aftersale_no"]
    return aftersale_no


async def ship(ctx: AppContext, order_no: str) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await orders.ship_order(
            s, order_no=order_no, carrier="顺丰速运", tracking_no="SF1234567890", actor="olivia"
        )


async def approve(ctx: AppContext, aftersale_no: str) -> orders.AfterSale:
    async with unit_of_work(ctx.sessionmaker) as s:
        return await orders.approve_aftersale(s, aftersale_no=aftersale_no, actor="olivia")


async def complete_refund(app: FastAPI, ctx: AppContext, refund_no: str) -> None:
    await payments.settle(ctx)  # the refund reaches WeChat (PROCESSING)
    await simulator(app).complete_refund(refund_no)
    await payments.settle(ctx)


async def paid_order(
    client: httpx.AsyncClient, ctx: AppContext, who: Shopper, items: list[tuple[int, int]]
) -> str:
    order_no: str = (await placed(client, who, items))["order_no"]
    await pay(client, ctx, who, order_no)
    return order_no


async def test_a_full_refund_before_shipping_refunds_the_order_and_restocks(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = await paid_order(client, ctx, alice, [(sku_id, 2)])

    response = await ask(client, alice, order_no, kind="refund_only", reason="拍错了", amount=11800)

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "aftersale_no": body["aftersale_no"],
        "order_no": order_no,
        "member_id": alice.member_id,
        "kind": "refund_only",
        "reason": "拍错了",
        "amount": 11800,
        "items": [],
        "status": "requested",
        "reject_reason": None,
        "return_carrier": None,
        "return_tracking_no": None,
        "refund_no": None,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert body["aftersale_no"].startswith("AS")

    approved = await approve(ctx, body["aftersale_no"])
    assert approved.status == "refunding"
    assert approved.refund_no is not None
    await complete_refund(app, ctx, approved.refund_no)

    row = await order_row(ctx, order_no)
    assert (row.status, row.refunded_total) == ("refunded", 11800)
    assert await level(ctx, sku_id) == (10, 0)  # sold, never sent, back on the shelf
    detail = await get_order(client, alice, order_no)
    assert detail["aftersales"][0]["status"] == "refunded"
    assert [(t["aftersale_no"], t["from_status"], t["to_status"]) for t in detail["timeline"]] == [
        (None, None, "pending_payment"),
        (None, "pending_payment", "paid"),
        (body["aftersale_no"], None, "requested"),
        (body["aftersale_no"], "requested", "approved"),
        (body["aftersale_no"], "approved", "refunding"),
        (body["aftersale_no"], "refunding", "refunded"),
        (None, "paid", "refunded"),
    ]
    await assert_ledger_balanced(ctx)


async def test_a_partial_refund_keeps_the_order_going(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = await paid_order(client, ctx, alice, [(sku_id, 2)])
    aftersale_no = await asked(
        client, alice, order_no, kind="refund_only", reason="少了赠品", amount=1000
    )

    approved = await approve(ctx, aftersale_no)
    assert approved.refund_no is not None
    await complete_refund(app, ctx, approved.refund_no)

    row = await order_row(ctx, order_no)
    assert (row.status, row.refunded_total) == ("paid", 1000)
    assert await level(ctx, sku_id) == (8, 0)
    left = await ask(client, alice, order_no, kind="refund_only", reason="再退", amount=10801)
    assert (left.status_code, left.json()["code"], left.json()["available"]) == (
        409,
        "orders.aftersale_amount_exceeded",
        10800,
    )


async def test_a_return_goes_back_to_stock_when_received(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, [small, medium] = await product(ctx, (5900, 10), (6900, 10))
    alice = await shopper(client)
    order_no = await paid_order(client, ctx, alice, [(small, 2), (medium, 1)])
    await ship(ctx, order_no)
    await client.post(f"{ORDERS}/{order_no}/confirm-receipt", headers=alice.headers)
    aftersale_no = await asked(
        client,
        alice,
        order_no,
        kind="return_refund",
        reason="尺码不合适",
        amount=5900,
        items=[{"sku_id": small, "quantity": 1}],
    )

    approved = await approve(ctx, aftersale_no)
    assert approved.status == "awaiting_return"
    response = await client.post(
        f"{ORDERS}/{order_no}/aftersales/{aftersale_no}/return",
        json={"carrier": "中通快递", "tracking_no": "ZT1234567"},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["return_tracking_no"]) == (
        "returned",
        "ZT1234567",
    )
    async with unit_of_work(ctx.sessionmaker) as s:
        received = await orders.confirm_return_received(
            s, aftersale_no=aftersale_no, actor="olivia"
        )
    assert received.status == "refunding"
    assert await level(ctx, small) == (9, 0)  # 10 - 2 sold + 1 back
    assert received.refund_no is not None
    await complete_refund(app, ctx, received.refund_no)

    row = await order_row(ctx, order_no)
    assert (row.status, row.refunded_total) == ("received", 5900)
    await assert_ledger_balanced(ctx)
    # The returned unit cannot be returned again; the other one can.
    again = await ask(
        client,
        alice,
        order_no,
        kind="return_refund",
        reason="也退",
        amount=100,
        items=[{"sku_id": small, "quantity": 2}],
    )
    assert (again.status_code, again.json()["code"]) == (400, "orders.invalid_aftersale_items")


async def test_rejected_and_withdrawn_requests_free_their_amount(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = await paid_order(client, ctx, alice, [(sku_id, 1)])
    first = await asked(client, alice, order_no, kind="refund_only", reason="a", amount=6700)
    blocked = await ask(client, alice, order_no, kind="refund_only", reason="b", amount=1)
    assert (blocked.status_code, blocked.json()["available"]) == (409, 0)

    async with unit_of_work(ctx.sessionmaker) as s:
        rejected = await orders.reject_aftersale(
            s, aftersale_no=first, reason="商品已发出", actor="olivia"
        )
    second = await asked(client, alice, order_no, kind="refund_only", reason="c", amount=6700)
    withdrawn = await client.post(
        f"{ORDERS}/{order_no}/aftersales/{second}/cancel", headers=alice.headers
    )

    assert (rejected.status, rejected.reject_reason) == ("rejected", "商品已发出")
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "cancelled")
    await asked(client, alice, order_no, kind="refund_only", reason="d", amount=6700)


async def test_after_sales_need_a_paid_order_within_the_window(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    unpaid = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    unshipped = await paid_order(client, ctx, alice, [(sku_id, 1)])
    old = await paid_order(client, ctx, alice, [(sku_id, 1)])
    await ship(ctx, old)
    await client.post(f"{ORDERS}/{old}/confirm-receipt", headers=alice.headers)
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Order)
            .where(Order.order_no == old)
            .values(received_at=utcnow() - timedelta(days=15, seconds=1))
        )
    before = await snapshot(ctx)

    responses = [
        await ask(client, alice, unpaid, kind="refund_only", reason="x", amount=1),
        await ask(client, alice, unshipped, kind="return_refund", reason="x", amount=1),
        await ask(client, alice, old, kind="refund_only", reason="x", amount=1),
        await ask(client, alice, unshipped, kind="refund_only", reason="x", amount=6701),
        await ask(
            client,
            alice,
            unshipped,
            kind="refund_only",
            reason="x",
            amount=1,
            items=[{"sku_id": sku_id, "quantity": 1}],
        ),
    ]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [
        (409, "orders.aftersale_not_allowed"),
        (409, "orders.aftersale_not_allowed"),
        (409, "orders.aftersale_not_allowed"),
        (409, "orders.aftersale_amount_exceeded"),
        (400, "orders.invalid_aftersale_items"),
    ]
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "exchange", "reason": "x", "amount": 1},
        {"kind": "refund_only", "reason": "", "amount": 1},
        {"kind": "refund_only", "reason": "x", "amount": 0},
        {"kind": "refund_only", "reason": "x", "amount": "1"},
        {"kind": "refund_only", "reason": "x" * 201, "amount": 1},
    ],
    ids=["kind", "empty-reason", "zero", "string-amount", "long-reason"],
)
async def test_malformed_after_sale_requests(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, Any]
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    before = await snapshot(ctx)

    response = await ask(client, alice, order_no, **body)

    assert (response.status_code, response.json()["code"]) == (422, "request.invalid")
    assert await snapshot(ctx) == before


async def test_staff_actions_out_of_order_are_illegal_transitions(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = await paid_order(client, ctx, alice, [(sku_id, 1)])
    refund_only = await asked(client, alice, order_no, kind="refund_only", reason="x", amount=100)
    await approve(ctx, refund_only)
    before = await snapshot(ctx)

    async with ctx.sessionmaker() as s:
        with pytest.raises(orders.IllegalTransition) as twice:
            await orders.approve_aftersale(s, aftersale_no=refund_only, actor="olivia")
        with pytest.raises(orders.IllegalTransition):
            await orders.reject_aftersale(s, aftersale_no=refund_only, reason="x", actor="olivia")
        with pytest.raises(orders.IllegalTransition):
            await orders.confirm_return_received(s, aftersale_no=refund_only, actor="olivia")
        with pytest.raises(orders.AfterSaleNotFound):
            await orders.approve_aftersale(s, aftersale_no="AS000", actor="olivia")
        await s.rollback()

    assert twice.value.extra == {"from_status": "refunding", "to_status": "approved"}
    assert await snapshot(ctx) == before
    response = await client.post(
        f"{ORDERS}/{order_no}/aftersales/{refund_only}/cancel", headers=alice.headers
    )
    assert (response.status_code, response.json()["code"]) == (409, "orders.illegal_transition")
    assert await snapshot(ctx) == before


async def test_concurrent_requests_never_claim_more_than_was_paid(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = await paid_order(client, ctx, alice, [(sku_id, 2)])  # 11800 paid

    responses = await asyncio.gather(
        *(
            ask(client, alice, order_no, kind="refund_only", reason=f"r{i}", amount=3000)
            for i in range(12)
        )
    )

    outcomes = sorted((r.status_code, r.json().get("code")) for r in responses)
    assert outcomes == [(201, None)] * 3 + [(409, "orders.aftersale_amount_exceeded")] * 9
    row = await order_row(ctx, order_no)
    assert (row.aftersale_claimed_total, row.refunded_total) == (9000, 0)
    detail = await get_order(client, alice, order_no)
    assert sum(a["amount"] for a in detail["aftersales"]) == 9000

    # Closing a request releases its claim; refunding moves it from claimed to refunded.
    first, second, third = (a["aftersale_no"] for a in detail["aftersales"])
    await client.post(f"{ORDERS}/{order_no}/aftersales/{first}/cancel", headers=alice.headers)
    approved = await approve(ctx, second)
    assert approved.refund_no is not None
    await complete_refund(app, ctx, approved.refund_no)
    row = await order_row(ctx, order_no)
    assert (row.aftersale_claimed_total, row.refunded_total) == (3000, 3000)
    left = await ask(client, alice, order_no, kind="refund_only", reason="x", amount=5801)
    assert (left.status_code, left.json()["available"]) == (409, 5800)
    assert third
