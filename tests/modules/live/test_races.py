"""The comment rate limit under concurrency on PostgreSQL and Redis: thirty comments sent at
once by one shopper pass exactly once (1 per 3 s), and with no gap, fifty pass exactly twenty
times (20 a minute); exactly that many are stored. Buyers at the live price racing 下播 and a
new shelf: no deadlock, never more units than the stock, nothing sold at the live price after.
SQLite serialises writers, so these run on PostgreSQL only (the memory twin's atomicity is
tested in test_store.py)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.core.db import create_engine
from shoplet.modules.orders.models import OrderLine
from tests.conftest import BackendDb, make_context
from tests.modules.live.factories import comment_rows, console_url, live, store_url
from tests.modules.orders.factories import (
    CART_LINES,
    ORDERS,
    Shopper,
    level,
    new_key,
    product,
    shopper,
)


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


@asynccontextmanager
async def app_with(
    backend_db: BackendDb, ctx: AppContext, **settings: Any
) -> AsyncIterator[FastAPI]:
    """The same app on its own pool of ten connections, with ``settings`` changed."""
    engine = create_engine(backend_db.url, pool_size=10, max_overflow=0)
    changed = ctx.settings.model_copy(update=settings)
    context = make_context(dataclasses.replace(backend_db, engine=engine), changed)
    application = create_app(changed, context=context)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        if context.redis is not None:
            await context.redis.aclose()
        await engine.dispose()


async def _burst(app: FastAPI, sid: int, headers: dict[str, str], n: int) -> Counter[Any]:
    transport = httpx.ASGITransport(app=app)
    start = asyncio.Event()

    async def go(i: int) -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
            await start.wait()
            return await c.post(
                store_url(sid, "comments"), json={"text": f"第{i}条"}, headers=headers
            )

    tasks = [asyncio.create_task(go(i)) for i in range(n)]
    start.set()
    responses = await asyncio.gather(*tasks)
    return Counter(
        (r.status_code, None if r.status_code == 201 else r.json()["code"]) for r in responses
    )


@pytest.mark.parametrize(
    "case",
    [
        ({}, 30, 1),
        ({"live_comment_gap_seconds": 0}, 50, 20),
    ],
    ids=["one-per-3s", "twenty-a-minute"],
)
async def test_concurrent_comments_of_one_shopper_pass_exactly_the_limit(
    backend_db: BackendDb,
    ctx: AppContext,
    client: httpx.AsyncClient,
    operator: dict[str, str],
    case: tuple[dict[str, Any], int, int],
) -> None:
    settings, sent, passed = case
    alice = await shopper(client)
    sid = (await live(client, operator))["id"]
    async with app_with(backend_db, ctx, **settings) as app:
        outcomes = await _burst(app, sid, alice.headers, sent)
    assert outcomes == {(201, None): passed, (429, "live.rate_limited"): sent - passed}
    assert len(await comment_rows(ctx)) == passed


async def test_buyers_at_the_live_price_racing_the_end_and_the_stock(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    """Eight shoppers buy 5 units at the live price while the operator ends the session (下播)
    and replaces the shelf at once: no deadlock, no 500; every order placed is at the live
    price, never more units than the stock, and an order placed after 下播 is refused."""
    buyers = [await shopper(client, f"buyer{i}") for i in range(8)]
    product_id, [sku_id] = await product(ctx, (5900, 5))
    pinned = [{"product_id": product_id, "live_price": 3900}]
    sid = (await live(client, operator, pinned))["id"]
    async with app_with(backend_db, ctx) as app:
        transport = httpx.ASGITransport(app=app)
        start = asyncio.Event()

        async def buy(who: Shopper) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    ORDERS,
                    json={
                        "address_id": who.address_id,
                        "items": [{"sku_id": sku_id, "quantity": 1}],
                        "activity": {"kind": "live", "id": sid},
                    },
                    headers={**who.headers, "Idempotency-Key": new_key()},
                )

        async def operate(action: str) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                if action == "shelf":
                    return await c.put(
                        console_url(sid, "shelf"), json={"items": pinned}, headers=operator
                    )
                return await c.post(console_url(sid, "end"), headers=operator)

        tasks = [asyncio.create_task(buy(b)) for b in buyers]
        ops = [asyncio.create_task(operate(a)) for a in ("shelf", "end")]
        start.set()
        responses = await asyncio.gather(*tasks)
        operated = await asyncio.gather(*ops)
    assert operated[1].status_code == 200, operated[1].text
    assert operated[0].status_code in {200, 409}, operated[0].text
    codes = Counter(
        (r.status_code, None if r.status_code == 201 else r.json()["code"]) for r in responses
    )
    assert set(codes) <= {
        (201, None),
        (409, "live.session_ended"),
        (409, "inventory.insufficient"),
    }, codes
    placed = [r.json() for r in responses if r.status_code == 201]
    assert len(placed) <= 5
    assert all(o["items_total"] == 3900 for o in placed)
    assert await level(ctx, sku_id) == (5, len(placed))
    late = await client.post(
        ORDERS,
        json={
            "address_id": buyers[0].address_id,
            "items": [{"sku_id": sku_id, "quantity": 1}],
            "activity": {"kind": "live", "id": sid},
        },
        headers={**buyers[0].headers, "Idempotency-Key": new_key()},
    )
    assert (late.status_code, late.json()["code"]) == (409, "live.session_ended")


async def test_cart_orders_at_the_live_price_racing_the_end(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    """Eight shoppers with a 直播价 line in their cart check out while the operator ends the
    session: no deadlock, no 500; each order is at exactly one consistent price (3900 with its
    line recorded ``live:<session>``, or 5900 with none), never more units than the stock, and
    a cart read after 下播 shows the catalogue price."""
    buyers = [await shopper(client, f"buyer{i}") for i in range(9)]
    product_id, [sku_id] = await product(ctx, (5900, 6))
    sid = (await live(client, operator, [{"product_id": product_id, "live_price": 3900}]))["id"]
    for who in buyers:
        added = await client.post(
            CART_LINES,
            json={"sku_id": sku_id, "source": {"kind": "live", "id": sid}},
            headers=who.headers,
        )
        assert added.status_code == 200, added.text
    async with app_with(backend_db, ctx) as app:
        transport = httpx.ASGITransport(app=app)
        start = asyncio.Event()

        async def checkout(who: Shopper) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    ORDERS,
                    json={"address_id": who.address_id},
                    headers={**who.headers, "Idempotency-Key": new_key()},
                )

        async def end() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(console_url(sid, "end"), headers=operator)

        tasks = [asyncio.create_task(checkout(b)) for b in buyers[:8]]
        ending = asyncio.create_task(end())
        start.set()
        responses = await asyncio.gather(*tasks)
        ended = await ending
    assert ended.status_code == 200, ended.text
    codes = Counter(
        (r.status_code, None if r.status_code == 201 else r.json()["code"]) for r in responses
    )
    assert set(codes) <= {(201, None), (409, "inventory.insufficient")}, codes
    placed = [r.json() for r in responses if r.status_code == 201]
    assert len(placed) == 6  # the stock: two of the eight find none left
    async with ctx.sessionmaker() as s:
        lines = {
            order_id: (price, source)
            for order_id, price, source in await s.execute(
                select(OrderLine.order_id, OrderLine.unit_price, OrderLine.price_source)
            )
        }
    assert len(lines) == len(placed)
    assert set(lines.values()) <= {(3900, f"live:{sid}"), (5900, None)}, lines
    assert sorted(o["items_total"] for o in placed) == sorted(p for p, _ in lines.values())
    assert await level(ctx, sku_id) == (6, len(placed))

    late = await client.get("/api/v1/cart", headers=buyers[8].headers)
    assert late.status_code == 200, late.text
    [line] = late.json()["lines"]
    assert (line["price"], line["price_label"]) == (5900, None)
    assert line["price_note"] == "直播已结束，已恢复原价"
