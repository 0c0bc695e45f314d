"""Scheduled jobs: unpaid orders time out (stock released exactly once), shipped orders are
received and received orders complete by themselves."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import OutboxEvent
from shoplet.core.jobs import run_job
from shoplet.modules.inventory.models import LedgerEntryRow
from shoplet.modules.orders import public as orders
from shoplet.modules.orders.models import Order
from tests.conftest import snapshot
from tests.modules.orders.factories import (
    assert_ledger_balanced,
    level,
    order_row,
    pay,
    placed,
    product,
    shopper,
)


async def backdate(ctx: AppContext, order_no: str, **columns: timedelta) -> None:
    """Move the order's timestamps ``columns`` into the past by the given amounts."""
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Order)
            .where(Order.order_no == order_no)
            .values(**{name: now - ago for name, ago in columns.items()})
        )


async def count_events(ctx: AppContext, type: str) -> int:
    async with ctx.sessionmaker() as s:
        n = await s.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == type)
        )
    return int(n or 0)


async def test_unpaid_orders_time_out_and_release_their_stock_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    late = (await placed(client, alice, [(sku_id, 3)]))["order_no"]
    fresh = (await placed(client, alice, [(sku_id, 2)]))["order_no"]
    await backdate(ctx, late, expires_at=timedelta(seconds=1))

    await run_job(ctx, "orders.cancel_expired")
    after_first = await snapshot(ctx)
    await run_job(ctx, "orders.cancel_expired")

    assert await snapshot(ctx) == after_first
    row = await order_row(ctx, late)
    assert (row.status, row.cancel_reason) == ("cancelled", "超时未支付")
    assert (await order_row(ctx, fresh)).status == "pending_payment"
    assert await level(ctx, sku_id) == (10, 2)
    async with ctx.sessionmaker() as s:
        releases = list(
            await s.scalars(
                select(LedgerEntryRow).where(
                    LedgerEntryRow.kind == "release", LedgerEntryRow.ref == late
                )
            )
        )
    assert [(r.delta_reserved, r.reason) for r in releases] == [(-3, "超时未支付")]
    assert await count_events(ctx, "order.cancelled") == 1
    await assert_ledger_balanced(ctx)


async def test_a_paid_order_is_not_timed_out(client: httpx.AsyncClient, ctx: AppContext) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    await pay(client, ctx, alice, order_no)
    await backdate(ctx, order_no, expires_at=timedelta(seconds=1))
    before = await snapshot(ctx)

    await run_job(ctx, "orders.cancel_expired")

    assert await snapshot(ctx) == before


async def test_shipped_orders_are_received_and_then_completed(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    old = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    recent = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    for order_no in (old, recent):
        await pay(client, ctx, alice, order_no)
        async with unit_of_work(ctx.sessionmaker) as s:
            await orders.ship_order(
                s, order_no=order_no, carrier="中通快递", tracking_no="ZT778899", actor="olivia"
            )
    await backdate(ctx, old, shipped_at=timedelta(days=10, seconds=1))
    await backdate(ctx, recent, shipped_at=timedelta(days=9, hours=23))

    await run_job(ctx, "orders.auto_complete")

    assert (await order_row(ctx, old)).status == "received"
    assert (await order_row(ctx, recent)).status == "shipped"

    await backdate(ctx, old, received_at=timedelta(days=7, seconds=1))
    await run_job(ctx, "orders.auto_complete")
    after = await snapshot(ctx)
    await run_job(ctx, "orders.auto_complete")

    assert await snapshot(ctx) == after
    row = await order_row(ctx, old)
    assert row.status == "completed"
    assert row.completed_at is not None
    assert await count_events(ctx, "order.received") == 1
    assert await count_events(ctx, "order.completed") == 1
