"""Growth from orders, through the real events: ``order.paid`` adds 1 growth per ¥1 paid (the
setting), after-sale refunds take back their share, the order's full refund what is left;
redelivered events change nothing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import drain_outbox
from shoplet.modules.membership import service
from shoplet.modules.membership.schemas import SettingsBody
from tests.modules.membership.factories import account, entries, tier_events
from tests.modules.orders.factories import order_row, product, shopper
from tests.modules.orders.test_aftersales import approve, asked, complete_refund, paid_order


async def test_a_paid_order_earns_growth_and_refunds_take_it_back(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (29950, 10)))[1][0]
    alice = await shopper(client)
    order_no = await paid_order(client, ctx, alice, [(sku_id, 2)])  # ¥599.00 paid

    assert await entries(ctx, alice.member_id) == [(599, "order_paid", order_no)]
    await drain_outbox(ctx)  # a redelivery would be skipped; nothing new either way
    assert len(await entries(ctx, alice.member_id)) == 1
    row = await account(ctx, alice.member_id)
    assert row is not None
    assert (row.growth_total, row.level) == (599, 1)  # 白银 at 500
    assert [e["to_code"] for e in await tier_events(ctx, alice.member_id)] == ["V1"]

    # A third refunded: a third of the growth, rounded up, comes back.
    first = await asked(client, alice, order_no, kind="refund_only", reason="少发", amount=19967)
    refund = (await approve(ctx, first)).refund_no
    assert refund is not None
    await complete_refund(app, ctx, refund)
    assert (await entries(ctx, alice.member_id))[1:] == [
        (-200, "order_refund", f"{order_no}/{first}")
    ]

    # The rest refunded: the order is refunded, and the growth left goes with it, once.
    rest = await asked(client, alice, order_no, kind="refund_only", reason="不要了", amount=39933)
    refund = (await approve(ctx, rest)).refund_no
    assert refund is not None
    await complete_refund(app, ctx, refund)
    await drain_outbox(ctx)

    ledger = await entries(ctx, alice.member_id)
    assert sum(a for a, _, _ in ledger) == 0
    assert {r for _, r, _ in ledger} == {"order_paid", "order_refund"}
    row = await account(ctx, alice.member_id)
    assert row is not None
    assert (row.growth_total, row.level) == (0, 1)  # the period job decides the downgrade


async def test_growth_per_yuan_is_a_setting(client: httpx.AsyncClient, ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await service.save_settings(
            s, SettingsBody(fen_per_growth=50, period_months=12, warn_days=7)
        )
    sku_id = (await product(ctx, (1999, 10)))[1][0]
    bob = await shopper(client, "bob")
    order_no = await paid_order(client, ctx, bob, [(sku_id, 1)])

    paid = (await order_row(ctx, order_no)).payable_total  # goods and shipping
    assert paid > 1999
    assert await entries(ctx, bob.member_id) == [(paid // 50, "order_paid", order_no)]
