"""Every query of sharing. Counters move by conditional SQL only: a visit or a conversion row is
inserted with ``ON CONFLICT DO NOTHING`` and the link's counter grows only when the insert took;
an attribution is replaced only when it is older than the window (one conditional upsert)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.social.sharing.models import (
    ShareAttribution,
    ShareConversion,
    ShareLink,
    ShareVisit,
)


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- links -----------------------------------------------------------------------------------


async def insert_link(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """A new link, or None when the sharer has one for this target already (or, rarely, the
    code is taken: the caller draws another)."""
    result = await session.execute(
        _insert(session, ShareLink)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(ShareLink.id)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


async def get_link_of(
    session: AsyncSession, sharer_member_id: int, target_kind: str, target_ref: str
) -> ShareLink | None:
    stmt = select(ShareLink).where(
        ShareLink.sharer_member_id == sharer_member_id,
        ShareLink.target_kind == target_kind,
        ShareLink.target_ref == target_ref,
    )
    return (await session.scalars(_fresh(stmt))).first()


async def get_link_by_code(session: AsyncSession, code: str) -> ShareLink | None:
    stmt = select(ShareLink).where(ShareLink.code == code)
    return (await session.scalars(_fresh(stmt))).first()


async def get_link(session: AsyncSession, link_id: int) -> ShareLink | None:
    stmt = select(ShareLink).where(ShareLink.id == link_id)
    return (await session.scalars(_fresh(stmt))).first()


async def count_visit(session: AsyncSession, link_id: int, now: datetime) -> None:
    await session.execute(
        update(ShareLink)
        .where(ShareLink.id == link_id)
        .values(visits=ShareLink.visits + 1, updated_at=now)
    )


async def count_order(session: AsyncSession, link_id: int, amount: int, now: datetime) -> None:
    await session.execute(
        update(ShareLink)
        .where(ShareLink.id == link_id)
        .values(
            orders=ShareLink.orders + 1,
            order_amount=ShareLink.order_amount + amount,
            updated_at=now,
        )
    )


# -- visits and attribution ------------------------------------------------------------------


async def insert_visit(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The visitor's first visit through the link, or None when they came before."""
    result = await session.execute(
        _insert(session, ShareVisit)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["link_id", "visitor_key"])
        .returning(ShareVisit.id)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


async def claim_guest_visits(
    session: AsyncSession, *, visitor_key: str, member_id: int, since: datetime
) -> list[tuple[ShareLink, datetime]]:
    """A guest's visits since ``since`` become the member's (one conditional UPDATE: a visit is
    claimed once, whatever claims race), except through the member's own links. Returns the
    link and the time of each visit this call claimed, earliest first."""
    own = select(ShareLink.id).where(ShareLink.sharer_member_id == member_id)
    result = await session.execute(
        update(ShareVisit)
        .where(
            ShareVisit.visitor_key == visitor_key,
            ShareVisit.visitor_member_id.is_(None),
            ShareVisit.created_at >= since,
            ShareVisit.link_id.not_in(own),
        )
        .values(visitor_member_id=member_id)
        .returning(ShareVisit.link_id, ShareVisit.created_at)
    )
    claimed = sorted(result.tuples().all(), key=lambda r: r[1])
    if not claimed:
        return []
    links = await session.scalars(
        select(ShareLink).where(ShareLink.id.in_([link_id for link_id, _ in claimed]))
    )
    by_id = {link.id: link for link in links}
    return [(by_id[int(link_id)], at) for link_id, at in claimed]


async def attribute(
    session: AsyncSession,
    *,
    visitor_member_id: int,
    link_id: int,
    sharer_member_id: int,
    now: datetime,
    stale_before: datetime,
) -> bool:
    """Make this link the one that brought the visitor, unless another did within the window
    (its attribution is not older than ``stale_before``). True when this call wrote it."""
    stmt = _insert(session, ShareAttribution).values(
        visitor_member_id=visitor_member_id,
        link_id=link_id,
        sharer_member_id=sharer_member_id,
        attributed_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["visitor_member_id"],
        set_={
            "link_id": stmt.excluded.link_id,
            "sharer_member_id": stmt.excluded.sharer_member_id,
            "attributed_at": stmt.excluded.attributed_at,
        },
        where=ShareAttribution.attributed_at < stale_before,
    ).returning(ShareAttribution.visitor_member_id)
    result = await session.execute(stmt)
    return result.scalar_one_or_none() is not None


async def get_attribution(session: AsyncSession, visitor_member_id: int) -> ShareAttribution | None:
    stmt = select(ShareAttribution).where(ShareAttribution.visitor_member_id == visitor_member_id)
    return (await session.scalars(_fresh(stmt))).first()


async def insert_conversion(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The order's conversion, or None when it was counted already."""
    result = await session.execute(
        _insert(session, ShareConversion)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["order_no"])
        .returning(ShareConversion.id)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


# -- statistics (console) --------------------------------------------------------------------


def _since(stmt: Any, since: datetime | None) -> Any:
    return stmt if since is None else stmt.where(ShareLink.created_at >= since)


async def totals(session: AsyncSession, since: datetime | None) -> tuple[int, int, int, int, int]:
    """(links, sharers, visits, orders, order amount) of the links made since ``since``."""
    stmt = select(
        func.count(ShareLink.id),
        func.count(func.distinct(ShareLink.sharer_member_id)),
        func.coalesce(func.sum(ShareLink.visits), 0),
        func.coalesce(func.sum(ShareLink.orders), 0),
        func.coalesce(func.sum(ShareLink.order_amount), 0),
    )
    row = (await session.execute(_since(stmt, since))).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4])


async def top_sharers(
    session: AsyncSession, since: datetime | None, limit: int
) -> Sequence[tuple[int, int, int, int, int]]:
    """(sharer, links, visits, orders, order amount), most orders then visits first."""
    orders = func.sum(ShareLink.orders)
    visits = func.sum(ShareLink.visits)
    stmt = (
        select(
            ShareLink.sharer_member_id,
            func.count(ShareLink.id),
            visits,
            orders,
            func.sum(ShareLink.order_amount),
        )
        .group_by(ShareLink.sharer_member_id)
        .order_by(orders.desc(), visits.desc(), ShareLink.sharer_member_id)
        .limit(limit)
    )
    rows = (await session.execute(_since(stmt, since))).all()
    return [(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


async def top_targets(
    session: AsyncSession, since: datetime | None, limit: int
) -> Sequence[tuple[str, str, int, int, int, int]]:
    """(kind, ref, links, visits, orders, order amount), most orders then visits first."""
    orders = func.sum(ShareLink.orders)
    visits = func.sum(ShareLink.visits)
    stmt = (
        select(
            ShareLink.target_kind,
            ShareLink.target_ref,
            func.count(ShareLink.id),
            visits,
            orders,
            func.sum(ShareLink.order_amount),
        )
        .group_by(ShareLink.target_kind, ShareLink.target_ref)
        .order_by(orders.desc(), visits.desc(), ShareLink.target_kind, ShareLink.target_ref)
        .limit(limit)
    )
    rows = (await session.execute(_since(stmt, since))).all()
    return [(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]
