"""The demo order history: a month of orders placed through the real API by simulated shoppers
(``shoppers``), then moved into the past (``backdate``)."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.jobs import run_job
from shoplet.core.settings import Settings
from shoplet.demo.backdate import Backdate, backdate_orders
from shoplet.demo.shoppers import (
    HISTORY_DAYS,
    HISTORY_SEED,
    DemoOrder,
    ShopperApi,
    aftersales,
    fulfil,
    place,
    plan_history,
    sign_up_shoppers,
)
from shoplet.integrations.setup import Integrations
from shoplet.modules.catalog import public as catalog
from shoplet.modules.orders import public as orders
from shoplet.modules.payments import public as payments
from shoplet.modules.risk import public as risk


@dataclass
class HistorySummary:
    shoppers: int = 0
    orders: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    aftersales: int = 0
    skipped: str | None = None
    seconds: float = 0.0

    def line(self) -> str:
        if self.skipped:
            return f"order history skipped: {self.skipped}"
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items()))
        return (
            f"{self.shoppers} demo shoppers placed {self.orders} orders over {HISTORY_DAYS} days "
            f"({statuses}; {self.aftersales} after-sales) in {self.seconds:.1f}s"
        )


async def _demo_skus(ctx: AppContext) -> list[tuple[int, int]]:
    """(sku id, price) of every SKU on sale with stock to spare."""
    out = []
    cursor = None
    async with ctx.sessionmaker() as session:
        while True:
            products, cursor = await catalog.list_products_admin(
                session, q=None, status="on_sale", category_id=None, cursor=cursor, limit=100
            )
            out += [
                (s.id, s.price)
                for p in products
                for s in p.skus
                if s.is_active and s.available >= 30
            ]
            if cursor is None:
                return sorted(out)


async def seed_order_history(
    settings: Settings, *, now: datetime | None = None, only_if_no_orders: bool = False
) -> HistorySummary:
    """Shoppers sign in, buy, pay (WeChat Pay simulator), cancel, confirm receipt and ask for
    refunds through the real API; staff ship and handle after-sales through ``orders.public``;
    then ``backdate`` moves each order into the past (in bulk SQL) and the orders completion job
    finishes what is due. Needs the embedded WeChat simulators. ``only_if_no_orders``: skipped
    when the shop already has an order."""
    started = time.perf_counter()
    summary = HistorySummary()
    if not settings.is_embedded:
        summary.skipped = "it needs the embedded WeChat Pay simulator"
        return summary
    from shoplet.app import create_app  # the app imports the modules this file seeds through

    app = create_app(
        settings.model_copy(
            update={"run_worker_in_process": False, "serve_frontends": False, "access_log": False}
        )
    )
    rng = random.Random(HISTORY_SEED)  # noqa: S311  (demo data, not security)
    async with app.router.lifespan_context(app):
        ctx: AppContext = app.state.ctx
        # A month of orders from a few shoppers on one address in a few minutes: the risk
        # engine would rightly refuse it. This app is the seed's own, not a server.
        risk.use_settings(ctx, mode="off")
        integrations: Integrations = app.state.integrations
        simulator = integrations.wechat_pay_simulator
        if simulator is None:
            summary.skipped = "the WeChat Pay simulator is not running"
            return summary
        if only_if_no_orders:
            async with ctx.sessionmaker() as session:
                existing, _ = await orders.list_orders_admin(
                    session, ctx.pii, status=None, q=None, cursor=None, limit=1
                )
            if existing:
                summary.skipped = "the shop already has orders"
                return summary
        now = now or utcnow()
        transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://seed.shoplet") as client:
            api = ShopperApi(client)
            shoppers = await sign_up_shoppers(api, rng)
            plans = plan_history(rng, await _demo_skus(ctx), now=now)
            for plan in plans:
                await place(api, simulator, shoppers, plan)
            await payments.settle(ctx)
            await fulfil(ctx, api, shoppers, plans)
            await aftersales(ctx, api, simulator, shoppers, plans)
        await _backdate(ctx, plans)
    summary.shoppers = len(shoppers)
    summary.orders = len(plans)
    async with ctx.sessionmaker() as session:
        for plan in plans:
            order = await orders.get_order_admin(session, ctx.pii, plan.order_no)
            summary.statuses[order.status] = summary.statuses.get(order.status, 0) + 1
    summary.aftersales = sum(1 for p in plans if p.aftersale)
    summary.seconds = time.perf_counter() - started
    return summary


async def _backdate(ctx: AppContext, plans: Sequence[DemoOrder]) -> None:
    """Move every order to its planned times; let the completion job receive (after 10 days)
    and complete (7 days after receipt) what is due, as it would have; repeat until settled."""
    moves = [
        Backdate(
            plan.order_no,
            times=plan.times(),
            paid_at=plan.paid_at,
            aftersale_at=plan.aftersale_at,
        )
        for plan in plans
    ]
    for _ in range(3):
        async with unit_of_work(ctx.sessionmaker) as session:
            await backdate_orders(session, moves)
        await run_job(ctx, "orders.auto_complete")
        await payments.settle(ctx)
