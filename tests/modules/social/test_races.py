"""Group-buy races on PostgreSQL (SQLite serialises writers): fifty shoppers whose money
arrives at once for a group's last seat (exactly one takes it and completes the group, the
other 49 are refunded), and a group reaching its deadline while a member's money arrives (one
consistent outcome either way: the group fails and every payer is refunded once).

Each payment is applied as the worker would: orders' ``payment.succeeded`` handler in one
transaction, then the group's ``order.paid`` handler in another, fifty of them at once on
their own connections."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import OutboxEvent, drain_outbox
from shoplet.modules.orders import service as orders_service
from shoplet.modules.payments import public as payments
from shoplet.modules.social import expiry as social_expiry
from shoplet.modules.social import service as social_service
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import make_buyers
from tests.modules.orders.factories import (
    Shopper,
    level,
    one_sku,
    order_row,
    pay,
    shopper,
    simulator,
    start_payment,
)
from tests.modules.social.factories import (
    complete_refunds,
    group_row,
    join_group,
    make_campaign,
    ok,
    open_group,
    past_deadline,
    refunds,
    seat_statuses,
)
from tests.races import pooled_context, released_together

RACERS = 50


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def _money_sent(app: FastAPI, client: httpx.AsyncClient, who: Shopper, order_no: str) -> None:
    """The shopper pays in WeChat; the notify is recorded, its events not yet handled."""
    started = await start_payment(client, who, order_no, "wechat_h5")
    await simulator(app).pay(started["prepay_id"])


async def _payments_waiting(ctx: AppContext, order_nos: set[str]) -> list[dict[str, Any]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(OutboxEvent).where(
                OutboxEvent.type == payments.PAYMENT_SUCCEEDED,
                OutboxEvent.published_at.is_(None),
            )
        )
        found = [dict(r.payload) for r in rows if r.payload["order_no"] in order_nos]
    assert len(found) == len(order_nos)
    return found


async def _apply(ctx: AppContext, payload: dict[str, Any]) -> None:
    """One worker applying one payment: orders, then the group, each its own transaction."""
    async with unit_of_work(ctx.sessionmaker) as s:
        await orders_service.handle_payment_succeeded(s, payload)
    async with unit_of_work(ctx.sessionmaker) as s:
        await social_service.handle_order_paid(
            s, {"order_no": payload["order_no"], "source": social_service.SOURCE}
        )


async def _group_with_one_seat_left(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], sku_id: int, size: int
) -> tuple[str, list[str]]:
    campaign = await make_campaign(client, staff, sku_id, group_size=size)
    paid = []
    leader = await shopper(client, "leader")
    opened = ok(await open_group(client, leader, campaign["id"]))
    await pay(client, ctx, leader, opened["order_no"])
    await drain_outbox(ctx)
    paid.append(opened["order_no"])
    for i in range(size - 2):
        who = await shopper(client, f"early{i}")
        seat = ok(await join_group(client, who, opened["share_id"]))
        await pay(client, ctx, who, seat["order_no"])
        await drain_outbox(ctx)
        paid.append(seat["order_no"])
    return opened["share_id"], paid


async def test_fifty_payments_for_the_last_seat_complete_the_group_once(
    app: FastAPI,
    backend_db: BackendDb,
    ctx: AppContext,
    client: httpx.AsyncClient,
    staff: dict[str, str],
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=100)
    share, early = await _group_with_one_seat_left(client, ctx, staff, sku_id, size=3)
    racers = await make_buyers(ctx, RACERS)
    seats = [ok(await join_group(client, who, share)) for who in racers]
    for who, seat in zip(racers, seats, strict=True):
        await _money_sent(app, client, who, seat["order_no"])
    waiting = await _payments_waiting(ctx, {s["order_no"] for s in seats})

    async with pooled_context(backend_db, ctx, 25) as racing:
        await released_together(racing, [functools.partial(_apply, payload=p) for p in waiting])
    await drain_outbox(ctx)  # the same events delivered again change nothing
    racer_orders = [s["order_no"] for s in seats]
    await complete_refunds(app, ctx, racer_orders)

    group = await group_row(ctx, share)
    assert (group.status, group.filled) == ("succeeded", 3)
    statuses = await seat_statuses(ctx, share)
    assert Counter(statuses[o] for o in racer_orders) == {"succeeded": 1, "refunded": RACERS - 1}
    assert {statuses[o] for o in early} == {"succeeded"}
    for order_no in racer_orders:
        found = await refunds(ctx, order_no)
        if statuses[order_no] == "succeeded":
            assert found == []
            row = await order_row(ctx, order_no)
            assert (row.status, row.ship_hold) == ("paid", None)
        else:
            assert [(r.amount, r.status) for r in found] == [(3900, "succeeded")]
            row = await order_row(ctx, order_no)
            assert (row.status, row.refunded_total) == ("cancelled", 3900)
    assert await level(ctx, sku_id) == (97, 0)  # three sold, every refunded unit back


async def test_a_deadline_and_a_payment_at_once_agree_on_one_outcome(
    app: FastAPI,
    backend_db: BackendDb,
    ctx: AppContext,
    client: httpx.AsyncClient,
    staff: dict[str, str],
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    share, [leader_order] = await _group_with_one_seat_left(client, ctx, staff, sku_id, size=2)
    bob = await shopper(client, "bob")
    seat = ok(await join_group(client, bob, share))
    await _money_sent(app, client, bob, seat["order_no"])
    [waiting] = await _payments_waiting(ctx, {seat["order_no"]})
    await past_deadline(ctx, share)

    async with pooled_context(backend_db, ctx, 4) as racing:
        await asyncio.gather(social_expiry.expire_groups(racing), _apply(racing, waiting))
    await drain_outbox(ctx)
    await complete_refunds(app, ctx, [leader_order, seat["order_no"]])

    assert (await group_row(ctx, share)).status == "failed"
    for order_no in (leader_order, seat["order_no"]):
        assert [(r.amount, r.status) for r in await refunds(ctx, order_no)] == [(3900, "succeeded")]
        row = await order_row(ctx, order_no)
        assert (row.status, row.refunded_total) == ("cancelled", 3900)
    assert await level(ctx, sku_id) == (10, 0)
