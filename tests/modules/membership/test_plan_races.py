"""Paid-plan races on PostgreSQL: ten copies of one payment's notify at once, ten deliveries of
its ``order.paid`` at once, and two different plan orders of one member paid at once. Each
payment starts exactly one period, and one member's periods never overlap. SQLite serialises
writers, so these run on PostgreSQL only."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work
from shoplet.core.events import drain_outbox
from shoplet.modules.membership import public as membership
from shoplet.modules.membership import service
from shoplet.modules.membership.rules import add_months
from shoplet.modules.payments import public as payments
from tests.conftest import BackendDb
from tests.modules.membership.plan_factories import create_plan, order_plan, periods, plan_events
from tests.modules.orders.factories import order_row, shopper, simulator, start_payment
from tests.modules.staff.conftest import bearer, token_for

CLIENTS = 10


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "member-operator"))


@pytest.fixture
async def pool(backend_db: BackendDb) -> AsyncIterator[BackendDb]:
    engine = create_engine(backend_db.url, pool_size=CLIENTS + 2, max_overflow=0)
    try:
        yield dataclasses.replace(backend_db, engine=engine)
    finally:
        await engine.dispose()


async def test_ten_copies_of_the_notify_at_once_start_one_period(
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
) -> None:
    plan = await create_plan(client, staff)
    alice = await shopper(client)
    order_no = (await order_plan(client, alice, plan)).json()["order_no"]
    started = await start_payment(client, alice, order_no)
    sim = simulator(app)
    txn, _ = await sim.pay(started["prepay_id"], deliver=False)
    notify = sim.build_notify(
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource=txn.to_json(),
    )
    copies = [sim.sign_notify(notify.id, notify.event_type, notify.body) for _ in range(CLIENTS)]

    deliveries = await asyncio.gather(*(sim.deliver(txn.notify_url, c) for c in copies))
    await payments.settle(ctx)

    assert {d.status_code for d in deliveries} == {204}
    assert (await order_row(ctx, order_no)).status == "paid"
    [period] = await periods(ctx, alice.member_id)
    assert period.status == "active"
    assert period.starts_at is not None
    assert period.ends_at == add_months(period.starts_at, 1)
    assert len(await plan_events(ctx, membership.PLAN_STARTED, alice.member_id)) == 1


async def test_ten_deliveries_of_order_paid_at_once_start_one_period(
    client: httpx.AsyncClient,
    ctx: AppContext,
    pool: BackendDb,
    staff: dict[str, str],
) -> None:
    plan = await create_plan(client, staff)
    alice = await shopper(client)
    order_no = (await order_plan(client, alice, plan)).json()["order_no"]
    sessionmaker = create_sessionmaker(pool.engine)
    go = asyncio.Event()

    async def one() -> bool:
        await go.wait()
        async with unit_of_work(sessionmaker) as s:
            return await service.start_period(s, {"order_no": order_no, "paid_at": None})

    tasks = [asyncio.create_task(one()) for _ in range(CLIENTS)]
    go.set()
    results = await asyncio.gather(*tasks)

    assert sorted(results) == [False] * (CLIENTS - 1) + [True]
    [period] = await periods(ctx, alice.member_id)
    assert period.status == "active"
    assert len(await plan_events(ctx, membership.PLAN_STARTED, alice.member_id)) == 1


async def test_two_plans_paid_at_once_run_one_after_the_other(
    client: httpx.AsyncClient,
    ctx: AppContext,
    pool: BackendDb,
    staff: dict[str, str],
) -> None:
    month = await create_plan(client, staff)
    year = await create_plan(
        client, staff, code="svip-year", name="SVIP年卡", price=16800, months=12
    )
    alice = await shopper(client)
    numbers = [(await order_plan(client, alice, plan)).json()["order_no"] for plan in (month, year)]
    sessionmaker = create_sessionmaker(pool.engine)
    go = asyncio.Event()

    async def one(order_no: str) -> bool:
        await go.wait()
        async with unit_of_work(sessionmaker) as s:
            return await service.start_period(s, {"order_no": order_no, "paid_at": None})

    tasks = [asyncio.create_task(one(n)) for n in numbers * 5]
    go.set()
    results = await asyncio.gather(*tasks)
    await drain_outbox(ctx)

    assert results.count(True) == 2
    first, second = sorted(await periods(ctx, alice.member_id), key=lambda p: p.starts_at)  # type: ignore[arg-type, return-value]
    assert first.ends_at == second.starts_at  # chained, never overlapping
    assert first.starts_at is not None
    assert second.ends_at == add_months(add_months(first.starts_at, first.months), second.months)
