"""Every inventory query. Stock changes are single conditional UPDATEs (never read-modify-write);
callers that touch several SKUs do so in ascending ``sku_id`` order so row locks never cycle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Insert,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.inventory.models import LedgerEntryRow, Reservation, Stock
from shoplet.modules.inventory.schemas import StockLevel


def _insert(session: AsyncSession, table: Any) -> Insert:
    """An INSERT that supports ``ON CONFLICT`` on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def get_levels(session: AsyncSession, sku_ids: Sequence[int]) -> dict[int, StockLevel]:
    if not sku_ids:
        return {}
    rows = await session.execute(
        select(Stock.sku_id, Stock.on_hand, Stock.reserved).where(
            Stock.sku_id.in_(sorted(set(sku_ids)))
        )
    )
    return {sku_id: StockLevel.of(sku_id, on_hand, reserved) for sku_id, on_hand, reserved in rows}


async def low_stock(
    session: AsyncSession, *, threshold: int, limit: int, above: int | None = None
) -> list[StockLevel]:
    available = Stock.on_hand - Stock.reserved
    stmt = select(Stock.sku_id, Stock.on_hand, Stock.reserved).where(available <= threshold)
    if above is not None:
        stmt = stmt.where(available > above)
    rows = await session.execute(stmt.order_by(available, Stock.sku_id).limit(limit))
    return [StockLevel.of(sku_id, on_hand, reserved) for sku_id, on_hand, reserved in rows]


async def get_level(session: AsyncSession, sku_id: int) -> StockLevel | None:
    return (await get_levels(session, [sku_id])).get(sku_id)


async def insert_stock_if_absent(
    session: AsyncSession, *, sku_id: int, on_hand: int, now: datetime
) -> bool:
    stmt = (
        _insert(session, Stock)
        .values(sku_id=sku_id, on_hand=on_hand, reserved=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=[Stock.sku_id])  # type: ignore[attr-defined]
        .returning(Stock.sku_id)
    )
    return (await session.execute(stmt)).first() is not None


# One multi-row INSERT per chunk: an import's batch of new SKUs is one round trip, not one per
# SKU, and the chunk keeps the statement under PostgreSQL's 32,767 bind parameters.
STOCK_INSERT_CHUNK = 1000


async def insert_stocks_if_absent(
    session: AsyncSession, on_hand: Sequence[tuple[int, int]], *, now: datetime
) -> set[int]:
    """Insert a stock row per ``(sku_id, on_hand)`` unless the SKU has one; the ids inserted."""
    inserted: set[int] = set()
    for start in range(0, len(on_hand), STOCK_INSERT_CHUNK):
        chunk = on_hand[start : start + STOCK_INSERT_CHUNK]
        stmt = (
            _insert(session, Stock)
            .values(
                [
                    {"sku_id": sku_id, "on_hand": n, "reserved": 0, "updated_at": now}
                    for sku_id, n in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=[Stock.sku_id])  # type: ignore[attr-defined]
            .returning(Stock.sku_id)
        )
        inserted.update(int(x) for x in (await session.execute(stmt)).scalars())
    return inserted


async def add_on_hand(
    session: AsyncSession, *, sku_id: int, delta: int, now: datetime
) -> tuple[int, int] | None:
    """on_hand += delta unless it would go below zero or below reserved; (on_hand, reserved)."""
    result = await session.execute(
        update(Stock)
        .where(
            Stock.sku_id == sku_id,
            Stock.on_hand + delta >= 0,
            Stock.on_hand + delta >= Stock.reserved,
        )
        .values(on_hand=Stock.on_hand + delta, updated_at=now)
        .returning(Stock.on_hand, Stock.reserved)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return (row[0], row[1]) if row else None


async def add_on_hands(
    session: AsyncSession, deltas: Mapping[int, int], *, now: datetime
) -> dict[int, tuple[int, int]]:
    """:func:`add_on_hand` for many SKUs in one statement (``sku_id -> delta``): each row changes
    only if it stays at or above zero and reserved; ``sku_id -> (on_hand, reserved)`` of the
    rows that changed."""
    if not deltas:
        return {}
    # Lock the rows in sku_id order first, as reservations take them one by one in that order:
    # a multi-row UPDATE alone locks in the order it scans (physical order), which could
    # deadlock against a reservation holding a higher SKU.
    await session.execute(
        select(Stock.sku_id)
        .where(Stock.sku_id.in_(list(deltas)))
        .order_by(Stock.sku_id)
        .with_for_update()
    )
    delta = case(deltas, value=Stock.sku_id, else_=0)
    result = await session.execute(
        update(Stock)
        .where(
            Stock.sku_id.in_(list(deltas)),
            Stock.on_hand + delta >= 0,
            Stock.on_hand + delta >= Stock.reserved,
        )
        .values(on_hand=Stock.on_hand + delta, updated_at=now)
        .returning(Stock.sku_id, Stock.on_hand, Stock.reserved)
        .execution_options(synchronize_session=False)
    )
    return {row[0]: (row[1], row[2]) for row in result}


async def reserve_units(
    session: AsyncSession,
    *,
    sku_id: int,
    quantity: int,
    ref: str,
    now: datetime,
    touch: bool,
) -> tuple[tuple[int, int], int | None] | None:
    """reserved += quantity only if that many are available, and its ``reserve`` ledger row:
    ``((on_hand, reserved) after, ledger row id or None)``, or None when short (nothing
    written).

    This is the statement that takes the SKU's row lock, so on PostgreSQL the ledger row is
    written by the same statement (a data-modifying CTE): the lock is then held for this one
    round trip and the commit, not for another INSERT in between. SQLite (one writer at a time
    anyway) has no data-modifying CTEs: the caller writes the ledger row (id None).
    ``touch`` sets ``updated_at`` too; callers leave it off for rows they may still have to
    undo, so an undo restores them exactly."""
    values: dict[str, Any] = {"reserved": Stock.reserved + quantity}
    if touch:
        values["updated_at"] = now
    stmt = (
        update(Stock)
        .where(Stock.sku_id == sku_id, Stock.on_hand - Stock.reserved >= quantity)
        .values(**values)
        .returning(Stock.on_hand, Stock.reserved)
        .execution_options(synchronize_session=False)
    )
    if session.get_bind().dialect.name != "postgresql":
        level = (await session.execute(stmt)).first()
        return ((level[0], level[1]), None) if level else None
    stock = stmt.cte("reserved_stock")
    ledger = (
        insert(LedgerEntryRow)
        .from_select(
            list(_LEDGER_COLUMNS),
            select(
                literal(sku_id, BigInteger),
                literal("reserve"),
                literal(0),
                literal(quantity),
                stock.c.on_hand,
                stock.c.reserved,
                literal(RESERVE_REASON),
                literal(ref),
                null(),
                literal(now, LedgerEntryRow.created_at.type),
            ).select_from(stock),
        )
        .returning(LedgerEntryRow.on_hand_after, LedgerEntryRow.reserved_after, LedgerEntryRow.id)
    )
    written = (await session.execute(ledger)).first()
    return ((written[0], written[1]), written[2]) if written else None


_LEDGER_COLUMNS = (
    "sku_id",
    "kind",
    "delta_on_hand",
    "delta_reserved",
    "on_hand_after",
    "reserved_after",
    "reason",
    "ref",
    "actor",
    "created_at",
)
# The ledger reason of a reservation (``service.reserve`` writes it on SQLite).
RESERVE_REASON = "reserved"


async def delete_ledger_rows(session: AsyncSession, ids: Sequence[int]) -> None:
    """Take back ledger rows written earlier in this same transaction, when a reservation that
    wrote them is undone before the commit (they were never visible to anyone else)."""
    if ids:
        await session.execute(delete(LedgerEntryRow).where(LedgerEntryRow.id.in_(sorted(ids))))


async def delete_reservations(session: AsyncSession, *, ref: str) -> None:
    """Undo :func:`insert_reservations` of ``ref`` inside the same transaction."""
    await session.execute(delete(Reservation).where(Reservation.ref == ref))


async def unreserve_units(session: AsyncSession, *, sku_id: int, quantity: int) -> None:
    """Undo :func:`reserve_units` inside the same transaction (the row is already locked by it)."""
    await session.execute(
        update(Stock)
        .where(Stock.sku_id == sku_id)
        .values(reserved=Stock.reserved - quantity)
        .execution_options(synchronize_session=False)
    )


async def touch(session: AsyncSession, sku_ids: Sequence[int], now: datetime) -> None:
    await session.execute(
        update(Stock)
        .where(Stock.sku_id.in_(sorted(sku_ids)))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def settle_units(
    session: AsyncSession, *, sku_id: int, delta_on_hand: int, delta_reserved: int, now: datetime
) -> tuple[int, int]:
    """Apply a release (0, -q) or a commit (-q, -q) of units this reference holds; the CHECK
    constraints guard the invariants, the reservation status transition guards double work."""
    result = await session.execute(
        update(Stock)
        .where(Stock.sku_id == sku_id)
        .values(
            on_hand=Stock.on_hand + delta_on_hand,
            reserved=Stock.reserved + delta_reserved,
            updated_at=now,
        )
        .returning(Stock.on_hand, Stock.reserved)
        .execution_options(synchronize_session=False)
    )
    row = result.one()
    return row[0], row[1]


async def ref_exists(session: AsyncSession, ref: str) -> bool:
    found = await session.execute(select(Reservation.id).where(Reservation.ref == ref).limit(1))
    return found.first() is not None


async def ref_statuses(session: AsyncSession, ref: str) -> set[str]:
    rows = await session.execute(
        select(Reservation.status).where(Reservation.ref == ref).distinct()
    )
    return set(rows.scalars())


async def insert_reservations(
    session: AsyncSession,
    *,
    ref: str,
    lines: Sequence[tuple[int, int]],
    expires_at: datetime,
    now: datetime,
) -> None:
    await session.execute(
        insert(Reservation),
        [
            {
                "ref": ref,
                "sku_id": sku_id,
                "quantity": quantity,
                "status": "active",
                "expires_at": expires_at,
                "created_at": now,
                "updated_at": now,
            }
            for sku_id, quantity in lines
        ],
    )


async def transition_reservations(
    session: AsyncSession, *, ref: str, to_status: str, now: datetime
) -> list[tuple[int, int]]:
    """active -> ``to_status`` for every line of ``ref``; returns the (sku_id, quantity) this call
    moved, sorted by sku_id. A concurrent second caller waits on the row locks, then finds no
    active line and gets ``[]``: exactly one caller does the stock work."""
    result = await session.execute(
        update(Reservation)
        .where(Reservation.ref == ref, Reservation.status == "active")
        .values(status=to_status, updated_at=now)
        .returning(Reservation.sku_id, Reservation.quantity)
        .execution_options(synchronize_session=False)
    )
    return sorted((row[0], row[1]) for row in result)


async def insert_ledger(session: AsyncSession, entries: Sequence[dict[str, Any]]) -> None:
    if entries:
        await session.execute(insert(LedgerEntryRow), list(entries))


async def restock_recorded(session: AsyncSession, *, sku_id: int, ref: str) -> bool:
    found = await session.execute(
        select(LedgerEntryRow.id)
        .where(
            LedgerEntryRow.sku_id == sku_id,
            LedgerEntryRow.ref == ref,
            LedgerEntryRow.kind == "restock",
        )
        .limit(1)
    )
    return found.first() is not None


async def list_ledger(
    session: AsyncSession, *, sku_id: int, before_id: int | None, limit: int
) -> list[LedgerEntryRow]:
    stmt = select(LedgerEntryRow).where(LedgerEntryRow.sku_id == sku_id)
    if before_id is not None:
        stmt = stmt.where(LedgerEntryRow.id < before_id)
    stmt = stmt.order_by(LedgerEntryRow.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def expired_refs(session: AsyncSession, *, now: datetime, limit: int) -> list[str]:
    rows = await session.execute(
        select(Reservation.ref)
        .where(Reservation.status == "active", Reservation.expires_at <= now)
        .group_by(Reservation.ref)
        .order_by(func.min(Reservation.expires_at), Reservation.ref)
        .limit(limit)
    )
    return list(rows.scalars())


# -- transfers between reservations (flash sales: campaign hold <-> order) ------------------


async def take_from_reservation(
    session: AsyncSession, *, ref: str, sku_id: int, quantity: int, now: datetime
) -> tuple[int, datetime] | None:
    """Take ``quantity`` units out of the active reservation ``(ref, sku_id)`` if it holds that
    many: one conditional UPDATE. Returns (units left in it, its ``expires_at``) or None.

    A row cannot hold 0 units (CHECK ``quantity > 0``): taking everything marks it ``released``
    with its last quantity, which is how a drained hold looks; adding to it reactivates it."""
    drained = Reservation.quantity == quantity
    result = await session.execute(
        update(Reservation)
        .where(
            Reservation.ref == ref,
            Reservation.sku_id == sku_id,
            Reservation.status == "active",
            Reservation.quantity >= quantity,
        )
        .values(
            quantity=case((drained, Reservation.quantity), else_=Reservation.quantity - quantity),
            status=case((drained, "released"), else_=Reservation.status),
            updated_at=now,
        )
        .returning(Reservation.quantity, Reservation.status, Reservation.expires_at)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    if row is None:
        return None
    left = 0 if row[1] == "released" else int(row[0])
    return left, row[2]


async def add_to_reservation(
    session: AsyncSession, *, ref: str, sku_id: int, quantity: int, now: datetime
) -> bool:
    """Add units to the reservation ``(ref, sku_id)`` unless it was committed (sold): an active
    row grows, a released (drained) one becomes active again with exactly these units. False
    when there is no such row, or it is committed."""
    result = await session.execute(
        update(Reservation)
        .where(
            Reservation.ref == ref,
            Reservation.sku_id == sku_id,
            Reservation.status != "committed",
        )
        .values(
            quantity=case(
                (Reservation.status == "active", Reservation.quantity + quantity),
                else_=quantity,
            ),
            status="active",
            updated_at=now,
        )
        .returning(Reservation.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def reservation_status(session: AsyncSession, *, ref: str, sku_id: int) -> str | None:
    found = await session.execute(
        select(Reservation.status).where(Reservation.ref == ref, Reservation.sku_id == sku_id)
    )
    return found.scalar_one_or_none()


async def held_quantity(session: AsyncSession, *, ref: str, sku_id: int) -> int:
    """Units the active reservation ``(ref, sku_id)`` holds; 0 when it is not active."""
    found = await session.execute(
        select(Reservation.quantity).where(
            Reservation.ref == ref, Reservation.sku_id == sku_id, Reservation.status == "active"
        )
    )
    return int(found.scalar_one_or_none() or 0)


async def held_by_refs(session: AsyncSession, refs: Sequence[str]) -> dict[str, dict[int, int]]:
    """``{ref: {sku_id: units}}`` of the active reservations of ``refs`` (absent: none)."""
    if not refs:
        return {}
    found = await session.execute(
        select(Reservation.ref, Reservation.sku_id, Reservation.quantity).where(
            Reservation.ref.in_(list(refs)), Reservation.status == "active"
        )
    )
    held: dict[str, dict[int, int]] = {}
    for ref, sku_id, quantity in found.all():
        held.setdefault(ref, {})[int(sku_id)] = int(quantity)
    return held


async def touch_level(session: AsyncSession, *, sku_id: int, now: datetime) -> tuple[int, int]:
    """Lock the stock row (ledger rows written under it see a consistent level) and return
    (on_hand, reserved)."""
    result = await session.execute(
        update(Stock)
        .where(Stock.sku_id == sku_id)
        .values(updated_at=now)
        .returning(Stock.on_hand, Stock.reserved)
        .execution_options(synchronize_session=False)
    )
    row = result.one()
    return row[0], row[1]


async def count_out_of_stock(session: AsyncSession) -> int:
    """SKUs with nothing left to sell (available = on hand - reserved = 0)."""
    found = await session.scalar(
        select(func.count()).select_from(Stock).where(Stock.on_hand - Stock.reserved <= 0)
    )
    return int(found or 0)


async def count_low_stock(session: AsyncSession, threshold: int) -> int:
    """SKUs with some stock left to sell but at most ``threshold``."""
    available = Stock.on_hand - Stock.reserved
    found = await session.scalar(
        select(func.count()).select_from(Stock).where(available > 0, available <= threshold)
    )
    return int(found or 0)
