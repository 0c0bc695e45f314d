"""Real races on PostgreSQL (SQLite serialises writers): one shopper, many taps at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work, utcnow
from shoplet.modules.cart.models import CartLine
from tests.modules.cart.conftest import LINES, cart_rows, member, one_sku, product

TAPS = 50


@pytest.fixture
async def racing_client(ctx: AppContext, backend: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app on its own small pool (the shared server allows 100 connections in all)."""
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    engine = create_engine(ctx.settings.resolved_database_url, pool_size=20, max_overflow=0)
    racing = AppContext(
        settings=ctx.settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        redis=None,
        limiter=ctx.limiter,
        pii=ctx.pii,
        tokens=ctx.tokens,
        metrics=ctx.metrics,
    )
    app: FastAPI = create_app(ctx.settings, context=racing)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
            yield c
    await engine.dispose()


async def _tap_all(
    client: httpx.AsyncClient, headers: dict[str, str], sku_id: int, quantity: int
) -> Counter[int]:
    start = asyncio.Event()

    async def tap() -> int:
        await start.wait()
        response = await client.post(
            LINES, json={"sku_id": sku_id, "quantity": quantity}, headers=headers
        )
        return response.status_code

    tasks = [asyncio.create_task(tap()) for _ in range(TAPS)]
    start.set()
    return Counter(await asyncio.gather(*tasks))


async def test_concurrent_adds_sum_into_one_line_capped_at_99(
    client: httpx.AsyncClient, racing_client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, stock=10_000)
    _, headers = await member(client)

    statuses = await _tap_all(racing_client, headers, sku_id, 3)

    assert statuses == Counter({200: TAPS})
    rows = await cart_rows(ctx)
    assert [(r.sku_id, r.quantity) for r in rows] == [(sku_id, 99)]


async def test_concurrent_adds_below_the_cap_lose_no_update(
    client: httpx.AsyncClient, racing_client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, stock=10_000)
    _, headers = await member(client)

    statuses = await _tap_all(racing_client, headers, sku_id, 1)

    assert statuses == Counter({200: TAPS})
    assert [r.quantity for r in await cart_rows(ctx)] == [TAPS]


async def test_concurrent_adds_never_exceed_the_stock(
    client: httpx.AsyncClient, racing_client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, stock=20)
    _, headers = await member(client)

    statuses = await _tap_all(racing_client, headers, sku_id, 1)

    assert statuses == Counter({200: 20, 409: TAPS - 20})
    assert [r.quantity for r in await cart_rows(ctx)] == [20]


async def test_concurrent_new_lines_never_exceed_100(
    client: httpx.AsyncClient, racing_client: httpx.AsyncClient, ctx: AppContext
) -> None:
    shirt = await product(ctx, *[(100, 10)] * 6)
    member_id, headers = await member(client)
    now = utcnow() - timedelta(minutes=1)
    async with unit_of_work(ctx.sessionmaker) as s:
        s.add_all(
            CartLine(
                member_id=member_id,
                sku_id=10_000 + i,
                quantity=1,
                selected=True,
                price_at_add=100,
                added_at=now,
                updated_at=now,
            )
            for i in range(97)
        )
    start = asyncio.Event()

    async def tap(sku_id: int) -> int:
        await start.wait()
        response = await racing_client.post(
            LINES, json={"sku_id": sku_id, "quantity": 1}, headers=headers
        )
        return response.status_code

    tasks = [asyncio.create_task(tap(s.id)) for s in shirt.skus for _ in range(5)]
    start.set()
    statuses = Counter(await asyncio.gather(*tasks))

    rows = await cart_rows(ctx)
    assert len(rows) == 100
    assert statuses[200] + statuses[409] == 30
    assert sum(r.quantity for r in rows if r.sku_id < 10_000) == statuses[200]
