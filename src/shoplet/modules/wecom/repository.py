"""Every query of wecom. A contact's add and delete are each one conditional statement (``INSERT
… ON CONFLICT DO UPDATE … WHERE changed_at < :at``, ``UPDATE … WHERE deleted_at IS NULL``), so a
callback WeCom delivers twice, or out of order, is applied once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.wecom.models import Contact, ContactWay


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def add_way(session: AsyncSession, values: dict[str, Any]) -> ContactWay:
    way = ContactWay(**values)
    session.add(way)
    await session.flush()
    return way


async def list_ways(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Sequence[ContactWay]:
    stmt = select(ContactWay).order_by(ContactWay.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(ContactWay.id < before_id)
    return (await session.scalars(stmt)).all()


async def way_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(ContactWay)) or 0)


async def record_add(session: AsyncSession, values: dict[str, Any]) -> bool:
    """The contact added (or added again after a delete) unless an event as new or newer was
    applied already: True when a row was written."""
    statement = _insert(session, Contact).values(**values)
    upsert = statement.on_conflict_do_update(
        index_elements=["external_userid", "staff_userid"],
        set_={
            key: statement.excluded[key]
            for key in (
                "name",
                "unionid",
                "member_id",
                "state",
                "store_id",
                "campaign",
                "added_at",
                "deleted_at",
                "changed_at",
            )
        },
        where=Contact.changed_at < statement.excluded.changed_at,
    ).returning(Contact.id)
    return (await session.execute(upsert)).scalar_one_or_none() is not None


async def record_delete(
    session: AsyncSession, *, external_userid: str, staff_userid: str, at: datetime
) -> bool:
    result = await session.execute(
        update(Contact)
        .where(
            Contact.external_userid == external_userid,
            Contact.staff_userid == staff_userid,
            Contact.deleted_at.is_(None),
            Contact.changed_at <= at,
        )
        .values(deleted_at=at, changed_at=at)
        .returning(Contact.id)
    )
    return result.scalar_one_or_none() is not None


async def list_contacts(
    session: AsyncSession,
    *,
    before_id: int | None,
    limit: int,
    store_id: int | None = None,
    campaign: str | None = None,
    staff_userid: str | None = None,
    active: bool | None = None,
) -> Sequence[Contact]:
    stmt = select(Contact).order_by(Contact.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(Contact.id < before_id)
    if store_id is not None:
        stmt = stmt.where(Contact.store_id == store_id)
    if campaign is not None:
        stmt = stmt.where(Contact.campaign == campaign)
    if staff_userid is not None:
        stmt = stmt.where(Contact.staff_userid == staff_userid)
    if active is True:
        stmt = stmt.where(Contact.deleted_at.is_(None))
    elif active is False:
        stmt = stmt.where(Contact.deleted_at.is_not(None))
    return (await session.scalars(stmt)).all()


async def acquisition_counts(session: AsyncSession, column: str) -> list[tuple[Any, int, int]]:
    """(key, added, still active) per ``store_id``, ``campaign`` or ``staff_userid``."""
    key = getattr(Contact, column)
    stmt = (
        select(key, func.count(), func.count().filter(Contact.deleted_at.is_(None)))
        .group_by(key)
        .order_by(func.count().desc(), key)
    )
    return [(k, int(a), int(b)) for k, a, b in (await session.execute(stmt)).all()]


async def active_contacts_of_members(
    session: AsyncSession, member_ids: Sequence[int], *, limit: int
) -> Sequence[Contact]:
    if not member_ids:
        return []
    stmt = (
        select(Contact)
        .where(Contact.member_id.in_(member_ids), Contact.deleted_at.is_(None))
        .order_by(Contact.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def unlinked_unionids(session: AsyncSession, *, limit: int) -> list[str]:
    """Unionids of customers not linked to a member yet (a shopper who signs in to the mini
    program after adding the staff member)."""
    stmt = (
        select(Contact.unionid)
        .where(Contact.member_id.is_(None), Contact.unionid.is_not(None))
        .group_by(Contact.unionid)
        .order_by(Contact.unionid)
        .limit(limit)
    )
    return [str(u) for u in (await session.scalars(stmt)).all()]


async def link_unionid(session: AsyncSession, unionid: str, member_id: int) -> int:
    result = await session.execute(
        update(Contact)
        .where(Contact.unionid == unionid, Contact.member_id.is_(None))
        .values(member_id=member_id)
        .returning(Contact.id)
    )
    return len(result.all())


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Members' account merge: customers linked to the absorbed account follow the survivor."""
    result = await session.execute(
        update(Contact)
        .where(Contact.member_id == from_id)
        .values(member_id=into_id)
        .returning(Contact.id)
    )
    return len(result.all())
