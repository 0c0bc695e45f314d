"""Crowdfunding and group-buy races on PostgreSQL (SQLite serialises writers): forty shoppers
pledging the last units (exactly as many pledges as units), the settle job run by four workers
at once (one outcome, each paid pledge refunded exactly once through the WeChat Pay simulator),
a budget claimed by twenty payments at once (exactly what it pays for is claimed, the campaign
stops itself, every paid order still completes), and one shopper opening and joining ten groups
at once under a limit of two (exactly two seats)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.errors import ShopletError
from shoplet.core.events import OutboxEvent, drain_outbox
from shoplet.modules.orders import service as orders_service
from shoplet.modules.payments import public as payments
from shoplet.modules.social import service as social_service
from shoplet.modules.social.crowdfunding import events as cf_events
from shoplet.modules.social.crowdfunding import service as cf_service
from shoplet.modules.social.crowdfunding.models import Pledge
from shoplet.modules.social.models import GroupMember, Quota
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
from tests.modules.social.crowdfunding_factories import (
    campaign_row,
    make_crowdfunding,
    past_deadline,
    pledge,
    pledge_statuses,
)
from tests.modules.social.factories import (
    complete_refunds,
    make_campaign,
    ok,
    open_group,
    refunds,
)
from tests.races import pooled_context

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def _at_once(calls: list[Callable[[], Awaitable[T]]]) -> list[T | BaseException]:
    start = asyncio.Event()

    async def one(call: Callable[[], Awaitable[T]]) -> T:
        await start.wait()
        return await call()

    tasks = [asyncio.create_task(one(c)) for c in calls]
    start.set()
    return list(await asyncio.gather(*tasks, return_exceptions=True))


def _codes(results: list[Any]) -> Counter[str]:
    return Counter(r.code if isinstance(r, ShopletError) else type(r).__name__ for r in results)


async def _money_sent(app: FastAPI, client: httpx.AsyncClient, who: Shopper, order_no: str) -> None:
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
    """One worker applying one payment: orders, then crowdfunding, each its own transaction."""
    async with unit_of_work(ctx.sessionmaker) as s:
        await orders_service.handle_payment_succeeded(s, payload)
    async with unit_of_work(ctx.sessionmaker) as s:
        await cf_service.handle_order_paid(
            s, {"order_no": payload["order_no"], "source": cf_service.SOURCE}
        )


async def test_forty_shoppers_pledging_the_last_units(
    app: FastAPI,
    backend_db: BackendDb,
    ctx: AppContext,
    client: httpx.AsyncClient,
    staff: dict[str, str],
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=100)
    campaign = await make_crowdfunding(
        client, staff, sku_id, target_quantity=5, max_quantity=12, per_member_limit=1
    )
    early = await shopper(client, "early")
    ok(await pledge(client, early, campaign["id"]))
    ok(await pledge(client, await shopper(client, "early2"), campaign["id"]))
    racers = await make_buyers(ctx, 40)

    async def one(who: Shopper) -> str:
        async with unit_of_work(pooled.sessionmaker) as s:
            view = await cf_service.pledge(
                s,
                pooled,
                member_id=who.member_id,
                campaign_id=campaign["id"],
                address_id=who.address_id,
                quantity=1,
            )
        return view.order_no

    async with pooled_context(backend_db, ctx, 20) as pooled:
        results = await _at_once([lambda w=w: one(w) for w in racers])  # type: ignore[misc]
    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 10  # the last ten units, no more
    assert _codes([r for r in results if not isinstance(r, str)]) == {
        "social.crowdfunding_sold_out": 30
    }
    row = await campaign_row(ctx, campaign["id"])
    assert (row.claimed_units, row.pledged_units) == (12, 0)
    assert len(await pledge_statuses(ctx, campaign["id"])) == 12
    assert await level(ctx, sku_id) == (100, 12)


async def test_four_workers_settle_a_failed_campaign_once(
    app: FastAPI,
    backend_db: BackendDb,
    ctx: AppContext,
    client: httpx.AsyncClient,
    staff: dict[str, str],
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=100)
    campaign = await make_crowdfunding(client, staff, sku_id, target_quantity=50)
    backers = await make_buyers(ctx, 12)
    paid = []
    for who in backers:
        seat = ok(await pledge(client, who, campaign["id"]))
        await _money_sent(app, client, who, seat["order_no"])  # H5: no openid needed
        paid.append(seat["order_no"])
    await drain_outbox(ctx)
    assert (await campaign_row(ctx, campaign["id"])).pledged_units == 12
    await past_deadline(ctx, campaign["id"])

    async with pooled_context(backend_db, ctx, 8) as pooled:
        outcomes = await _at_once([lambda: cf_service.settle_campaigns(pooled)] * 4)
    assert sorted(outcomes) == [0, 0, 0, 1]  # type: ignore[type-var]
    await drain_outbox(ctx)
    await complete_refunds(app, ctx, paid)

    assert (await campaign_row(ctx, campaign["id"])).status == "failed"
    async with ctx.sessionmaker() as s:
        events = await s.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.type == cf_events.CROWDFUNDING_FAILED)
        )
    assert events == 1
    # Each paid pledge: exactly one refund call to WeChat, its notify applied.
    # (out_trade_no is the payment's number: one per paid pledge)
    calls = Counter(r.out_trade_no for r in simulator(app).refunds.values())
    assert sorted(calls.values()) == [1] * len(paid)
    for order_no in paid:
        assert [(r.amount, r.status) for r in await refunds(ctx, order_no)] == [(4900, "succeeded")]
        row = await order_row(ctx, order_no)
        assert (row.status, row.refunded_total) == ("cancelled", 4900)
    assert set((await pledge_statuses(ctx, campaign["id"])).values()) == {"refunded"}
    assert await level(ctx, sku_id) == (100, 0)


async def test_twenty_payments_claim_the_budget_atomically(
    app: FastAPI,
    backend_db: BackendDb,
    ctx: AppContext,
    client: httpx.AsyncClient,
    staff: dict[str, str],
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=100)
    # 1000 fen of subsidy per pledge: the budget pays for seven.
    campaign = await make_crowdfunding(
        client, staff, sku_id, target_quantity=5, per_member_limit=1, budget=7500
    )
    backers = await make_buyers(ctx, 20)
    pledges = [ok(await pledge(client, who, campaign["id"])) for who in backers]
    for who, p in zip(backers, pledges, strict=True):
        await _money_sent(app, client, who, p["order_no"])
    waiting = await _payments_waiting(ctx, {p["order_no"] for p in pledges})

    async with pooled_context(backend_db, ctx, 20) as pooled:
        results = await _at_once([lambda p=p: _apply(pooled, p) for p in waiting])  # type: ignore[misc]
    assert [r for r in results if r is not None] == []
    await drain_outbox(ctx)

    row = await campaign_row(ctx, campaign["id"])
    assert (row.status, row.stopped_reason) == ("stopped", "budget")
    assert (row.subsidy_spent, row.subsidy_over) == (7000, 13000)
    assert (row.pledged_units, row.backers) == (20, 20)  # every paid pledge still counts
    async with ctx.sessionmaker() as s:
        states = Counter(
            await s.scalars(
                select(Pledge.subsidy_state).where(Pledge.campaign_id == campaign["id"])
            )
        )
    assert states == {"claimed": 7, "over": 13}


async def test_one_shopper_opening_and_joining_ten_groups_at_once_gets_two(
    app: FastAPI,
    backend_db: BackendDb,
    ctx: AppContext,
    client: httpx.AsyncClient,
    staff: dict[str, str],
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=100)
    campaign = await make_campaign(client, staff, sku_id, per_member_limit=2)
    shares = []
    for i in range(5):
        leader = await shopper(client, f"leader{i}")
        opened = ok(await open_group(client, leader, campaign["id"]))
        await pay(client, ctx, leader, opened["order_no"])
        shares.append(opened["share_id"])
    await drain_outbox(ctx)
    bob = await shopper(client, "bob")

    async def opens() -> str:
        async with unit_of_work(pooled.sessionmaker) as s:
            seat = await social_service.open_group(
                s,
                pooled,
                member_id=bob.member_id,
                campaign_id=campaign["id"],
                address_id=bob.address_id,
            )
        return seat.order_no

    async def joins(share: str) -> str:
        async with unit_of_work(pooled.sessionmaker) as s:
            seat = await social_service.join_group(
                s, pooled, member_id=bob.member_id, share_id=share, address_id=bob.address_id
            )
        return seat.order_no

    calls: list[Callable[[], Awaitable[str]]] = [opens] * 5
    calls += [lambda sh=sh: joins(sh) for sh in shares]  # type: ignore[misc]
    async with pooled_context(backend_db, ctx, 10) as pooled:
        results = await _at_once(calls)
    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 2
    assert _codes([r for r in results if not isinstance(r, str)]) == {"social.limit_reached": 8}
    async with ctx.sessionmaker() as s:
        seats = await s.scalar(
            select(func.count())
            .select_from(GroupMember)
            .where(GroupMember.member_id == bob.member_id)
        )
        used = await s.scalar(select(Quota.used).where(Quota.member_id == bob.member_id))
    assert (seats, used) == (2, 2)
