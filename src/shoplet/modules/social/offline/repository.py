"""Every query of offline codes. Counters move by conditional SQL only: a visit or a conversion
row is inserted with ``ON CONFLICT DO NOTHING`` and the code's counter grows only when the
insert took; an attribution is replaced only when older than the window (one upsert)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.social.offline.models import (
    OfflineAttribution,
    OfflineCode,
    OfflineConversion,
    OfflineVisit,
)


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- codes -----------------------------------------------------------------------------------


async def insert_code(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """A new code, or None when (rarely) the drawn code is taken: the caller draws another."""
    result = await session.execute(
        _insert(session, OfflineCode)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(OfflineCode.id)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


async def get_code(session: AsyncSession, code_id: int) -> OfflineCode | None:
    stmt = select(OfflineCode).where(OfflineCode.id == code_id)
    return (await session.scalars(_fresh(stmt))).first()


async def get_code_by_scene(session: AsyncSession, scene: str) -> OfflineCode | None:
    stmt = select(OfflineCode).where(OfflineCode.code == scene)
    return (await session.scalars(_fresh(stmt))).first()


async def list_codes(
    session: AsyncSession, *, store_id: int | None, before_id: int | None, limit: int
) -> Sequence[OfflineCode]:
    """Newest first, keyset by id."""
    stmt = select(OfflineCode).order_by(OfflineCode.id.desc()).limit(limit)
    if store_id is not None:
        stmt = stmt.where(OfflineCode.store_id == store_id)
    if before_id is not None:
        stmt = stmt.where(OfflineCode.id < before_id)
    return (await session.scalars(stmt)).all()


async def set_active(
    session: AsyncSession, code_id: int, *, is_active: bool, now: datetime
) -> bool:
    result = await session.execute(
        update(OfflineCode)
        .where(OfflineCode.id == code_id)
        .values(is_active=is_active, updated_at=now)
        .returning(OfflineCode.id)
    )
    return result.scalar_one_or_none() is not None


async def count_scan(
    session: AsyncSession, code_id: int, *, new_visitor: bool, now: datetime
) -> None:
    """One scan more (and one visitor more for a first visit), only while the code is active."""
    await session.execute(
        update(OfflineCode)
        .where(OfflineCode.id == code_id, OfflineCode.is_active.is_(True))
        .values(
            scans=OfflineCode.scans + 1,
            visitors=OfflineCode.visitors + (1 if new_visitor else 0),
            updated_at=now,
        )
    )


async def count_order(session: AsyncSession, code_id: int, amount: int, now: datetime) -> None:
    await session.execute(
        update(OfflineCode)
        .where(OfflineCode.id == code_id)
        .values(
            orders=OfflineCode.orders + 1,
            order_amount=OfflineCode.order_amount + amount,
            updated_at=now,
        )
    )


async def by_store(session: AsyncSession) -> list[tuple[int | None, int, int, int, int, int]]:
    """(store id, codes, scans, visitors, orders, order amount) per store (None: no store)."""
    stmt = (
        select(
            OfflineCode.store_id,
            func.count(OfflineCode.id),
            func.coalesce(func.sum(OfflineCode.scans), 0),
            func.coalesce(func.sum(OfflineCode.visitors), 0),
            func.coalesce(func.sum(OfflineCode.orders), 0),
            func.coalesce(func.sum(OfflineCode.order_amount), 0),
        )
        .group_by(OfflineCode.store_id)
        .order_by(OfflineCode.store_id)
    )
    return [
        (
            int(s) if s is not None else None,
            int(n),
            int(scans),
            int(visitors),
            int(orders),
            int(amount),
        )
        for s, n, scans, visitors, orders, amount in (await session.execute(stmt)).all()
    ]


# -- visits and attribution ------------------------------------------------------------------


async def insert_visit(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The visitor's first scan of the code, or None when they scanned it before."""
    result = await session.execute(
        _insert(session, OfflineVisit)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["code_id", "visitor_key"])
        .returning(OfflineVisit.id)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


async def attribute(
    session: AsyncSession,
    *,
    visitor_member_id: int,
    code_id: int,
    now: datetime,
    stale_before: datetime,
) -> bool:
    """Make this code the one that brought the shopper, unless another did within the window.
    True when this call wrote it."""
    stmt = _insert(session, OfflineAttribution).values(
        visitor_member_id=visitor_member_id, code_id=code_id, attributed_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["visitor_member_id"],
        set_={"code_id": stmt.excluded.code_id, "attributed_at": stmt.excluded.attributed_at},
        where=OfflineAttribution.attributed_at < stale_before,
    ).returning(OfflineAttribution.visitor_member_id)
    result = await session.execute(stmt)
    return result.scalar_one_or_none() is not None


async def get_attribution(
    session: AsyncSession, visitor_member_id: int
) -> OfflineAttribution | None:
    stmt = select(OfflineAttribution).where(
        OfflineAttribution.visitor_member_id == visitor_member_id
    )
    return (await session.scalars(_fresh(stmt))).first()


async def insert_conversion(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The order's conversion, or None when it was counted already."""
    result = await session.execute(
        _insert(session, OfflineConversion)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["order_no"])
        .returning(OfflineConversion.id)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None
