"""Races on PostgreSQL: many buyers, one stock; retries that arrive together; a shopper's cancel
against the timeout job. SQLite serialises writers, so these run on PostgreSQL only."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, unit_of_work, utcnow
from shoplet.core.events import OutboxEvent
from shoplet.core.jobs import run_job
from shoplet.modules.inventory.models import LedgerEntryRow, Reservation
from shoplet.modules.members.models import Address, Member
from shoplet.modules.orders.models import Order, OrderEvent, OrderLine
from tests.conftest import BackendDb, make_context
from tests.modules.orders.factories import (
    ORDERS,
    Shopper,
    assert_ledger_balanced,
    level,
    new_key,
    one_sku,
    place,
    placed,
    shopper,
)

BUYERS = 200
STOCK = 10


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def make_buyers(ctx: AppContext, n: int) -> list[Shopper]:
    """``n`` members with an address each, written directly (a login per buyer would only
    slow the test down), with storefront access tokens signed like the login's."""
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        members = [Member(nickname=f"买家{i}", created_at=now, last_login_at=now) for i in range(n)]
        s.add_all(members)
        await s.flush()
        addresses = [
            Address(
                member_id=m.id,
                recipient_encrypted=ctx.pii.encrypt(f"买家{i}"),
                phone_encrypted=ctx.pii.encrypt(f"139{i:08d}"),
                province="广东省",
                city="深圳市",
                district="南山区",
                region_code="440305",
                detail_encrypted=ctx.pii.encrypt(f"科技园{i}号"),
                postal_code="518057",
                is_default=True,
            )
            for i, m in enumerate(members)
        ]
        s.add_all(addresses)
        await s.flush()
        pairs = [(m.id, a.id) for m, a in zip(members, addresses, strict=True)]
    return [
        Shopper(
            member_id=member_id,
            headers={
                "Authorization": "Bearer "
                + ctx.tokens.issue(
                    subject=str(member_id), audience="storefront", ttl=timedelta(minutes=15)
                )
            },
            address_id=address_id,
        )
        for member_id, address_id in pairs
    ]


async def count(ctx: AppContext, model: type) -> int:
    async with ctx.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


@contextlib.asynccontextmanager
async def app_with_pool(
    backend_db: BackendDb, ctx: AppContext, size: int
) -> AsyncIterator[FastAPI]:
    """The same app on an engine of ``size`` connections: the shared server allows 100, so the
    200 concurrent requests queue for a connection in the pool, then race on the stock row."""
    engine = create_engine(backend_db.url, pool_size=size, max_overflow=0)
    context = make_context(dataclasses.replace(backend_db, engine=engine), ctx.settings)
    application = create_app(ctx.settings, context=context)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        if context.redis is not None:
            await context.redis.aclose()
        await engine.dispose()


async def test_two_hundred_buyers_for_ten_units_make_exactly_ten_orders(
    backend_db: BackendDb, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=STOCK)
    buyers = await make_buyers(ctx, BUYERS)
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, 40) as app:
        transport = httpx.ASGITransport(app=app)

        async def buy(who: Shopper) -> httpx.Response:
            # One client per buyer, as many phones would; all start together.
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await place(c, who, [(sku_id, 1)])

        tasks = [asyncio.create_task(buy(who)) for who in buyers]
        start.set()
        responses = await asyncio.gather(*tasks)

    outcomes = Counter((r.status_code, r.json()["code"] if r.status_code != 201 else None)
                       for r in responses)  # fmt: skip
    assert outcomes == {(201, None): STOCK, (409, "inventory.insufficient"): BUYERS - STOCK}
    order_nos = {r.json()["order_no"] for r in responses if r.status_code == 201}
    assert len(order_nos) == STOCK
    assert await level(ctx, sku_id) == (STOCK, STOCK)
    async with ctx.sessionmaker() as s:
        held = list(await s.scalars(select(Reservation)))
        orders = list(await s.scalars(select(Order)))
        created = await s.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "order.created")
        )
        ledger = await s.scalar(
            select(func.count()).select_from(LedgerEntryRow).where(LedgerEntryRow.kind == "reserve")
        )
    assert {(r.ref, r.quantity, r.status) for r in held} == {(n, 1, "active") for n in order_nos}
    assert {o.order_no for o in orders} == order_nos
    assert len({o.member_id for o in orders}) == STOCK
    # No half-written order: each has its line, its timeline row and its event.
    assert await count(ctx, OrderLine) == await count(ctx, OrderEvent) == STOCK
    assert created == ledger == STOCK
    await assert_ledger_balanced(ctx)


async def test_retries_sent_together_make_one_order(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, stock=50)
    alice = await shopper(client)
    key = new_key()

    responses = await asyncio.gather(
        *(place(client, alice, [(sku_id, 2)], key=key) for _ in range(10))
    )

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["order_no"] for r in responses}) == 1
    assert await count(ctx, Order) == 1
    assert await level(ctx, sku_id) == (50, 2)
    await assert_ledger_balanced(ctx)


async def test_different_bodies_under_one_key_make_one_order_and_conflicts(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, stock=50)
    alice = await shopper(client)
    key = new_key()

    responses = await asyncio.gather(
        *(place(client, alice, [(sku_id, n)], key=key) for n in range(1, 7))
    )

    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 409: 5}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "orders.idempotency_conflict"
    }
    [winner] = [r.json() for r in responses if r.status_code == 201]
    assert await level(ctx, sku_id) == (50, winner["item_count"])
    assert await count(ctx, Order) == 1


async def test_a_cancel_racing_the_timeout_job_releases_the_stock_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, stock=10)
    alice = await shopper(client)
    order_nos = [(await placed(client, alice, [(sku_id, 1)]))["order_no"] for _ in range(5)]
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(Order).values(expires_at=utcnow() - timedelta(seconds=1)))

    results = await asyncio.gather(
        run_job(ctx, "orders.cancel_expired"),
        *(client.post(f"{ORDERS}/{n}/cancel", headers=alice.headers) for n in order_nos),
    )

    responses = [r for r in results if isinstance(r, httpx.Response)]
    assert {r.status_code for r in responses} <= {200, 409}
    async with ctx.sessionmaker() as s:
        statuses = set(await s.scalars(select(Order.status)))
        releases = await s.scalar(
            select(func.count()).select_from(LedgerEntryRow).where(LedgerEntryRow.kind == "release")
        )
        cancelled = await s.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.type == "order.cancelled")
        )
    assert statuses == {"cancelled"}
    assert releases == cancelled == 5
    assert await level(ctx, sku_id) == (10, 0)
    await assert_ledger_balanced(ctx)
