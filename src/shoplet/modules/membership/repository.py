"""Every query of membership. Growth moves by one atomic upsert of the account
(``growth_total = growth_total + :n``, returning the new total), after the ledger row's
``INSERT … ON CONFLICT (reason, ref) DO NOTHING`` decided that this growth counts at all; the
account row stays locked to the end of the transaction, so concurrent growths of one member see
each other's totals and an upgrade is decided once. Levels and periods move only by conditional
UPDATEs (``WHERE level = :expected`` / ``WHERE period_start = :expected``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.membership.models import Account, GrowthEntry, Notice, Settings, Tier


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- tiers and settings ----------------------------------------------------------------------


async def load_tiers(session: AsyncSession) -> Sequence[Tier]:
    return (await session.scalars(_fresh(select(Tier).order_by(Tier.level)))).all()


async def replace_tiers(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    await session.execute(delete(Tier))
    await session.execute(insert(Tier), [dict(r) for r in rows])


async def highest_level_held(session: AsyncSession) -> int | None:
    return (await session.execute(select(func.max(Account.level)))).scalar_one_or_none()


async def get_settings(session: AsyncSession) -> Settings | None:
    return (await session.scalars(_fresh(select(Settings).where(Settings.id == 1)))).one_or_none()


async def save_settings(session: AsyncSession, values: Mapping[str, Any]) -> None:
    stmt = _insert(session, Settings).values(id=1, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=dict(values)))


# -- growth ----------------------------------------------------------------------------------


async def insert_entry_if_new(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """Add a ledger row unless (reason, ref) exists: the new id, or None."""
    stmt = (
        _insert(session, GrowthEntry)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["reason", "ref"])
        .returning(GrowthEntry.id)
    )
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def get_entry(session: AsyncSession, reason: str, ref: str) -> GrowthEntry | None:
    stmt = select(GrowthEntry).where(GrowthEntry.reason == reason, GrowthEntry.ref == ref)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def get_entry_by_id(session: AsyncSession, entry_id: int) -> GrowthEntry | None:
    stmt = select(GrowthEntry).where(GrowthEntry.id == entry_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def reversed_for_order(session: AsyncSession, member_id: int, order_no: str) -> int:
    """Growth already taken back for an order's refunds (a positive number)."""
    stmt = select(func.coalesce(func.sum(GrowthEntry.amount), 0)).where(
        GrowthEntry.member_id == member_id,
        GrowthEntry.reason == "order_refund",
        GrowthEntry.ref.startswith(f"{order_no}/", autoescape=True),
    )
    return -int((await session.execute(stmt)).scalar_one())


async def add_to_account(
    session: AsyncSession, member_id: int, amount: int, now: datetime
) -> tuple[int, int]:
    """Add ``amount`` to the member's total, creating the account at level 0 on first growth:
    (new total, level). Locks the account row to the end of the transaction."""
    stmt = _insert(session, Account).values(
        member_id=member_id,
        growth_total=amount,
        level=0,
        tier_since=now,
        period_start=now,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["member_id"],
        set_={"growth_total": Account.growth_total + amount, "updated_at": now},
    ).returning(Account.growth_total, Account.level)
    total, level = (await session.execute(stmt)).one()
    return int(total), int(level)


async def lock_account(session: AsyncSession, member_id: int, now: datetime) -> None:
    """Create the member's account if missing and lock its row (serialises the member's refund
    reversals, which read what was taken back before adding to it)."""
    stmt = _insert(session, Account).values(
        member_id=member_id,
        growth_total=0,
        level=0,
        tier_since=now,
        period_start=now,
        updated_at=now,
    )
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["member_id"]))
    await session.execute(
        select(Account.member_id).where(Account.member_id == member_id).with_for_update()
    )


async def raise_level(
    session: AsyncSession, member_id: int, *, expected: int, new: int, now: datetime
) -> bool:
    """Upgrade from ``expected`` to ``new`` (a new tier period starts): whether it moved."""
    stmt = (
        update(Account)
        .where(Account.member_id == member_id, Account.level == expected)
        .values(level=new, tier_since=now, period_start=now, updated_at=now)
        .returning(Account.member_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def get_account(session: AsyncSession, member_id: int) -> Account | None:
    stmt = select(Account).where(Account.member_id == member_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def list_entries(
    session: AsyncSession, member_id: int, *, before_id: int | None, limit: int
) -> Sequence[GrowthEntry]:
    stmt = (
        select(GrowthEntry)
        .where(GrowthEntry.member_id == member_id)
        .order_by(GrowthEntry.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(GrowthEntry.id < before_id)
    return (await session.scalars(_fresh(stmt))).all()


async def ledger_sum(session: AsyncSession, member_id: int) -> int:
    stmt = select(func.coalesce(func.sum(GrowthEntry.amount), 0)).where(
        GrowthEntry.member_id == member_id
    )
    return int((await session.execute(stmt)).scalar_one())


# -- tier periods and notices ----------------------------------------------------------------


async def due_accounts(
    session: AsyncSession, *, started_before: datetime, after_member_id: int, limit: int
) -> Sequence[Account]:
    """Accounts above level 0 whose period started at or before ``started_before``, by id."""
    stmt = (
        select(Account)
        .where(
            Account.level > 0,
            Account.period_start <= started_before,
            Account.member_id > after_member_id,
        )
        .order_by(Account.member_id)
        .limit(limit)
    )
    return (await session.scalars(_fresh(stmt))).all()


async def earned_between(
    session: AsyncSession, member_id: int, start: datetime, end: datetime
) -> int:
    """Growth earned in [start, end): every entry but the job's own downgrade resets."""
    stmt = select(func.coalesce(func.sum(GrowthEntry.amount), 0)).where(
        GrowthEntry.member_id == member_id,
        GrowthEntry.reason != "downgrade",
        GrowthEntry.created_at >= start,
        GrowthEntry.created_at < end,
    )
    return int((await session.execute(stmt)).scalar_one())


async def insert_notice_if_new(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    stmt = (
        _insert(session, Notice)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["member_id", "kind", "period_end"])
        .returning(Notice.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def move_period(
    session: AsyncSession,
    member_id: int,
    *,
    expected_period_start: datetime,
    expected_level: int,
    values: Mapping[str, Any],
) -> bool:
    """End a tier period (and maybe lower the level) once: whether this call did."""
    stmt = (
        update(Account)
        .where(
            Account.member_id == member_id,
            Account.period_start == expected_period_start,
            Account.level == expected_level,
        )
        .values(**values)
        .returning(Account.member_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def list_notices(session: AsyncSession, member_id: int, limit: int) -> Sequence[Notice]:
    stmt = (
        select(Notice).where(Notice.member_id == member_id).order_by(Notice.id.desc()).limit(limit)
    )
    return (await session.scalars(_fresh(stmt))).all()


async def members_per_level(session: AsyncSession) -> dict[int, int]:
    stmt = select(Account.level, func.count()).group_by(Account.level)
    return {int(level): int(n) for level, n in (await session.execute(stmt)).all()}
