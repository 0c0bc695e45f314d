"""Achievements unlock once, on PostgreSQL: many evaluations of the same member at once (as
several workers handling the same news, or different events of one member, would run them)
make one unlock row, one points entry and one ``achievement.unlocked`` event; the same order's
``order.paid`` delivered to many handler runs at once does the same. SQLite serialises writers,
so these run on PostgreSQL only."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work, utcnow
from shoplet.core.events import Event
from shoplet.core.events.models import OutboxEvent
from shoplet.modules.achievements import service, tasks
from shoplet.modules.achievements.events import UNLOCKED
from shoplet.modules.loyalty.models import PointsEntry
from shoplet.modules.orders.public import ORDER_PAID
from tests.conftest import BackendDb
from tests.modules.achievements.factories import (
    CONSOLE,
    achievement_entries,
    definition_body,
    paid_order,
    unlock_rows,
)
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer, token_for

RACERS = 40


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def _events(ctx: AppContext, member_id: int) -> list[dict[str, object]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(OutboxEvent.payload).where(OutboxEvent.type == UNLOCKED))
        return [p for p in rows.all() if p["member_id"] == member_id]


async def test_forty_evaluations_at_once_unlock_once_and_grant_points_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    staff = bearer(await token_for(client, ctx, "race-operator"))
    alice = await shopper(client)
    await paid_order(client, ctx, alice)  # 首单 unlocked already
    created = await client.post(
        CONSOLE,
        json=definition_body(code="race_one", threshold=1, points=40),
        headers=staff,
    )
    assert created.status_code == 201, created.text
    definition_id = created.json()["id"]

    engine = create_engine(backend_db.url, pool_size=RACERS, max_overflow=0)
    sessionmaker = create_sessionmaker(engine)
    start = asyncio.Event()

    async def evaluate() -> list[str]:
        await start.wait()
        async with unit_of_work(sessionmaker) as session:
            return await service.evaluate(
                session, member_id=alice.member_id, rule_kind="paid_orders", source="race"
            )

    try:
        tasks = [asyncio.create_task(evaluate()) for _ in range(RACERS)]
        start.set()
        results = await asyncio.gather(*tasks)
    finally:
        await engine.dispose()

    assert sorted(r for r in results if r) == [["race_one"]]
    rows = [u for u in await unlock_rows(ctx, alice.member_id) if u.definition_id == definition_id]
    assert len(rows) == 1
    assert rows[0].points == 40
    refs = [r for r, _ in await achievement_entries(ctx, alice.member_id)]
    assert refs.count(f"achievement:{alice.member_id}:{definition_id}") == 1
    assert [e["code"] for e in await _events(ctx, alice.member_id)].count("race_one") == 1


async def test_one_order_paid_handled_forty_times_at_once_unlocks_once(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    """The handler itself (as redelivery to several consumers would run it), bypassing the
    processed-event marker: the unique unlock still lets one through."""
    bob = await shopper(client, "bob")
    staff = bearer(await token_for(client, ctx, "race-operator-2"))
    first = next(
        d for d in (await client.get(CONSOLE, headers=staff)).json() if d["code"] == "first_order"
    )
    body = {k: first[k] for k in definition_body()} | {"points": 50}
    # Off while the order is paid, so the evaluation below is the first to see the figure.
    await client.put(f"{CONSOLE}/{first['id']}", json={**body, "is_enabled": False}, headers=staff)
    order_no = await paid_order(client, ctx, bob)
    assert await unlock_rows(ctx, bob.member_id) == []
    await client.put(f"{CONSOLE}/{first['id']}", json={**body, "is_enabled": True}, headers=staff)
    async with ctx.sessionmaker() as s:
        points_before = int(
            await s.scalar(
                select(func.count())
                .select_from(PointsEntry)
                .where(PointsEntry.member_id == bob.member_id)
            )
            or 0
        )

    event = Event(
        id="race-order-paid-1",
        type=ORDER_PAID,
        key=order_no,
        payload={"order_no": order_no, "member_id": bob.member_id},
        occurred_at=utcnow(),
        attempt=1,
    )
    engine = create_engine(backend_db.url, pool_size=RACERS, max_overflow=0)
    sessionmaker = create_sessionmaker(engine)
    start = asyncio.Event()

    async def deliver() -> None:
        await start.wait()
        async with unit_of_work(sessionmaker) as session:
            await tasks.order_paid(event, session)

    try:
        jobs = [asyncio.create_task(deliver()) for _ in range(RACERS)]
        start.set()
        await asyncio.gather(*jobs)
    finally:
        await engine.dispose()

    [row] = await unlock_rows(ctx, bob.member_id)
    assert row.definition_id == first["id"]
    assert await achievement_entries(ctx, bob.member_id) == [
        (f"achievement:{bob.member_id}:{first['id']}", 50)
    ]
    async with ctx.sessionmaker() as s:
        points_after = int(
            await s.scalar(
                select(func.count())
                .select_from(PointsEntry)
                .where(PointsEntry.member_id == bob.member_id)
            )
            or 0
        )
    assert points_after == points_before + 1
    assert [e["code"] for e in await _events(ctx, bob.member_id)] == ["first_order"]
