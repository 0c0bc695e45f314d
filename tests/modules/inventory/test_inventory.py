from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.events import OutboxEvent
from shoplet.core.pagination import InvalidCursor
from shoplet.modules.inventory import public as inventory
from shoplet.modules.inventory.models import LedgerEntryRow, Reservation, Stock
from tests.conftest import in_app_background, snapshot


async def make_stock(ctx: AppContext, levels: dict[int, int]) -> None:
    async with ctx.sessionmaker() as s:
        for sku_id, on_hand in levels.items():
            await inventory.set_initial_stock(s, sku_id=sku_id, on_hand=on_hand, actor="test")
        await s.commit()


async def levels_of(ctx: AppContext, *sku_ids: int) -> dict[int, tuple[int, int, int]]:
    async with ctx.sessionmaker() as s:
        levels = await inventory.get_levels(s, sku_ids)
    return {k: (v.on_hand, v.reserved, v.available) for k, v in levels.items()}


async def reserve(ctx: AppContext, ref: str, lines: list[tuple[int, int]], ttl: int = 900) -> None:
    async with ctx.sessionmaker() as s:
        await inventory.reserve(
            s, ref=ref, lines=lines, expires_at=utcnow() + timedelta(seconds=ttl)
        )
        await s.commit()


async def ledger_rows(ctx: AppContext, sku_id: int) -> list[tuple[str, int, int, int, int]]:
    async with ctx.sessionmaker() as s:
        rows = await s.execute(
            select(LedgerEntryRow)
            .where(LedgerEntryRow.sku_id == sku_id)
            .order_by(LedgerEntryRow.id)
        )
        return [
            (r.kind, r.delta_on_hand, r.delta_reserved, r.on_hand_after, r.reserved_after)
            for r in rows.scalars()
        ]


async def test_initial_stock_and_levels(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 10, 2: 0})
    assert await levels_of(ctx, 1, 2, 3) == {1: (10, 0, 10), 2: (0, 0, 0)}
    assert await ledger_rows(ctx, 1) == [("initial", 10, 0, 10, 0)]


async def test_initial_stock_twice_is_refused(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 10})
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(inventory.StockExists) as err:
            await inventory.set_initial_stock(s, sku_id=1, on_hand=5, actor="test")
        assert err.value.code == "inventory.stock_exists"
        await s.commit()
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("on_hand", [-1, 10_000_001])
async def test_initial_stock_out_of_range(ctx: AppContext, on_hand: int) -> None:
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(inventory.InvalidQuantity):
            await inventory.set_initial_stock(s, sku_id=1, on_hand=on_hand, actor="test")
        await s.commit()
    assert await snapshot(ctx) == before


async def test_adjust_stock_up_and_down(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 10})
    async with ctx.sessionmaker() as s:
        level = await inventory.adjust_stock(s, sku_id=1, delta=5, reason="delivery", actor="ann")
        assert level == inventory.StockLevel(sku_id=1, on_hand=15, reserved=0, available=15)
        level = await inventory.adjust_stock(s, sku_id=1, delta=-15, reason="damaged", actor="ann")
        assert level.on_hand == 0
        await s.commit()
    assert await ledger_rows(ctx, 1) == [
        ("initial", 10, 0, 10, 0),
        ("adjust", 5, 0, 15, 0),
        ("adjust", -15, 0, 0, 0),
    ]
    async with ctx.sessionmaker() as s:
        entries, _ = await inventory.list_ledger(s, sku_id=1, cursor=None, limit=1)
    assert (entries[0].reason, entries[0].actor) == ("damaged", "ann")


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        ((1, -11, "stock take"), inventory.NegativeStock, "inventory.negative"),
        ((1, -8, "stock take"), inventory.BelowReserved, "inventory.below_reserved"),
        ((1, 3, "   "), inventory.ReasonRequired, "inventory.reason_required"),
        ((1, 0, "nothing"), inventory.InvalidQuantity, "inventory.invalid_quantity"),
        ((99, 3, "delivery"), inventory.StockNotFound, "inventory.stock_not_found"),
    ],
)
async def test_adjust_stock_refusals_change_nothing(
    ctx: AppContext, change: tuple[int, int, str], error: type[Exception], code: str
) -> None:
    sku_id, delta, reason = change
    await make_stock(ctx, {1: 10})
    await reserve(ctx, "O1", [(1, 4)])
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(error) as err:
            await inventory.adjust_stock(s, sku_id=sku_id, delta=delta, reason=reason, actor="a")
        assert getattr(err.value, "code", None) == code
        await s.commit()  # even a caller that commits after the error stored nothing
    assert await snapshot(ctx) == before


async def test_adjust_stocks_in_one_batch(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 10, 2: 5, 3: 0})
    async with ctx.sessionmaker() as s:
        levels = await inventory.adjust_stocks(
            s, {3: 7, 1: -4, 2: 1}, reason="导入", actor="cli:a.csv"
        )
        await s.commit()
    assert [(lv.sku_id, lv.on_hand) for lv in levels] == [(1, 6), (2, 6), (3, 7)]
    assert await levels_of(ctx, 1, 2, 3) == {1: (6, 0, 6), 2: (6, 0, 6), 3: (7, 0, 7)}
    assert (await ledger_rows(ctx, 1))[-1] == ("adjust", -4, 0, 6, 0)
    assert (await ledger_rows(ctx, 3))[-1] == ("adjust", 7, 0, 7, 0)
    async with ctx.sessionmaker() as s:
        assert await inventory.adjust_stocks(s, {}, reason="导入", actor="a") == []


@pytest.mark.parametrize(
    ("deltas", "error", "code"),
    [
        ({1: 2, 2: -6}, inventory.NegativeStock, "inventory.negative"),
        ({1: -8, 2: -6}, inventory.BelowReserved, "inventory.below_reserved"),
        ({1: 2, 99: 3}, inventory.StockNotFound, "inventory.stock_not_found"),
        ({1: 2, 2: 0}, inventory.InvalidQuantity, "inventory.invalid_quantity"),
    ],
)
async def test_adjust_stocks_refusals_name_the_lowest_sku_and_roll_back(
    ctx: AppContext, deltas: dict[int, int], error: type[Exception], code: str
) -> None:
    await make_stock(ctx, {1: 10, 2: 5})
    await reserve(ctx, "O1", [(1, 4)])
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(error) as err:
            await inventory.adjust_stocks(s, deltas, reason="导入", actor="a")
        assert getattr(err.value, "code", None) == code
        await s.rollback()  # all or nothing: the caller's transaction rolls back
    assert await snapshot(ctx) == before


async def test_reserve_all_lines_and_ledger(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 10, 2: 5})
    await reserve(ctx, "O1", [(2, 2), (1, 3), (2, 1)])  # lines merge per SKU
    assert await levels_of(ctx, 1, 2) == {1: (10, 3, 7), 2: (5, 3, 2)}
    assert (await ledger_rows(ctx, 2))[-1] == ("reserve", 0, 3, 5, 3)
    async with ctx.sessionmaker() as s:
        rows = (await s.execute(select(Reservation).order_by(Reservation.sku_id))).scalars().all()
    assert [(r.ref, r.sku_id, r.quantity, r.status) for r in rows] == [
        ("O1", 1, 3, "active"),
        ("O1", 2, 3, "active"),
    ]


async def test_reserve_is_all_or_nothing(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 10, 2: 5, 3: 1})
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(inventory.InsufficientStock) as err:
            await inventory.reserve(
                s, ref="O1", lines=[(1, 2), (2, 6), (3, 1)], expires_at=utcnow()
            )
        assert err.value.code == "inventory.insufficient"
        assert (err.value.sku_id, err.value.requested, err.value.available) == (2, 6, 5)
        assert err.value.status == 409
        # Even committing after catching the error leaves SKU 1 untouched.
        await s.commit()
    assert await snapshot(ctx) == before


async def test_reserve_unknown_sku_is_insufficient(ctx: AppContext) -> None:
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(inventory.InsufficientStock) as err:
            await inventory.reserve(s, ref="O1", lines=[(42, 1)], expires_at=utcnow())
        assert (err.value.sku_id, err.value.available) == (42, 0)
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("ref", "lines", "error"),
    [
        ("O2", [], inventory.InvalidQuantity),
        ("O2", [(1, 0)], inventory.InvalidQuantity),
        ("O2", [(1, -1)], inventory.InvalidQuantity),
        ("", [(1, 1)], inventory.InvalidRef),
        ("x" * 65, [(1, 1)], inventory.InvalidRef),
        ("O1", [(1, 1)], inventory.ReservationExists),
    ],
)
async def test_reserve_rejects_bad_requests(
    ctx: AppContext, ref: str, lines: list[tuple[int, int]], error: type[Exception]
) -> None:
    await make_stock(ctx, {1: 10})
    await reserve(ctx, "O1", [(1, 1)])
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(error):
            await inventory.reserve(s, ref=ref, lines=lines, expires_at=utcnow())
        await s.commit()
    assert await snapshot(ctx) == before


async def test_release_is_idempotent(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 10, 2: 5})
    await reserve(ctx, "O1", [(1, 3), (2, 2)])
    async with ctx.sessionmaker() as s:
        assert await inventory.release(s, ref="O1", reason="cancelled") == 5
        assert await inventory.release(s, ref="O1", reason="cancelled") == 0
        await s.commit()
    async with ctx.sessionmaker() as s:
        assert await inventory.release(s, ref="O1", reason="cancelled") == 0
        assert await inventory.release(s, ref="never", reason="cancelled") == 0
        await s.commit()
    assert await levels_of(ctx, 1, 2) == {1: (10, 0, 10), 2: (5, 0, 5)}
    assert await ledger_rows(ctx, 1) == [
        ("initial", 10, 0, 10, 0),
        ("reserve", 0, 3, 10, 3),
        ("release", 0, -3, 10, 0),
    ]
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(inventory.ReservationReleased) as err:
            await inventory.commit(s, ref="O1")
        assert err.value.code == "inventory.reservation_released"
    assert await snapshot(ctx) == before


async def test_commit_is_idempotent(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 10, 2: 5})
    await reserve(ctx, "O1", [(1, 3), (2, 2)])
    async with ctx.sessionmaker() as s:
        assert await inventory.commit(s, ref="O1") == 5
        await s.commit()
    async with ctx.sessionmaker() as s:
        assert await inventory.commit(s, ref="O1") == 0
        assert await inventory.release(s, ref="O1", reason="too late") == 0
        await s.commit()
    assert await levels_of(ctx, 1, 2) == {1: (7, 0, 7), 2: (3, 0, 3)}
    assert (await ledger_rows(ctx, 2))[-1] == ("commit", -2, -2, 3, 0)


async def test_commit_unknown_ref(ctx: AppContext) -> None:
    async with ctx.sessionmaker() as s:
        with pytest.raises(inventory.ReservationNotFound) as err:
            await inventory.commit(s, ref="nope")
    assert err.value.status == 404


async def test_restock_is_idempotent_per_ref(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 10})
    await reserve(ctx, "O1", [(1, 4)])
    async with ctx.sessionmaker() as s:
        await inventory.commit(s, ref="O1")
        level = await inventory.restock(s, sku_id=1, quantity=2, ref="R1", reason="returned")
        assert level == inventory.StockLevel(sku_id=1, on_hand=8, reserved=0, available=8)
        again = await inventory.restock(s, sku_id=1, quantity=2, ref="R1", reason="returned")
        assert again == level
        level = await inventory.restock(s, sku_id=1, quantity=1, ref="R2", reason="returned")
        assert level.on_hand == 9
        await s.commit()
    assert [r[0] for r in await ledger_rows(ctx, 1)] == [
        "initial",
        "reserve",
        "commit",
        "restock",
        "restock",
    ]
    before = await snapshot(ctx)
    async with ctx.sessionmaker() as s:
        with pytest.raises(inventory.StockNotFound):
            await inventory.restock(s, sku_id=77, quantity=1, ref="R3", reason="returned")
        with pytest.raises(inventory.InvalidQuantity):
            await inventory.restock(s, sku_id=1, quantity=0, ref="R3", reason="returned")
        await s.commit()
    assert await snapshot(ctx) == before


async def test_ledger_sums_match_stock_and_pages(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 20})
    for i in range(5):
        await reserve(ctx, f"O{i}", [(1, i + 1)])
    async with ctx.sessionmaker() as s:
        await inventory.commit(s, ref="O0")
        await inventory.commit(s, ref="O1")
        await inventory.release(s, ref="O2", reason="cancelled")
        await inventory.adjust_stock(s, sku_id=1, delta=4, reason="delivery", actor="a")
        await inventory.restock(s, sku_id=1, quantity=1, ref="R0", reason="returned")
        await s.commit()
    # on_hand = 20 - 1 - 2 + 4 + 1, reserved = O3 (4) + O4 (5)
    assert await levels_of(ctx, 1) == {1: (22, 9, 13)}
    seen = []
    cursor = None
    async with ctx.sessionmaker() as s:
        while True:
            page, cursor = await inventory.list_ledger(s, sku_id=1, cursor=cursor, limit=3)
            seen.extend(page)
            if cursor is None:
                break
    assert len(seen) == 1 + 5 + 2 + 1 + 1 + 1
    assert [e.id for e in seen] == sorted((e.id for e in seen), reverse=True)
    assert sum(e.delta_on_hand for e in seen) == 22
    assert sum(e.delta_reserved for e in seen) == 9
    on_hand = reserved = 0
    for entry in reversed(seen):  # each row's "after" follows from the previous one
        on_hand += entry.delta_on_hand
        reserved += entry.delta_reserved
        assert (entry.on_hand_after, entry.reserved_after) == (on_hand, reserved)
    async with ctx.sessionmaker() as s:
        with pytest.raises(InvalidCursor):
            await inventory.list_ledger(s, sku_id=1, cursor="garbage!", limit=3)
        with pytest.raises(InvalidCursor):
            await inventory.list_ledger(s, sku_id=1, cursor="WyJ4Il0", limit=3)  # ["x"]


async def test_expired_reservations_are_released_by_the_job(ctx: AppContext) -> None:
    await make_stock(ctx, {1: 10, 2: 10})
    await reserve(ctx, "OLD1", [(1, 1), (2, 1)], ttl=-120)
    await reserve(ctx, "OLD2", [(1, 2)], ttl=-60)
    await reserve(ctx, "FRESH", [(2, 3)], ttl=600)
    await reserve(ctx, "PAID", [(1, 1)], ttl=-300)
    async with ctx.sessionmaker() as s:
        await inventory.commit(s, ref="PAID")  # committed holds are not expired
        await s.commit()
        assert await inventory.expired_reservation_refs(s, now=utcnow(), limit=10) == [
            "OLD1",
            "OLD2",
        ]
        assert await inventory.expired_reservation_refs(s, now=utcnow(), limit=1) == ["OLD1"]
    assert await inventory.release_expired_reservations(ctx.sessionmaker, batch=1) == 4
    assert await inventory.release_expired_reservations(ctx.sessionmaker) == 0
    assert await levels_of(ctx, 1, 2) == {1: (9, 0, 9), 2: (10, 3, 7)}
    async with ctx.sessionmaker() as s:
        reasons = (
            await s.execute(
                select(LedgerEntryRow.ref, LedgerEntryRow.reason)
                .where(LedgerEntryRow.kind == "release")
                .order_by(LedgerEntryRow.id)
            )
        ).all()
    assert [tuple(r) for r in reasons] == [
        ("OLD1", "expired"),
        ("OLD1", "expired"),
        ("OLD2", "expired"),
    ]


async def test_the_hot_row_is_locked_for_one_statement_before_the_commit(
    ctx: AppContext,
) -> None:
    """The conditional stock UPDATE takes the SKU's row lock: on PostgreSQL it is the last
    statement of a reservation (its ledger row is written by the same statement), so the lock
    is held for that round trip and the caller's commit only."""
    await make_stock(ctx, {1: 10})
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not in_app_background():  # the search index's own reads run beside the test
            statements.append(" ".join(statement.split()))

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", record)
    try:
        await reserve(ctx, "O1", [(1, 3)])
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", record)
    locking = [i for i, s in enumerate(statements) if "UPDATE inventory_stock" in s]
    assert len(locking) == 1
    after_lock = statements[locking[0] + 1 :]
    if ctx.engine.dialect.name == "postgresql":
        assert "INSERT INTO inventory_ledger" in statements[locking[0]]
        assert after_lock == []
    else:  # SQLite: one writer at a time, no data-modifying CTE; the ledger row follows
        assert [s.split(" (")[0] for s in after_lock] == ["INSERT INTO inventory_ledger"]
    assert await levels_of(ctx, 1) == {1: (10, 3, 7)}
    assert (await ledger_rows(ctx, 1))[-1] == ("reserve", 0, 3, 10, 3)
    async with ctx.sessionmaker() as s:
        row = (await s.execute(select(Stock).where(Stock.sku_id == 1))).scalar_one()
        ledger = (
            await s.execute(select(LedgerEntryRow).where(LedgerEntryRow.kind == "reserve"))
        ).scalar_one()
    assert row.updated_at == ledger.created_at
    assert (ledger.reason, ledger.ref, ledger.actor) == ("reserved", "O1", None)


async def test_a_sku_back_from_none_is_announced_once_per_change(ctx: AppContext) -> None:
    """``inventory.restocked`` names the SKUs whose sellable stock went from none to some: not a
    SKU's first stock, not more stock on top of some; one event for a batch."""

    async def announced() -> list[list[int]]:
        async with ctx.sessionmaker() as s:
            rows = await s.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.type == inventory.RESTOCKED)
                .order_by(OutboxEvent.id)
            )
            return [list(r.payload["sku_ids"]) for r in rows]

    await make_stock(ctx, {1: 0, 2: 0, 3: 4, 4: 0})
    await reserve(ctx, "S1", [(3, 4)])  # sku 3: all of it reserved, none sellable
    assert await announced() == []
    async with ctx.sessionmaker() as s:
        await inventory.adjust_stocks(s, {1: 5, 2: 1, 4: 1}, reason="到货", actor="test")
        await s.commit()
    assert await announced() == [[1, 2, 4]]
    async with ctx.sessionmaker() as s:
        await inventory.adjust_stock(s, sku_id=1, delta=3, reason="到货", actor="test")
        await inventory.release(s, ref="S1", reason="cancelled")
        await s.commit()
    assert await announced() == [[1, 2, 4], [3]]
