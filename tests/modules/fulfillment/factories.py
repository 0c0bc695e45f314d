"""Plain async factories for the fulfillment tests: a shipped, WeChat-paid order and its
parcel's scripted track (no tests here)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.integrations.logistics.kuaidi100_simulator import Kuaidi100Simulator, Step
from shoplet.integrations.setup import Integrations
from shoplet.modules.orders import public as orders
from shoplet.modules.payments import public as payments
from tests.modules.orders.console_factories import make_sku, paid_order

CALLBACK = "/api/v1/fulfillment/kuaidi100/callback"


def kuaidi100(app: FastAPI) -> Kuaidi100Simulator:
    integrations: Integrations = app.state.integrations
    assert integrations.kuaidi100_simulator is not None
    return integrations.kuaidi100_simulator


async def shipped_order(
    app: FastAPI,
    ctx: AppContext,
    *,
    carrier: str = "中通快递",
    tracking_no: str = "ZT7788990011",
    member_id: int = 1001,
) -> str:
    """A paid (WeChat JSAPI) order, shipped with ``carrier``, its events delivered."""
    sku = await make_sku(ctx, title="纯棉圆领T恤")
    order_no = await paid_order(app, ctx, sku, member_id=member_id)
    async with unit_of_work(ctx.sessionmaker) as s:
        await orders.ship_order(
            s,
            order_no=order_no,
            carrier=carrier,
            tracking_no=tracking_no,
            actor="olivia",
            pii=ctx.pii,
        )
    await payments.settle(ctx)
    return order_no


def track(start: datetime | None = None) -> list[Step]:
    """揽收 → 在途 → 派件 → 签收, an hour apart."""
    t = start or (utcnow() - timedelta(hours=5)).replace(microsecond=0)
    return [
        Step("1", "【深圳市】快递员已揽收", t, "深圳市"),
        Step("0", "【深圳市】已发往 上海转运中心", t + timedelta(hours=1), "深圳市"),
        Step("5", "【上海市】快递员正在派件，电话 13800000000", t + timedelta(hours=2), "上海市"),
        Step("3", "【上海市】已签收，签收人：本人", t + timedelta(hours=3), "上海市"),
    ]
