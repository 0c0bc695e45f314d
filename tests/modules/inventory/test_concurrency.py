"""Real races on PostgreSQL: many buyers, one stock (SQLite serialises writers: no race there)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work, utcnow
from shoplet.modules.inventory import public as inventory
from shoplet.modules.inventory.models import LedgerEntryRow, Reservation

BUYERS = 120
STOCK = 10


def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")


async def test_concurrent_reservations_never_oversell(ctx: AppContext, backend: str) -> None:
    _postgres_only(backend)
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.set_initial_stock(s, sku_id=1, on_hand=STOCK, actor="test")
        await inventory.set_initial_stock(s, sku_id=2, on_hand=1000, actor="test")
    # The shared server allows 100 connections: 40 of them carry the 120 concurrent sessions.
    engine = create_engine(ctx.settings.resolved_database_url, pool_size=40, max_overflow=0)
    sessionmaker = create_sessionmaker(engine)
    start = asyncio.Event()

    async def buyer(i: int) -> str:
        await start.wait()
        try:
            async with unit_of_work(sessionmaker) as s:
                # Two lines in ascending order: SKU 2 is always available, SKU 1 runs out.
                await inventory.reserve(
                    s,
                    ref=f"ORDER-{i}",
                    lines=[(1, 1), (2, 1)],
                    expires_at=utcnow() + timedelta(minutes=15),
                )
        except inventory.InsufficientStock as exc:
            return f"sold_out:{exc.sku_id}"
        return "reserved"

    try:
        tasks = [asyncio.create_task(buyer(i)) for i in range(BUYERS)]
        start.set()
        outcomes = Counter(await asyncio.gather(*tasks))
    finally:
        await engine.dispose()
    assert outcomes == {"reserved": STOCK, "sold_out:1": BUYERS - STOCK}

    async with ctx.sessionmaker() as s:
        levels = await inventory.get_levels(s, [1, 2])
        assert levels[1] == inventory.StockLevel(
            sku_id=1, on_hand=STOCK, reserved=STOCK, available=0
        )
        assert levels[2].reserved == STOCK  # all-or-nothing: no orphan line on SKU 2
        sums = (
            await s.execute(
                select(
                    LedgerEntryRow.sku_id,
                    func.sum(LedgerEntryRow.delta_on_hand),
                    func.sum(LedgerEntryRow.delta_reserved),
                    func.count(),
                ).group_by(LedgerEntryRow.sku_id)
            )
        ).all()
        assert {tuple(r) for r in sums} == {
            (1, STOCK, STOCK, 1 + STOCK),
            (2, 1000, STOCK, 1 + STOCK),
        }
        held = (
            await s.execute(
                select(func.count(func.distinct(Reservation.ref))).where(
                    Reservation.status == "active"
                )
            )
        ).scalar_one()
        assert held == STOCK


async def test_concurrent_commit_and_release_do_the_work_once(
    ctx: AppContext, backend: str
) -> None:
    _postgres_only(backend)
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.set_initial_stock(s, sku_id=1, on_hand=100, actor="test")
        for i in range(20):
            await inventory.reserve(
                s, ref=f"O{i}", lines=[(1, 2)], expires_at=utcnow() + timedelta(minutes=1)
            )
    engine = create_engine(ctx.settings.resolved_database_url, pool_size=20, max_overflow=0)
    sessionmaker = create_sessionmaker(engine)

    async def settle(ref: str, action: str) -> int:
        try:
            async with unit_of_work(sessionmaker) as s:
                if action == "commit":
                    return await inventory.commit(s, ref=ref)
                return await inventory.release(s, ref=ref, reason="expired")
        except inventory.ReservationReleased:
            return 0

    try:
        jobs = [settle(f"O{i}", a) for i in range(20) for a in ("commit", "release", "commit")]
        results = await asyncio.gather(*jobs)
    finally:
        await engine.dispose()
    # Each reference's 2 units were settled exactly once, by a commit or by a release.
    per_ref = [sum(results[i * 3 : i * 3 + 3]) for i in range(20)]
    assert per_ref == [2] * 20
    async with ctx.sessionmaker() as s:
        level = (await inventory.get_levels(s, [1]))[1]
        sold = (
            await s.execute(
                select(func.count()).where(
                    LedgerEntryRow.kind == "commit", LedgerEntryRow.sku_id == 1
                )
            )
        ).scalar_one()
    assert level.reserved == 0
    assert level.on_hand == 100 - 2 * sold


async def test_stock_batches_racing_buyers_never_go_below_reserved(
    ctx: AppContext, backend: str
) -> None:
    """An import's stock batch (one multi-row UPDATE) against buyers reserving the same SKUs in
    the other order of arrival: no deadlock, and every row stays at or above what is reserved."""
    _postgres_only(backend)
    skus = [1, 2, 3]
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.set_initial_stocks(s, dict.fromkeys(skus, 20), actor="test")
    engine = create_engine(ctx.settings.resolved_database_url, pool_size=30, max_overflow=0)
    sessionmaker = create_sessionmaker(engine)
    start = asyncio.Event()

    async def stock_take(i: int) -> str:
        await start.wait()
        try:
            async with unit_of_work(sessionmaker) as s:
                await inventory.adjust_stocks(
                    s, {3: -3, 1: -3, 2: -3}, reason="盘点", actor=f"batch-{i}"
                )
        except (inventory.NegativeStock, inventory.BelowReserved):
            return "refused"
        return "adjusted"

    async def buyer(i: int) -> str:
        await start.wait()
        try:
            async with unit_of_work(sessionmaker) as s:
                await inventory.reserve(
                    s,
                    ref=f"ORDER-{i}",
                    lines=[(1, 2), (2, 2), (3, 2)],
                    expires_at=utcnow() + timedelta(minutes=15),
                )
        except inventory.InsufficientStock:
            return "sold_out"
        return "reserved"

    try:
        tasks = [asyncio.create_task(stock_take(i)) for i in range(12)]
        tasks += [asyncio.create_task(buyer(i)) for i in range(12)]
        start.set()
        outcomes = Counter(await asyncio.gather(*tasks))
    finally:
        await engine.dispose()
    assert outcomes["adjusted"] + outcomes["refused"] == 12
    assert outcomes["reserved"] + outcomes["sold_out"] == 12
    async with ctx.sessionmaker() as s:
        levels = await inventory.get_levels(s, skus)
        reserved = (
            await s.execute(
                select(Reservation.sku_id, func.sum(Reservation.quantity))
                .where(Reservation.status == "active")
                .group_by(Reservation.sku_id)
            )
        ).tuples()
    held = 2 * outcomes["reserved"]
    assert dict(reserved.all()) == (dict.fromkeys(skus, held) if held else {})
    for sku in skus:
        level = levels[sku]
        assert level.on_hand == 20 - 3 * outcomes["adjusted"]
        assert level.reserved == 2 * outcomes["reserved"]
        assert 0 <= level.reserved <= level.on_hand
