"""The console-facing functions of ``orders.public``: search, detail, export, sales summary."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.pagination import InvalidCursor
from shoplet.modules.orders import public as orders
from shoplet.modules.orders.models import Order
from tests.modules.orders.factories import pay, placed, product, shopper


async def test_orders_are_found_by_number_or_full_phone(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob", phone="13700001111")
    a1 = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    a2 = (await placed(client, alice, [(sku_id, 1)]))["order_no"]
    b1 = (await placed(client, bob, [(sku_id, 1)]))["order_no"]
    await pay(client, ctx, bob, b1)

    async with ctx.sessionmaker() as s:
        by_phone, _ = await orders.list_orders_admin(
            s, ctx.pii, status=None, q="13912345678", cursor=None, limit=20
        )
        by_no, _ = await orders.list_orders_admin(
            s, ctx.pii, status=None, q=a1, cursor=None, limit=20
        )
        paid, _ = await orders.list_orders_admin(
            s, ctx.pii, status="paid", q=None, cursor=None, limit=20
        )
        page, cursor = await orders.list_orders_admin(
            s, ctx.pii, status=None, q=" ", cursor=None, limit=2
        )
        rest, end = await orders.list_orders_admin(
            s, ctx.pii, status=None, q=None, cursor=cursor, limit=2
        )
        with pytest.raises(InvalidCursor):
            await orders.list_orders_admin(s, ctx.pii, status=None, q=None, cursor="x", limit=2)

    assert [o.order_no for o in by_phone] == [a2, a1]
    assert [o.order_no for o in by_no] == [a1]
    assert [o.order_no for o in paid] == [b1]
    assert [o.order_no for o in page + rest] == [b1, a2, a1]
    assert end is None
    assert by_no[0].member_id == alice.member_id
    assert by_no[0].address is not None
    assert (by_no[0].address.phone, by_no[0].address.is_masked) == ("139****5678", True)
    assert by_no[0].timeline == []  # lists skip the timeline; the detail has it


async def test_the_detail_reveals_the_address_only_when_asked(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = (await placed(client, alice, [(sku_id, 1)]))["order_no"]

    async with ctx.sessionmaker() as s:
        masked = await orders.get_order_admin(s, ctx.pii, order_no)
        clear = await orders.get_order_admin(s, ctx.pii, order_no, reveal=True)
        with pytest.raises(orders.OrderNotFound):
            await orders.get_order_admin(s, ctx.pii, "404")

    assert masked.address is not None
    assert clear.address is not None
    assert (masked.address.recipient, masked.address.phone) == ("张**", "139****5678")
    assert (clear.address.recipient, clear.address.phone, clear.address.detail) == (
        "张三丰",
        "13912345678",
        "科技园南区深南大道10000号腾讯大厦",
    )
    assert [t.to_status for t in clear.timeline] == ["pending_payment"]


async def test_shipping_an_unpaid_order_is_refused(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = (await product(ctx, (5900, 10)))[1][0]
    alice = await shopper(client)
    order_no = (await placed(client, alice, [(sku_id, 1)]))["order_no"]

    async with ctx.sessionmaker() as s:
        with pytest.raises(orders.IllegalTransition) as raised:
            await orders.ship_order(
                s, order_no=order_no, carrier="顺丰", tracking_no="SF0001", actor="olivia"
            )

    assert raised.value.extra == {"from_status": "pending_payment", "to_status": "shipped"}


async def test_export_rows_come_in_keyset_batches(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, [small, medium] = await product(ctx, (5900, 10), (6900, 10))
    alice = await shopper(client)
    first = (await placed(client, alice, [(small, 1), (medium, 2)], remark="放门口"))["order_no"]
    second = (await placed(client, alice, [(small, 1)]))["order_no"]

    async with ctx.sessionmaker() as s:
        total = await orders.count_export_rows(s, status=None, since=None, until=None)
        batch = await orders.export_rows(
            s, ctx.pii, status=None, since=None, until=None, after_id=None, batch=2
        )
        rest = await orders.export_rows(
            s, ctx.pii, status=None, since=None, until=None, after_id=batch[-1].id, batch=2
        )
        none_paid = await orders.count_export_rows(s, status="paid", since=None, until=None)
        later = await orders.export_rows(
            s,
            ctx.pii,
            status=None,
            since=utcnow() + timedelta(minutes=1),
            until=None,
            after_id=None,
            batch=10,
        )

    assert total == 3
    assert [(r.order_no, r.sku_id, r.quantity) for r in batch + rest] == [
        (first, small, 1),
        (first, medium, 2),
        (second, small, 1),
    ]
    row = batch[1]
    assert (row.recipient, row.phone, row.address) == (
        "张三丰",
        "13912345678",
        "广东省深圳市南山区科技园南区深南大道10000号腾讯大厦",
    )
    assert (row.remark, row.line_payable, row.payable_total, row.status) == (
        "放门口",
        13800,
        19700,
        "pending_payment",
    )
    assert none_paid == 0
    assert later == []


async def test_the_sales_summary_counts_paid_orders_per_china_day(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, [small, medium] = await product(ctx, (5900, 10), (6900, 10))
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    a1 = (await placed(client, alice, [(small, 2)]))["order_no"]
    a2 = (await placed(client, alice, [(medium, 1)]))["order_no"]
    b1 = (await placed(client, bob, [(small, 1)]))["order_no"]
    await placed(client, bob, [(small, 1)])  # never paid
    for who, order_no in ((alice, a1), (alice, a2), (bob, b1)):
        await pay(client, ctx, who, order_no)
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        # a2 was paid yesterday (China time).
        await s.execute(
            update(Order).where(Order.order_no == a2).values(paid_at=now - timedelta(days=1))
        )

    async with ctx.sessionmaker() as s:
        summary = await orders.sales_summary(
            s, since=now - timedelta(days=1, hours=1), until=now + timedelta(minutes=1)
        )

    assert (summary.gmv, summary.orders, summary.paying_members) == (11800 + 7700 + 6700, 3, 2)
    assert summary.average_order_value == (11800 + 7700 + 6700) // 3
    by_day = {d.date: (d.gmv, d.orders, d.paying_members) for d in summary.days}
    china_today = (now + timedelta(hours=8)).date()
    assert by_day[china_today] == (11800 + 6700, 2, 2)
    assert by_day[china_today - timedelta(days=1)] == (7700, 1, 1)
    assert sum(d.orders for d in summary.days) == 3
    assert [(p.product_id, p.units, p.amount) for p in summary.top_products] == [
        (product_id, 4, 3 * 5900 + 6900)
    ]
