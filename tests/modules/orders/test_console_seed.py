"""The demo order history of ``shoplet seed`` (shoplet.demo): real orders, moved into the past."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.jobs import run_job
from shoplet.core.settings import Settings
from shoplet.demo.accounts import DEMO_OWNER_PASSWORD, DEMO_OWNER_USERNAME, seed_demo_owner
from shoplet.demo.catalog import seed_catalog
from shoplet.demo.history import seed_order_history
from shoplet.modules.orders import public as orders
from shoplet.modules.payments import public as payments
from shoplet.modules.staff.models import Staff
from tests.conftest import Base, snapshot
from tests.modules.staff.conftest import bearer, login, token_for
from tests.test_seed import all_admin_products

API = "/api/v1/console"


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_seed_history_fills_the_dashboard_with_a_month_of_real_orders(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    async with ctx.sessionmaker() as s:
        await seed_catalog(s, ctx.settings.media_dir)
        await s.commit()

    summary = await seed_order_history(ctx.settings)

    assert summary.skipped is None
    assert (summary.shoppers, summary.orders, summary.aftersales) == (20, 150, 8)
    statuses = summary.statuses
    assert sum(statuses.values()) == 150
    assert statuses["pending_payment"] == 3
    assert statuses["refunded"] == 2
    assert {"cancelled", "paid", "shipped", "received", "completed"} <= set(statuses)
    assert summary.line().startswith("20 demo shoppers placed 150 orders over 30 days (")
    await _assert_sales_agree_with_the_history(ctx)
    rows = await snapshot(ctx, "members_member", "members_address", "orders_order")
    assert (len(rows["members_member"]), len(rows["members_address"])) == (20, 20)
    assert len(rows["orders_order"]) == 150

    owner = await token_for(client, ctx, "oscar", role="owner")
    dashboard = (await client.get(f"{API}/dashboard", headers=bearer(owner))).json()
    ever_paid = 150 - statuses["pending_payment"] - statuses["cancelled"]
    assert sum(day["orders"] for day in dashboard["trend"]) == ever_paid
    assert sum(1 for day in dashboard["trend"] if day["orders"]) >= 20
    assert dashboard["yesterday"]["orders"] > 0
    assert len(dashboard["top_products"]) == 10
    assert dashboard["low_stock"] != []

    todo = await client.get(f"{API}/aftersales?status=requested", headers=bearer(owner))
    assert len(todo.json()["items"]) == 4
    shipped = await client.get(f"{API}/orders?status=shipped&limit=100", headers=bearer(owner))
    assert len(shipped.json()["items"]) == statuses["shipped"]

    # The history is consistent: every step in order, in the past, money where it should be.
    now = utcnow()
    completed = await client.get(f"{API}/orders?status=completed&limit=100", headers=bearer(owner))
    for item in completed.json()["items"]:
        detail = (
            await client.get(f"{API}/orders/{item['order_no']}", headers=bearer(owner))
        ).json()
        times = [at(entry["created_at"]) for entry in detail["timeline"]]
        assert times == sorted(times)
        assert times[-1] <= now
        assert [(e["from_status"], e["to_status"]) for e in detail["timeline"]] == [
            (None, "pending_payment"),
            ("pending_payment", "paid"),
            ("paid", "shipped"),
            ("shipped", "received"),
            ("received", "completed"),
        ]
        steps = ("created_at", "paid_at", "shipped_at", "received_at", "completed_at")
        assert [at(detail[step]) for step in steps] == times
        assert [p["paid_at"] for p in detail["payments"]] == [detail["paid_at"]]
        assert detail["paid_amount"] == detail["payable_total"]

    # Nothing is left for the jobs to do: pending orders are within their payment window,
    # and no completion is overdue.
    before = await snapshot(ctx, "orders_order")
    await run_job(ctx, "orders.cancel_expired")
    await run_job(ctx, "orders.auto_complete")
    assert await snapshot(ctx, "orders_order") == before
    async with ctx.sessionmaker() as s:
        refunded, _ = await orders.list_orders_admin(
            s, ctx.pii, status="refunded", q=None, cursor=None, limit=10
        )
        for order in refunded:
            amounts = await payments.amounts_for_order(s, order.order_no)
            assert (amounts.paid, amounts.refunded) == (order.payable_total, order.payable_total)
            assert order.paid_at is not None
            assert order.paid_at < now - timedelta(minutes=10)


async def _assert_sales_agree_with_the_history(ctx: AppContext) -> None:
    """Each product's sales count is exactly what the demo orders took off the shelf (units
    committed at payment, less units restocked by refunds and returns); stock stays sane."""
    ledger = Base.metadata.tables["inventory_ledger"]
    stock = Base.metadata.tables["inventory_stock"]
    async with ctx.sessionmaker() as s:
        products = await all_admin_products(s)
        moved = (
            await s.execute(
                select(ledger.c.sku_id, func.sum(ledger.c.delta_on_hand))
                .where(ledger.c.kind.in_(("commit", "restock")))
                .group_by(ledger.c.sku_id)
            )
        ).all()
        levels = (await s.execute(select(stock.c.on_hand, stock.c.reserved))).all()
    product_of = {sku.id: p.id for p in products for sku in p.skus}
    sold: dict[int, int] = defaultdict(int)
    for sku_id, delta in moved:
        sold[product_of[sku_id]] -= int(delta)
    assert {p.id: p.sales_count for p in products} == {p.id: sold[p.id] for p in products}
    assert sum(sold.values()) > 100
    assert max(sold.values()) >= 5
    assert all(0 <= reserved <= on_hand for on_hand, reserved in levels)


async def test_demo_owner_exists_in_embedded_mode_only(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    message = await seed_demo_owner(ctx.settings)
    assert (
        message
        == f"console owner {DEMO_OWNER_USERNAME!r} created (password: see README, embedded only)"
    )
    assert DEMO_OWNER_PASSWORD not in message
    signed_in = await login(client, DEMO_OWNER_USERNAME, DEMO_OWNER_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    # An owner: the first sign-in enrols an authenticator app before anything else.
    assert signed_in.json()["mfa_enrollment_required"] is True
    again = await seed_demo_owner(ctx.settings)
    assert again.startswith(f"demo owner {DEMO_OWNER_USERNAME!r} not created:")

    production = Settings(
        env="production",
        database_url=ctx.settings.resolved_database_url,
        secret_key=SecretStr("x" * 48),
        pii_key=SecretStr("0123456789abcdef0123456789abcdef"),
        wechat_api_base="https://api.weixin.qq.com",
        data_dir=ctx.settings.data_dir,
    )
    before = await snapshot(ctx, Staff.__tablename__)
    assert await seed_demo_owner(production) == "demo owner not created outside embedded mode"
    history = await seed_order_history(production)
    assert history.line() == "order history skipped: it needs the embedded WeChat Pay simulator"
    assert await snapshot(ctx, Staff.__tablename__) == before
