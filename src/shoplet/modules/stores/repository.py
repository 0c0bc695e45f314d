"""All of stores' SQL. The pickup verify is one conditional UPDATE (``awaiting`` ->
``picked_up``): of any number of concurrent verifies of one code, exactly one gets a row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.stores.geo import Box
from shoplet.modules.stores.models import Store, StoreOrder


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


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
    session: AsyncSession, *, row_id: int, staff_id: int, now: datetime
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
