"""All of stores' SQL. The pickup verify is one conditional UPDATE (``awaiting`` ->
``picked_up``): of any number of concurrent verifies of one code, exactly one gets a row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.stores.geo import Box
from shoplet.modules.stores.models import (
    Store,
    StoreBooking,
    StoreOrder,
    StorePrice,
    StoreService,
    StoreSlot,
)


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# The predicate of ``uq_stores_booking_live`` (one live booking per shopper and slot), spelled
# as the index spells it so that ON CONFLICT can name that index as its arbiter.
_LIVE_BOOKING = text("status <> 'cancelled'")


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


async def insert_store(session: AsyncSession, values: Mapping[str, Any]) -> Store:
    store = Store(**values)
    session.add(store)
    await session.flush()
    return store


async def get_store(session: AsyncSession, store_id: int) -> Store | None:
    found = await session.execute(_fresh(select(Store).where(Store.id == store_id)))
    return found.scalar_one_or_none()


async def store_names(session: AsyncSession, store_ids: Sequence[int]) -> dict[int, str]:
    if not store_ids:
        return {}
    rows = await session.execute(select(Store.id, Store.name).where(Store.id.in_(store_ids)))
    return {int(i): str(n) for i, n in rows.all()}


async def active_store_names(session: AsyncSession) -> dict[int, str]:
    rows = await session.execute(
        select(Store.id, Store.name).where(Store.is_active.is_(True)).order_by(Store.id)
    )
    return {int(i): str(n) for i, n in rows.all()}


async def update_store(session: AsyncSession, store_id: int, values: Mapping[str, Any]) -> bool:
    result = await session.execute(
        update(Store).where(Store.id == store_id).values(**values).returning(Store.id)
    )
    return result.scalar_one_or_none() is not None


async def list_stores(session: AsyncSession, *, after_id: int | None, limit: int) -> list[Store]:
    stmt = select(Store).order_by(Store.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(Store.id > after_id)
    return list((await session.execute(_fresh(stmt))).scalars())


async def stores_in_box(session: AsyncSession, box: Box, *, limit: int) -> list[Store]:
    """Active stores inside the box (``ix_stores_store_lat_e6_lng_e6``); distance comes after."""
    stmt = (
        select(Store)
        .where(
            Store.is_active.is_(True),
            Store.lat_e6.between(box.lat_min, box.lat_max),
            Store.lng_e6.between(box.lng_min, box.lng_max),
        )
        .order_by(Store.id)
        .limit(limit)
    )
    return list((await session.execute(_fresh(stmt))).scalars())


async def insert_store_order(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    """False when the code is already awaited elsewhere (the caller draws another)."""
    result = await session.execute(
        _insert(session, StoreOrder)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(StoreOrder.id)
    )
    return result.scalar_one_or_none() is not None


async def store_order(session: AsyncSession, order_no: str) -> StoreOrder | None:
    found = await session.execute(_fresh(select(StoreOrder).where(StoreOrder.order_no == order_no)))
    return found.scalar_one_or_none()


async def awaiting_by_code(session: AsyncSession, code: str) -> StoreOrder | None:
    found = await session.execute(
        _fresh(
            select(StoreOrder).where(
                StoreOrder.code == code,
                StoreOrder.status == "awaiting",
                StoreOrder.method == "pickup",
            )
        )
    )
    return found.scalar_one_or_none()


async def mark_picked_up(
    session: AsyncSession, *, row_id: int, staff_id: int | None, now: datetime
) -> bool:
    """``awaiting`` -> ``picked_up``; False when another verify got there first."""
    result = await session.execute(
        update(StoreOrder)
        .where(StoreOrder.id == row_id, StoreOrder.status == "awaiting")
        .values(status="picked_up", picked_up_at=now, picked_up_by=staff_id)
        .returning(StoreOrder.id)
    )
    return result.scalar_one_or_none() is not None


async def cancel_awaiting(session: AsyncSession, order_no: str) -> None:
    await session.execute(
        update(StoreOrder)
        .where(StoreOrder.order_no == order_no, StoreOrder.status == "awaiting")
        .values(status="cancelled")
    )


# -- appointments ----------------------------------------------------------------------------


async def add(session: AsyncSession, row: Any) -> None:
    session.add(row)
    await session.flush()


async def get_service(session: AsyncSession, service_id: int) -> StoreService | None:
    return await session.get(StoreService, service_id)


async def get_slot(session: AsyncSession, slot_id: int) -> StoreSlot | None:
    return await session.get(StoreSlot, slot_id, populate_existing=True)


async def services_with_slots(
    session: AsyncSession, store_id: int, *, since: datetime, until: datetime
) -> list[tuple[StoreService, list[StoreSlot]]]:
    services = list(
        await session.scalars(
            select(StoreService)
            .where(StoreService.store_id == store_id, StoreService.is_active)
            .order_by(StoreService.id)
        )
    )
    slots = list(
        await session.scalars(
            select(StoreSlot)
            .where(
                StoreSlot.store_id == store_id,
                StoreSlot.starts_at >= since,
                StoreSlot.starts_at < until,
            )
            .order_by(StoreSlot.starts_at, StoreSlot.id)
        )
    )
    return [(s, [slot for slot in slots if slot.service_id == s.id]) for s in services]


async def insert_slot(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The new slot's id, or ``None`` when the service already has a slot at that time (one
    ``INSERT … ON CONFLICT DO NOTHING`` on ``(service_id, starts_at)``)."""
    result = await session.execute(
        _insert(session, StoreSlot)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[StoreSlot.service_id, StoreSlot.starts_at])
        .returning(StoreSlot.id)
    )
    return result.scalar_one_or_none()


async def claim_seat(session: AsyncSession, slot_id: int, *, now: datetime) -> bool:
    """One seat of a slot that has not started, if one is left: the single conditional UPDATE
    that decides who gets the last seat."""
    result = await session.execute(
        update(StoreSlot)
        .where(
            StoreSlot.id == slot_id,
            StoreSlot.booked < StoreSlot.capacity,
            StoreSlot.starts_at > now,
        )
        .values(booked=StoreSlot.booked + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_seat(session: AsyncSession, slot_id: int) -> None:
    await session.execute(
        update(StoreSlot)
        .where(StoreSlot.id == slot_id, StoreSlot.booked > 0)
        .values(booked=StoreSlot.booked - 1)
    )


async def has_live_booking(session: AsyncSession, slot_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(StoreBooking.id).where(
            StoreBooking.slot_id == slot_id,
            StoreBooking.member_id == member_id,
            StoreBooking.status != "cancelled",
        )
    )
    return found is not None


async def insert_booking(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The new booking's id, or ``None`` when the shopper already holds a live booking of the
    slot: one ``INSERT … ON CONFLICT DO NOTHING`` on the partial unique index, so of two
    bookings by one shopper at once exactly one is inserted (the other waits for it)."""
    result = await session.execute(
        _insert(session, StoreBooking)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[StoreBooking.slot_id, StoreBooking.member_id],
            index_where=_LIVE_BOOKING,
        )
        .returning(StoreBooking.id)
    )
    return result.scalar_one_or_none()


async def close_booking(
    session: AsyncSession,
    booking_id: int,
    *,
    to_status: str,
    values: dict[str, Any],
    member_id: int | None = None,
    store_id: int | None = None,
) -> StoreBooking | None:
    """``booked -> to_status`` if still booked (and the shopper's / the store's): the row, or
    None for the loser of two closes at once."""
    query = update(StoreBooking).where(
        StoreBooking.id == booking_id, StoreBooking.status == "booked"
    )
    if member_id is not None:
        query = query.where(StoreBooking.member_id == member_id)
    if store_id is not None:
        query = query.where(StoreBooking.store_id == store_id)
    result = await session.execute(
        query.values(status=to_status, **values).returning(StoreBooking.id)
    )
    if result.scalar_one_or_none() is None:
        return None
    return await session.get(StoreBooking, booking_id, populate_existing=True)


async def get_booking(session: AsyncSession, booking_id: int) -> StoreBooking | None:
    return await session.get(StoreBooking, booking_id, populate_existing=True)


async def bookings(
    session: AsyncSession,
    *,
    member_id: int | None = None,
    store_id: int | None = None,
    before_id: int | None,
    limit: int,
) -> list[tuple[StoreBooking, StoreSlot, StoreService, Store]]:
    query = (
        select(StoreBooking, StoreSlot, StoreService, Store)
        .join(StoreSlot, StoreSlot.id == StoreBooking.slot_id)
        .join(StoreService, StoreService.id == StoreSlot.service_id)
        .join(Store, Store.id == StoreBooking.store_id)
        .order_by(StoreBooking.id.desc())
        .limit(limit)
    )
    if member_id is not None:
        query = query.where(StoreBooking.member_id == member_id)
    if store_id is not None:
        query = query.where(StoreBooking.store_id == store_id)
    if before_id is not None:
        query = query.where(StoreBooking.id < before_id)
    return [(b, sl, sv, st) for b, sl, sv, st in (await session.execute(query)).all()]


def store_order_facts() -> Any:
    """A subquery, one row per order recorded against a store: ``order_no``, ``store_id``,
    ``store_name``, ``method`` (pickup, same_city, scan). ``order_no`` is unique here."""
    return (
        select(
            StoreOrder.order_no,
            StoreOrder.store_id,
            Store.name.label("store_name"),
            StoreOrder.method,
        )
        .join(Store, Store.id == StoreOrder.store_id)
        .subquery("store_order_facts")
    )


async def store_workload(
    session: AsyncSession, store_id: int, *, since: datetime, until: datetime
) -> tuple[int, int, int]:
    """What waits at a store: pickups still awaited, and the bookings (not cancelled) and
    check-ins of slots starting in ``[since, until)`` (a shop day)."""
    awaited = select(func.count()).where(
        StoreOrder.store_id == store_id,
        StoreOrder.method == "pickup",
        StoreOrder.status == "awaiting",
    )
    day = (
        select(
            func.count(),
            func.coalesce(func.sum(case((StoreBooking.status == "checked_in", 1), else_=0)), 0),
        )
        .select_from(StoreBooking)
        .join(StoreSlot, StoreSlot.id == StoreBooking.slot_id)
        .where(
            StoreBooking.store_id == store_id,
            StoreBooking.status != "cancelled",
            StoreSlot.starts_at >= since,
            StoreSlot.starts_at < until,
        )
    )
    pickups = int(await session.scalar(awaited) or 0)
    booked, checked_in = (await session.execute(day)).one()
    return pickups, int(booked), int(checked_in)


# -- account merge (members' merge hook) ----------------------------------------------------
#
# Members' account merge hook of stores: pickup / same-city orders follow their orders, and
# appointments follow the shopper. A slot both accounts hold a live booking for keeps the
# survivor's booking; the absorbed account's is cancelled and its seat given back to the slot
# (one shopper comes once), then every booking moves.

MERGED_COLUMNS = (StoreOrder.member_id, StoreBooking.member_id)
MERGED_TABLES = merge.table_columns(MERGED_COLUMNS)
LIVE = ("booked", "checked_in")


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction (see the module docstring). Returns the rows moved."""
    now = merge.merge_now(session)
    moved = await merge.reassign(session, StoreOrder.member_id, from_id, into_id)
    freed: list[int] = []
    # The booking to cancel is a not-yet-used one: the absorbed account's, unless only the
    # survivor's is still ``booked`` (the absorbed one was checked in already).
    for cancel, keep in ((from_id, into_id), (into_id, from_id)):
        kept_slots = select(StoreBooking.slot_id).where(
            StoreBooking.member_id == keep, StoreBooking.status.in_(LIVE)
        )
        doubled = await session.execute(
            update(StoreBooking)
            .where(
                StoreBooking.member_id == cancel,
                StoreBooking.status == "booked",
                StoreBooking.slot_id.in_(kept_slots),
            )
            .values(status="cancelled", cancelled_at=now)
            .returning(StoreBooking.slot_id)
            .execution_options(synchronize_session=False)
        )
        freed += doubled.scalars().all()
    for slot_id in sorted(freed):
        await session.execute(
            update(StoreSlot)
            .where(StoreSlot.id == slot_id, StoreSlot.booked > 0)
            .values(booked=StoreSlot.booked - 1)
        )
    return moved + await merge.reassign(session, StoreBooking.member_id, from_id, into_id)


# -- 门店价 --------------------------------------------------------------------------------

# SQLite binds at most 32766 parameters per statement; 7 per row keeps a batch well under it.
PRICE_BATCH = 1_000


async def current_prices(
    session: AsyncSession, store_id: int, sku_ids: Sequence[int], *, now: datetime
) -> dict[int, int]:
    """{sku_id: fen} of the store's prices whose window holds at ``now``: one query for a whole
    cart, on the unique (store_id, sku_id) index."""
    if not sku_ids:
        return {}
    rows = await session.execute(
        select(StorePrice.sku_id, StorePrice.price).where(
            StorePrice.store_id == store_id,
            StorePrice.sku_id.in_(sorted(set(sku_ids))),
            or_(StorePrice.starts_at.is_(None), StorePrice.starts_at <= now),
            or_(StorePrice.ends_at.is_(None), StorePrice.ends_at > now),
        )
    )
    return dict(list(rows.tuples()))


async def store_prices(
    session: AsyncSession, store_id: int, *, after_sku_id: int | None, limit: int
) -> list[StorePrice]:
    """A store's prices by SKU id (keyset)."""
    stmt = select(StorePrice).where(StorePrice.store_id == store_id)
    if after_sku_id is not None:
        stmt = stmt.where(StorePrice.sku_id > after_sku_id)
    return list(await session.scalars(stmt.order_by(StorePrice.sku_id).limit(limit)))


async def get_price(session: AsyncSession, store_id: int, sku_id: int) -> StorePrice | None:
    stmt = select(StorePrice).where(StorePrice.store_id == store_id, StorePrice.sku_id == sku_id)
    row: StorePrice | None = await session.scalar(_fresh(stmt))
    return row


async def priced_skus(session: AsyncSession, store_id: int, sku_ids: Sequence[int]) -> set[int]:
    """Which of ``sku_ids`` the store already prices."""
    if not sku_ids:
        return set()
    found = await session.scalars(
        select(StorePrice.sku_id).where(
            StorePrice.store_id == store_id, StorePrice.sku_id.in_(sorted(set(sku_ids)))
        )
    )
    return set(found)


async def upsert_prices(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert or replace each (store_id, sku_id)'s price in one statement per batch (``ON
    CONFLICT`` on the unique pair: two writers of one SKU never make two rows)."""
    for start in range(0, len(rows), PRICE_BATCH):
        stmt = _insert(session, StorePrice).values(list(rows[start : start + PRICE_BATCH]))
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["store_id", "sku_id"],
                set_={
                    "price": stmt.excluded.price,
                    "starts_at": stmt.excluded.starts_at,
                    "ends_at": stmt.excluded.ends_at,
                    "updated_at": stmt.excluded.updated_at,
                },
            )
        )


async def delete_price(session: AsyncSession, store_id: int, sku_id: int) -> bool:
    result = await session.execute(
        delete(StorePrice).where(StorePrice.store_id == store_id, StorePrice.sku_id == sku_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
