"""Points at checkout: the preview says how many the order may use and prices them after
coupons; an order spends them in its transaction; cancellation gives them back once; an order
earns on completion and gives back in proportion on refund. Every refusal is a 4xx with its
code and no order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.loyalty import repository as repo
from shoplet.modules.loyalty import service
from tests.conftest import snapshot
from tests.modules.loyalty.factories import (
    PREVIEW,
    SETTINGS,
    assert_books_balance,
    balance,
    grant,
    kinds,
)
from tests.modules.loyalty.test_points_api import DEFAULT_SETTINGS
from tests.modules.orders.factories import (
    ORDERS,
    Shopper,
    new_key,
    order_row,
    pay,
    product,
    shopper,
)
from tests.modules.orders.test_aftersales import approve, asked, complete_refund, ship
from tests.modules.orders.test_jobs import backdate
from tests.modules.staff.conftest import bearer, token_for


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
    client: httpx.AsyncClient, who: Shopper, items: list[tuple[int, int]], points: Any = None
) -> httpx.Response:
    body: dict[str, Any] = {
        "address_id": who.address_id,
        "items": [{"sku_id": s, "quantity": q} for s, q in items],
    }
    if points is not None:
        body["points"] = points
    return await client.post(
        ORDERS, json=body, headers={**who.headers, "Idempotency-Key": new_key()}
    )


async def test_the_preview_says_what_the_order_may_use_and_prices_it_last(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    await grant(ctx, alice.member_id, 8000)
    _, [shirt] = await product(ctx, (5900, 10))

    plain = (await preview(client, alice, [(shirt, 2)])).json()
    assert plain["points"] == {
        "balance": 8000,
        "usable_max": 5900,
        "usable_value": 5900,
        "used": 0,
        "value": 0,
    }
    assert plain["payable_total"] == 11800

    used = (await preview(client, alice, [(shirt, 2)], points=1500)).json()
    assert used["points"] == {
        "balance": 8000,
        "usable_max": 5900,
        "usable_value": 5900,
        "used": 1500,
        "value": 1500,
    }
    assert (used["discount_total"], used["payable_total"]) == (1500, 10300)
    assert [line["discount"] for line in used["lines"]] == [1500]


async def test_an_order_spends_its_points_and_cancelling_gives_them_back_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    await grant(ctx, alice.member_id, 1000)
    _, [shirt] = await product(ctx, (5900, 10))

    response = await place(client, alice, [(shirt, 2)], points=500)

    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["discount_total"], order["payable_total"]) == (500, 11300)
    assert await balance(ctx, alice.member_id) == 500
    assert (await kinds(ctx, alice.member_id))[-1] == ("spend", "order", -500)

    cancelled = await client.post(f"{ORDERS}/{order['order_no']}/cancel", headers=alice.headers)
    assert cancelled.status_code == 200, cancelled.text
    await drain_outbox(ctx)
    assert await balance(ctx, alice.member_id) == 1000
    assert (await kinds(ctx, alice.member_id))[-1] == ("reverse", "spend_return", 500)

    after = await snapshot(ctx)
    async with unit_of_work(ctx.sessionmaker) as s:  # a redelivered cancellation
        await service.give_back_spent(s, order["order_no"])
    assert await snapshot(ctx) == after
    await assert_books_balance(ctx)


@pytest.mark.parametrize(
    ("points", "status", "code"),
    [
        (-1, 422, "request.invalid"),
        ("100", 422, "request.invalid"),
        (1500, 409, "loyalty.insufficient_points"),
        (600, 409, "loyalty.points_over_cap"),
    ],
)
async def test_points_that_cannot_be_used_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, points: Any, status: int, code: str
) -> None:
    alice = await shopper(client)
    await grant(ctx, alice.member_id, 1000)
    _, [cup] = await product(ctx, (1000, 10), title="马克杯")  # at most ¥5 in points
    before = await snapshot(ctx)
    for response in (
        await preview(client, alice, [(cup, 1)], points=points),
        await place(client, alice, [(cup, 1)], points=points),
    ):
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert await snapshot(ctx) == before


async def test_a_switched_off_programme_takes_no_points(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = bearer(await token_for(client, ctx, "points-owner-op"))
    alice = await shopper(client)
    await grant(ctx, alice.member_id, 1000)
    _, [shirt] = await product(ctx, (5900, 10))
    response = await client.put(
        SETTINGS, json={**DEFAULT_SETTINGS, "enabled": False}, headers=staff
    )
    assert response.status_code == 200
    before = await snapshot(ctx)
    refused = await place(client, alice, [(shirt, 1)], points=100)
    assert (refused.status_code, refused.json()["code"]) == (409, "loyalty.disabled")
    assert await snapshot(ctx) == before
    shown = (await preview(client, alice, [(shirt, 1)])).json()["points"]
    assert shown == {
        "balance": 1000,
        "usable_max": 0,
        "usable_value": 0,
        "used": 0,
        "value": 0,
    }


async def _complete(ctx: AppContext, order_no: str) -> None:
    await ship(ctx, order_no)
    await backdate(ctx, order_no, shipped_at=timedelta(days=10, seconds=1))
    await run_job(ctx, "orders.auto_complete")
    await backdate(ctx, order_no, received_at=timedelta(days=7, seconds=1))
    await run_job(ctx, "orders.auto_complete")
    assert (await order_row(ctx, order_no)).status == "completed"
    await drain_outbox(ctx)


async def test_completion_earns_and_refunds_take_back_in_proportion(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    await grant(ctx, alice.member_id, 1000)
    _, [shirt] = await product(ctx, (5900, 10))
    order_no = (await place(client, alice, [(shirt, 2)], points=500)).json()["order_no"]
    await pay(client, ctx, alice, order_no)
    await drain_outbox(ctx)
    assert await balance(ctx, alice.member_id) == 500  # nothing earned on payment

    await _complete(ctx, order_no)

    assert await balance(ctx, alice.member_id) == 500 + 113  # ¥113 of goods paid
    assert (await kinds(ctx, alice.member_id))[-1] == ("earn", "order", 113)

    half = await asked(client, alice, order_no, kind="refund_only", reason="少发一件", amount=5650)
    await complete_refund(app, ctx, (await approve(ctx, half)).refund_no or "")
    await drain_outbox(ctx)
    assert await balance(ctx, alice.member_id) == 613 - 56
    assert (await kinds(ctx, alice.member_id))[-1] == ("reverse", "refund", -56)

    rest = await asked(client, alice, order_no, kind="refund_only", reason="都不要了", amount=5650)
    await complete_refund(app, ctx, (await approve(ctx, rest)).refund_no or "")
    await drain_outbox(ctx)
    assert (await order_row(ctx, order_no)).status == "refunded"
    # Half again, then the full refund takes what is left of the 113 (the two handlers may run
    # in either order: 56 + 1, or 57 at once) and the 500 spent come back.
    entries = await kinds(ctx, alice.member_id)
    assert sum(p for k, why, p in entries if (k, why) == ("reverse", "refund")) == -113
    assert entries[-1] == ("reverse", "spend_return", 500)
    assert await balance(ctx, alice.member_id) == 1000
    await assert_books_balance(ctx)


async def test_a_reversal_never_takes_the_balance_below_zero(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    _, [shirt] = await product(ctx, (5900, 10))
    order_no = (await place(client, alice, [(shirt, 2)])).json()["order_no"]
    await pay(client, ctx, alice, order_no)
    await _complete(ctx, order_no)
    assert await balance(ctx, alice.member_id) == 118
    spend = await place(client, alice, [(shirt, 1)], points=100)
    assert spend.status_code == 201, spend.text

    async with unit_of_work(ctx.sessionmaker) as s:  # the whole order refunded
        await service.reverse_for_refund(
            s, order_no=order_no, refund_ref=f"refund:{order_no}", amount=None
        )

    assert await balance(ctx, alice.member_id) == 0
    async with ctx.sessionmaker() as s:
        entry = await repo.get_entry(s, "reverse", f"refund:{order_no}")
    assert entry is not None
    assert (entry.points, entry.shortfall) == (-18, 100)
    await assert_books_balance(ctx)
