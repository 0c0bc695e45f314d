"""Every query of loyalty. The balance moves only through conditional UPDATEs: a debit is
``UPDATE loyalty_points_account SET balance = balance - :n WHERE member_id = :m AND balance >= :n
RETURNING``, whose row lock serialises every later change of that member's ledger until commit;
credits and reversals first take the same row lock (``lock_account``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.loyalty.models import (
    LoyaltySettings,
    PointsAccount,
    PointsConsumption,
    PointsEntry,
    SignIn,
)


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- settings --------------------------------------------------------------------------------


async def get_settings(session: AsyncSession) -> LoyaltySettings | None:
    stmt = select(LoyaltySettings).where(LoyaltySettings.id == 1)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def upsert_settings(session: AsyncSession, values: Mapping[str, Any]) -> None:
    stmt = _insert(session, LoyaltySettings).values(id=1, **values)
    stmt = stmt.on_conflict_do_update(index_elements=[LoyaltySettings.id], set_=dict(values))
    await session.execute(stmt)


# -- accounts --------------------------------------------------------------------------------


async def get_account(session: AsyncSession, member_id: int) -> PointsAccount | None:
    stmt = select(PointsAccount).where(PointsAccount.member_id == member_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def ensure_account(session: AsyncSession, member_id: int, now: datetime) -> None:
    stmt = (
        _insert(session, PointsAccount)
        .values(
            member_id=member_id,
            balance=0,
            lifetime_earned=0,
            lifetime_spent=0,
            version=0,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )
    await session.execute(stmt)


async def lock_account(session: AsyncSession, member_id: int) -> int:
    """Take the member's account row lock (to the end of the transaction): the balance."""
    stmt = (
        select(PointsAccount.balance).where(PointsAccount.member_id == member_id).with_for_update()
    )
    return int((await session.execute(stmt)).scalar_one())


async def debit(
    session: AsyncSession, *, member_id: int, points: int, spent: int, now: datetime
) -> int | None:
    """Take ``points`` if the balance covers them: the new balance, or None. ``spent`` is added
    to ``lifetime_spent`` (points used on orders, not reversals or expiry)."""
    stmt = (
        update(PointsAccount)
        .where(PointsAccount.member_id == member_id, PointsAccount.balance >= points)
        .values(
            balance=PointsAccount.balance - points,
            lifetime_spent=PointsAccount.lifetime_spent + spent,
            version=PointsAccount.version + 1,
            updated_at=now,
        )
        .returning(PointsAccount.balance)
    )
    result: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return result


async def credit(
    session: AsyncSession,
    *,
    member_id: int,
    points: int,
    earned: int,
    unspent: int,
    now: datetime,
) -> int:
    stmt = (
        update(PointsAccount)
        .where(PointsAccount.member_id == member_id)
        .values(
            balance=PointsAccount.balance + points,
            lifetime_earned=PointsAccount.lifetime_earned + earned,
            lifetime_spent=PointsAccount.lifetime_spent - unspent,
            version=PointsAccount.version + 1,
            updated_at=now,
        )
        .returning(PointsAccount.balance)
    )
    return int((await session.execute(stmt)).scalar_one())


# -- entries ---------------------------------------------------------------------------------


async def insert_entry(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """Insert unless (kind, ref) exists: the new id, or None."""
    stmt = (
        _insert(session, PointsEntry)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[PointsEntry.kind, PointsEntry.ref])
        .returning(PointsEntry.id)
    )
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def get_entry(session: AsyncSession, kind: str, ref: str) -> PointsEntry | None:
    stmt = select(PointsEntry).where(PointsEntry.kind == kind, PointsEntry.ref == ref)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def open_batches(session: AsyncSession, member_id: int) -> list[tuple[int, int]]:
    """(id, remaining) of the member's batches with points left, earliest expiry first."""
    stmt = (
        select(PointsEntry.id, PointsEntry.remaining)
        .where(PointsEntry.member_id == member_id, PointsEntry.remaining > 0)
        .order_by(PointsEntry.expires_at, PointsEntry.id)
    )
    return [(int(i), int(r)) for i, r in (await session.execute(stmt)).all()]


async def take_from_batch(session: AsyncSession, batch_id: int, points: int) -> None:
    await session.execute(
        update(PointsEntry)
        .where(PointsEntry.id == batch_id, PointsEntry.remaining >= points)
        .values(remaining=PointsEntry.remaining - points)
    )


async def insert_consumptions(
    session: AsyncSession, entry_id: int, parts: Sequence[tuple[int, int]]
) -> None:
    if parts:
        await session.execute(
            insert(PointsConsumption),
            [{"entry_id": entry_id, "batch_id": b, "points": p} for b, p in parts],
        )


async def consumptions_of(
    session: AsyncSession, entry_id: int
) -> list[tuple[int, int, datetime | None, int, int]]:
    """(batch id, points taken, batch expiry, batch points, batch remaining) of a debit."""
    stmt = (
        select(
            PointsConsumption.batch_id,
            PointsConsumption.points,
            PointsEntry.expires_at,
            PointsEntry.points,
            PointsEntry.remaining,
        )
        .join(PointsEntry, PointsEntry.id == PointsConsumption.batch_id)
        .where(PointsConsumption.entry_id == entry_id)
        .order_by(PointsConsumption.batch_id)
    )
    return [(int(a), int(b), c, int(d), int(e)) for a, b, c, d, e in (await session.execute(stmt))]


async def restore_batch(session: AsyncSession, batch_id: int, points: int) -> None:
    await session.execute(
        update(PointsEntry)
        .where(PointsEntry.id == batch_id)
        .values(remaining=PointsEntry.remaining + points)
    )


async def reversed_for_order(session: AsyncSession, order_no: str) -> int:
    """Points already taken back (plus shortfalls) for refunds of ``order_no``."""
    stmt = select(func.coalesce(func.sum(-PointsEntry.points + PointsEntry.shortfall), 0)).where(
        PointsEntry.order_no == order_no,
        PointsEntry.kind == "reverse",
        PointsEntry.reason == "refund",
    )
    return int((await session.execute(stmt)).scalar_one())


async def list_entries(
    session: AsyncSession,
    *,
    member_id: int,
    kinds: Sequence[str] | None,
    before_id: int | None,
    limit: int,
) -> Sequence[PointsEntry]:
    stmt = (
        select(PointsEntry)
        .where(PointsEntry.member_id == member_id)
        .order_by(PointsEntry.id.desc())
        .limit(limit)
    )
    if kinds:
        stmt = stmt.where(PointsEntry.kind.in_(sorted(set(kinds))))
    if before_id is not None:
        stmt = stmt.where(PointsEntry.id < before_id)
    return (await session.scalars(_fresh(stmt))).all()


async def expiring(
    session: AsyncSession, member_id: int, now: datetime, until: datetime
) -> tuple[datetime, int] | None:
    """The earliest expiry between now and ``until`` with points left, and how many then."""
    stmt = (
        select(PointsEntry.expires_at, func.sum(PointsEntry.remaining))
        .where(
            PointsEntry.member_id == member_id,
            PointsEntry.remaining > 0,
            PointsEntry.expires_at > now,
            PointsEntry.expires_at <= until,
        )
        .group_by(PointsEntry.expires_at)
        .order_by(PointsEntry.expires_at)
        .limit(1)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None or row[0] is None:
        return None
    return row[0], int(row[1])


async def expiring_batches(
    session: AsyncSession,
    *,
    now: datetime,
    until: datetime,
    after: tuple[int, datetime] | None,
    limit: int,
) -> list[tuple[int, datetime, int]]:
    """(member id, expiry, points left) of every member's batches expiring after ``now`` and by
    ``until``, one row per member and expiry, in (member, expiry) order after ``after``."""
    stmt = (
        select(PointsEntry.member_id, PointsEntry.expires_at, func.sum(PointsEntry.remaining))
        .where(
            PointsEntry.remaining > 0,
            PointsEntry.expires_at > now,
            PointsEntry.expires_at <= until,
        )
        .group_by(PointsEntry.member_id, PointsEntry.expires_at)
        .order_by(PointsEntry.member_id, PointsEntry.expires_at)
        .limit(limit)
    )
    if after is not None:
        member_id, expires_at = after
        stmt = stmt.where(
            or_(
                PointsEntry.member_id > member_id,
                and_(PointsEntry.member_id == member_id, PointsEntry.expires_at > expires_at),
            )
        )
    rows = (await session.execute(stmt)).all()
    return [(int(r[0]), r[1], int(r[2])) for r in rows if r[1] is not None]


async def due_batches(session: AsyncSession, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(batch id, member id) of batches past their expiry with points left, oldest first."""
    stmt = (
        select(PointsEntry.id, PointsEntry.member_id)
        .where(PointsEntry.remaining > 0, PointsEntry.expires_at <= now)
        .order_by(PointsEntry.expires_at, PointsEntry.id)
        .limit(limit)
    )
    return [(int(a), int(b)) for a, b in (await session.execute(stmt)).all()]


async def get_batch(session: AsyncSession, batch_id: int) -> PointsEntry | None:
    stmt = select(PointsEntry).where(PointsEntry.id == batch_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def zero_batch(session: AsyncSession, batch_id: int) -> None:
    await session.execute(update(PointsEntry).where(PointsEntry.id == batch_id).values(remaining=0))


# -- sign-in ---------------------------------------------------------------------------------


async def insert_signin(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    stmt = (
        _insert(session, SignIn)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[SignIn.member_id, SignIn.day])
        .returning(SignIn.id)
    )
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def get_signin(session: AsyncSession, member_id: int, day: date) -> SignIn | None:
    stmt = select(SignIn).where(SignIn.member_id == member_id, SignIn.day == day)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def signins_between(
    session: AsyncSession, member_id: int, first: date, last: date
) -> Sequence[SignIn]:
    stmt = (
        select(SignIn)
        .where(SignIn.member_id == member_id, SignIn.day >= first, SignIn.day <= last)
        .order_by(SignIn.day)
    )
    return (await session.scalars(_fresh(stmt))).all()


def order_points(since: datetime) -> Any:
    """A subquery, one row per order that earned points from ``since`` on: ``order_no``,
    ``points`` (earned, before any reversal), for reports that join it to orders in SQL."""
    return (
        select(PointsEntry.order_no.label("order_no"), func.sum(PointsEntry.points).label("points"))
        .where(
            PointsEntry.kind == "earn",
            PointsEntry.reason == "order",
            PointsEntry.order_no.is_not(None),
            PointsEntry.created_at >= since,
        )
        .group_by(PointsEntry.order_no)
        .subquery("order_points")
    )


async def issued_and_spent(
    session: AsyncSession, since: datetime, until: datetime
) -> tuple[int, int]:
    """(points issued — earned and added by staff —, points spent net of what cancelled orders
    gave back) by entries created in ``[since, until)``."""
    issued = func.sum(
        case(
            (PointsEntry.kind == "earn", PointsEntry.points),
            ((PointsEntry.kind == "adjust") & (PointsEntry.points > 0), PointsEntry.points),
            else_=0,
        )
    )
    spent = func.sum(
        case(
            (PointsEntry.kind == "spend", -PointsEntry.points),
            (PointsEntry.reason == "spend_return", -PointsEntry.points),
            else_=0,
        )
    )
    row = (
        await session.execute(
            select(func.coalesce(issued, 0), func.coalesce(spent, 0)).where(
                PointsEntry.created_at >= since, PointsEntry.created_at < until
            )
        )
    ).one()
    return int(row[0]), max(0, int(row[1]))


async def count_entries_since(
    session: AsyncSession, member_id: int, *, kind: str, reason: str, since: datetime
) -> int:
    """How many ``kind``/``reason`` ledger entries the member has had since ``since``."""
    stmt = select(func.count()).where(
        PointsEntry.member_id == member_id,
        PointsEntry.kind == kind,
        PointsEntry.reason == reason,
        PointsEntry.created_at >= since,
    )
    return int((await session.execute(stmt)).scalar_one())


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Members' merge hook: the absorbed account's points history (every entry, batches with
    their remaining points and expiry) becomes the survivor's and its balance and lifetime
    figures are added to the survivor's account, once (the merge claims the absorbed account
    before any hook runs). Returns the points moved."""
    await _move_signins(session, from_id, into_id)
    source = await get_account(session, from_id)
    if source is None:
        return 0
    # Plain values: the ORM update below synchronises the loaded row to zero.
    points, earned, spent = source.balance, source.lifetime_earned, source.lifetime_spent
    await session.execute(
        update(PointsEntry).where(PointsEntry.member_id == from_id).values(member_id=into_id)
    )
    await ensure_account(session, into_id, source.updated_at)
    await session.execute(
        update(PointsAccount)
        .where(PointsAccount.member_id == into_id)
        .values(
            balance=PointsAccount.balance + points,
            lifetime_earned=PointsAccount.lifetime_earned + earned,
            lifetime_spent=PointsAccount.lifetime_spent + spent,
            version=PointsAccount.version + 1,
        )
    )
    await session.execute(
        update(PointsAccount)
        .where(PointsAccount.member_id == from_id)
        .values(balance=0, lifetime_earned=0, lifetime_spent=0, version=PointsAccount.version + 1)
    )
    return int(points)


async def _move_signins(session: AsyncSession, from_id: int, into_id: int) -> None:
    """Sign-ins become one calendar: a day both accounts signed in keeps the survivor's row
    (the points each earned that day were real and moved with the ledger; nothing is awarded
    again), the other days move, and the streak of every day is recounted over the combined
    days, so tomorrow's sign-in continues the longer, combined run."""
    await merge.reassign(session, SignIn.member_id, from_id, into_id, key=(SignIn.day,))
    rows = await session.execute(
        select(SignIn.id, SignIn.day, SignIn.streak)
        .where(SignIn.member_id == into_id)
        .order_by(SignIn.day)
    )
    previous: date | None = None
    streak = 0
    for row_id, day, stored in rows.all():
        streak = streak + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        previous = day
        if stored != streak:
            await session.execute(update(SignIn).where(SignIn.id == row_id).values(streak=streak))


async def longest_signin_streaks(
    session: AsyncSession, member_ids: Sequence[int]
) -> dict[int, int]:
    """The longest sign-in streak each of ``member_ids`` reached (absent: never signed in)."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(SignIn.member_id, func.max(SignIn.streak))
        .where(SignIn.member_id.in_(list(member_ids)))
        .group_by(SignIn.member_id)
    )
    return {int(m): int(n) for m, n in rows.all()}
