"""Many shoppers at once, on several edge replicas (PostgreSQL + Redis; one process on SQLite):
never more than the stock, never more than a shopper's limit."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from sqlalchemy import func, select

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.modules.flashsale.config import FlashSaleSettings, use_settings
from shoplet.modules.flashsale.runtime import runtime_of
from shoplet.modules.flashsale.service import reconcile_campaign
from shoplet.modules.orders.models import Order, OrderLine
from tests.conftest import BackendDb, make_context, make_settings
from tests.modules.flashsale.conftest import (
    buy,
    buy_token,
    consume,
    flash_orders,
    go_live,
    held,
    level,
    make_campaign,
    make_sku,
    remaining,
    shopper,
    tickets,
)

SHOPPERS = 40
ATTEMPTS = 4
STOCK = 15
LIMIT = 2


@asynccontextmanager
async def replica(
    backend_db: BackendDb, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, AppContext]]:
    """Another edge process: its own app, context, Redis client and sold-out flags."""
    settings = make_settings(backend_db, tmp_path, role="edge")
    ctx = make_context(backend_db, settings)
    use_settings(ctx, buy_per_ip=100_000)
    app = create_app(settings, context=ctx)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
            yield client, ctx
    if ctx.redis is not None:
        await ctx.redis.aclose()


async def test_concurrent_buyers_never_exceed_stock_or_limits(
    client: httpx.AsyncClient,
    ctx: AppContext,
    backend_db: BackendDb,
    tmp_path: Path,
    flash: FlashSaleSettings,
) -> None:
    use_settings(ctx, consume_block_ms=0, buy_per_ip=100_000)
    sku = await make_sku(ctx, price=19900, stock=100)
    campaign_id = await make_campaign(ctx, [sku], stock=STOCK, limit=LIMIT)
    await go_live(ctx, campaign_id)
    shoppers = [await shopper(client, f"s{n}") for n in range(SHOPPERS)]
    async with (
        replica(backend_db, tmp_path / "a") as edge_a,
        replica(backend_db, tmp_path / "b") as edge_b,
    ):
        # The embedded store lives in one process: on SQLite every "replica" is the main app.
        edges = [(client, ctx), edge_a, edge_b] if backend_db.is_postgres else [(client, ctx)]
        start = asyncio.Event()

        async def attempt(n: int, k: int) -> tuple[int, int]:
            who = shoppers[n]
            await start.wait()
            edge = edges[(n + k) % len(edges)][0]
            response = await buy(edge, who, campaign_id, sku, buy_token(ctx, campaign_id, who.id))
            assert response.status_code in (202, 409), response.text
            return who.id, response.status_code

        tasks = [
            asyncio.create_task(attempt(n, k)) for n in range(SHOPPERS) for k in range(ATTEMPTS)
        ]
        start.set()
        results = await asyncio.gather(*tasks)
        accepted = Counter(member for member, status in results if status == 202)
        assert sum(accepted.values()) == STOCK
        assert max(accepted.values()) <= LIMIT
        assert await remaining(ctx, campaign_id) == {sku.sku_id: 0}
        # Every replica learns the SKU is sold out (its own answer, or the signal).
        for _edge, edge_ctx in edges:
            for _ in range(100):
                if runtime_of(edge_ctx).edge.is_sold_out(campaign_id, sku.sku_id):
                    break
                await asyncio.sleep(0.01)
            assert runtime_of(edge_ctx).edge.is_sold_out(campaign_id, sku.sku_id)

    await consume(ctx)
    orders = await flash_orders(ctx)
    assert len(orders) == STOCK
    assert Counter(o.member_id for o in orders) == accepted
    assert len({o.idempotency_key for o in orders}) == STOCK
    assert {t.status for t in await tickets(ctx)} == {"created"}
    async with ctx.sessionmaker() as s:
        units = (
            await s.execute(
                select(func.sum(OrderLine.quantity)).join(Order, Order.id == OrderLine.order_id)
            )
        ).scalar_one()
    assert units == STOCK
    assert await held(ctx, campaign_id, sku) == 0
    assert await level(ctx, sku) == (100, STOCK, 100 - STOCK)
    report = await reconcile_campaign(ctx, campaign_id)
    assert (report["ok"], report["repaired"]) == (True, 0)
