"""transfer_reservation: held units move between two reservations (flash hold <-> order)."""

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
from tests.conftest import snapshot

HOLD = "flash:1:7"


async def arrange(ctx: AppContext, *, on_hand: int = 100, hold: int = 10) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.set_initial_stock(s, sku_id=7, on_hand=on_hand, actor="test")
        await inventory.reserve(
            s, ref=HOLD, lines=[(7, hold)], expires_at=utcnow() + timedelta(hours=2)
        )


async def transfer(ctx: AppContext, from_ref: str, to_ref: str, quantity: int) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.transfer_reservation(
            s, from_ref=from_ref, to_ref=to_ref, sku_id=7, quantity=quantity
        )


async def held(ctx: AppContext, *refs: str) -> dict[str, int]:
    async with ctx.sessionmaker() as s:
        return {ref: await inventory.held_quantity(s, ref=ref, sku_id=7) for ref in refs}


async def level(ctx: AppContext) -> tuple[int, int, int]:
    async with ctx.sessionmaker() as s:
        found = (await inventory.get_levels(s, [7]))[7]
    return found.on_hand, found.reserved, found.available


async def rows(ctx: AppContext) -> list[tuple[str, str, int]]:
    async with ctx.sessionmaker() as s:
        result = await s.execute(
            select(Reservation.ref, Reservation.status, Reservation.quantity).order_by(
                Reservation.id
            )
        )
        return [tuple(r) for r in result]  # type: ignore[misc]


async def test_transfer_moves_held_units_and_keeps_free_stock(ctx: AppContext) -> None:
    await arrange(ctx)
    await transfer(ctx, HOLD, "ORDER-1", 3)
    assert await held(ctx, HOLD, "ORDER-1") == {HOLD: 7, "ORDER-1": 3}
    assert await level(ctx) == (100, 10, 90)
    async with ctx.sessionmaker() as s:
        ledger = (
            await s.execute(
                select(
                    LedgerEntryRow.kind,
                    LedgerEntryRow.ref,
                    LedgerEntryRow.delta_reserved,
                    LedgerEntryRow.reserved_after,
                    LedgerEntryRow.reason,
                ).order_by(LedgerEntryRow.id)
            )
        ).all()
        order_row = (
            await s.execute(select(Reservation).where(Reservation.ref == "ORDER-1"))
        ).scalar_one()
        hold_row = (
            await s.execute(select(Reservation).where(Reservation.ref == HOLD))
        ).scalar_one()
    assert [tuple(r) for r in ledger] == [
        ("initial", None, 0, 0, "initial stock"),
        ("reserve", HOLD, 10, 10, "reserved"),
        ("release", HOLD, -3, 7, "transfer to ORDER-1"),
        ("reserve", "ORDER-1", 3, 10, f"transfer from {HOLD}"),
    ]
    # The order's hold inherits the campaign hold's expiry.
    assert order_row.expires_at == hold_row.expires_at


async def test_draining_and_refilling_a_hold(ctx: AppContext) -> None:
    await arrange(ctx, hold=2)
    await transfer(ctx, HOLD, "ORDER-1", 1)
    await transfer(ctx, HOLD, "ORDER-2", 1)
    assert await rows(ctx) == [
        (HOLD, "released", 1),
        ("ORDER-1", "active", 1),
        ("ORDER-2", "active", 1),
    ]
    assert await held(ctx, HOLD) == {HOLD: 0}
    # A drained hold holds nothing: releasing it gives nothing back to free stock.
    async with unit_of_work(ctx.sessionmaker) as s:
        assert await inventory.release(s, ref=HOLD, reason="campaign ended") == 0
    assert await level(ctx) == (100, 2, 98)
    # A cancelled order hands its unit back: the hold comes back to life with exactly that unit.
    await transfer(ctx, "ORDER-2", HOLD, 1)
    assert await rows(ctx) == [
        (HOLD, "active", 1),
        ("ORDER-1", "active", 1),
        ("ORDER-2", "released", 1),
    ]
    assert await level(ctx) == (100, 2, 98)
    # The order's reservation is now empty: paying it late cannot sell the unit twice.
    async with unit_of_work(ctx.sessionmaker) as s:
        with pytest.raises(inventory.ReservationReleased):
            await inventory.commit(s, ref="ORDER-2")
    # Selling the other order and ending the campaign leave exactly the sold unit gone.
    async with unit_of_work(ctx.sessionmaker) as s:
        assert await inventory.commit(s, ref="ORDER-1") == 1
        assert await inventory.release(s, ref=HOLD, reason="campaign ended") == 1
    assert await level(ctx) == (99, 0, 99)
    async with ctx.sessionmaker() as s:
        sums = (
            await s.execute(
                select(
                    func.sum(LedgerEntryRow.delta_on_hand), func.sum(LedgerEntryRow.delta_reserved)
                )
            )
        ).one()
    assert tuple(sums) == (99, 0)


async def test_short_or_missing_hold_changes_nothing(ctx: AppContext) -> None:
    await arrange(ctx, hold=2)
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(inventory.InsufficientStock) as err:
            await inventory.transfer_reservation(
                s, from_ref=HOLD, to_ref="ORDER-1", sku_id=7, quantity=3
            )
        assert (err.value.code, err.value.requested, err.value.available) == (
            "inventory.insufficient",
            3,
            2,
        )
        with pytest.raises(inventory.InsufficientStock) as err:
            await inventory.transfer_reservation(
                s, from_ref="flash:9:7", to_ref="ORDER-1", sku_id=7, quantity=1
            )
        assert err.value.available == 0
        await s.commit()
    assert await snapshot(ctx) == before


async def test_committed_target_and_bad_input_are_refused(ctx: AppContext) -> None:
    await arrange(ctx)
    await transfer(ctx, HOLD, "ORDER-1", 1)
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.commit(s, ref="ORDER-1")
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(inventory.ReservationExists) as exists:
            await inventory.transfer_reservation(
                s, from_ref=HOLD, to_ref="ORDER-1", sku_id=7, quantity=1
            )
        assert exists.value.code == "inventory.reservation_exists"
        with pytest.raises(inventory.InvalidRef):
            await inventory.transfer_reservation(
                s, from_ref=HOLD, to_ref=HOLD, sku_id=7, quantity=1
            )
        with pytest.raises(inventory.InvalidRef):
            await inventory.transfer_reservation(s, from_ref=" ", to_ref="X", sku_id=7, quantity=1)
        for quantity in (0, -1, 10_000_001):
            with pytest.raises(inventory.InvalidQuantity):
                await inventory.transfer_reservation(
                    s, from_ref=HOLD, to_ref="ORDER-2", sku_id=7, quantity=quantity
                )
        await s.commit()
    assert await snapshot(ctx) == before


async def test_concurrent_transfers_never_take_more_than_the_hold(
    ctx: AppContext, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    await arrange(ctx, hold=10)
    engine = create_engine(ctx.settings.resolved_database_url, pool_size=30, max_overflow=0)
    sessionmaker = create_sessionmaker(engine)
    start = asyncio.Event()

    async def order(i: int) -> str:
        await start.wait()
        try:
            async with unit_of_work(sessionmaker) as s:
                await inventory.transfer_reservation(
                    s, from_ref=HOLD, to_ref=f"ORDER-{i}", sku_id=7, quantity=1
                )
        except inventory.InsufficientStock:
            return "short"
        return "moved"

    async def cancel(i: int) -> str:
        # Orders handing units back while others take them: the hold never goes wrong.
        await start.wait()
        async with unit_of_work(sessionmaker) as s:
            await inventory.transfer_reservation(
                s, from_ref=f"BACK-{i}", to_ref=HOLD, sku_id=7, quantity=1
            )
        return "returned"

    async with unit_of_work(ctx.sessionmaker) as s:
        for i in range(5):
            await inventory.transfer_reservation(
                s, from_ref=HOLD, to_ref=f"BACK-{i}", sku_id=7, quantity=1
            )
    try:
        tasks = [asyncio.create_task(order(i)) for i in range(40)]
        tasks += [asyncio.create_task(cancel(i)) for i in range(5)]
        start.set()
        outcomes = Counter(await asyncio.gather(*tasks))
    finally:
        await engine.dispose()
    # 5 units were in the hold and 5 came back while the orders raced: orders that ran before a
    # unit came back found the hold short, so every unit is either in an order or in the hold.
    moved = outcomes["moved"]
    assert outcomes["returned"] == 5
    assert moved + outcomes["short"] == 40
    assert 5 <= moved <= 10
    assert await held(ctx, HOLD) == {HOLD: 10 - moved}
    assert await level(ctx) == (100, 10, 90)
    async with ctx.sessionmaker() as s:
        active = (
            await s.execute(
                select(func.sum(Reservation.quantity)).where(Reservation.status == "active")
            )
        ).scalar_one()
    assert active == 10
