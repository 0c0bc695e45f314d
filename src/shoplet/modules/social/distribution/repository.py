"""Every query of distribution. Balances and statuses move only by conditional statements:
``claim_available`` (``available >= :n``), commission CAS on ``reversed_amount``, status
changes from the status read; bindings and commissions are unique rows inserted with
``ON CONFLICT DO NOTHING``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    Adjustment,
    Binding,
    Commission,
    DistRate,
    DistSettings,
    Promoter,
    Withdrawal,
    WithdrawalEvent,
)

SETTINGS_ID = 1
OPEN_WITHDRAWALS = ("requested", "paying")


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- settings --------------------------------------------------------------------------------


async def get_settings(session: AsyncSession) -> DistSettings | None:
    stmt = select(DistSettings).where(DistSettings.id == SETTINGS_ID)
    return (await session.scalars(_fresh(stmt))).first()


async def save_settings(session: AsyncSession, values: Mapping[str, Any]) -> None:
    stmt = _insert(session, DistSettings).values(id=SETTINGS_ID, **values)
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_=dict(values))
    await session.execute(stmt)


async def replace_rates(
    session: AsyncSession, scope: str, rows: Sequence[Mapping[str, int]]
) -> None:
    await session.execute(delete(DistRate).where(DistRate.scope == scope))
    if rows:
        await session.execute(
            _insert(session, DistRate).values([{"scope": scope, **row} for row in rows])
        )


async def list_rates(session: AsyncSession) -> Sequence[DistRate]:
    stmt = select(DistRate).order_by(DistRate.scope, DistRate.target_id)
    return (await session.scalars(stmt)).all()


# -- promoters -------------------------------------------------------------------------------


async def get_promoter(session: AsyncSession, promoter_id: int) -> Promoter | None:
    stmt = select(Promoter).where(Promoter.id == promoter_id)
    return (await session.scalars(_fresh(stmt))).first()


async def promoter_of_member(session: AsyncSession, member_id: int) -> Promoter | None:
    stmt = select(Promoter).where(Promoter.member_id == member_id)
    return (await session.scalars(_fresh(stmt))).first()


async def promoter_by_code(session: AsyncSession, code: str) -> Promoter | None:
    stmt = select(Promoter).where(Promoter.code == code)
    return (await session.scalars(_fresh(stmt))).first()


async def insert_promoter(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """A new promoter row, or None when the member has one already."""
    stmt = (
        _insert(session, Promoter)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["member_id"])
        .returning(Promoter.id)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    return int(found) if found is not None else None


async def move_promoter(
    session: AsyncSession,
    promoter_id: int,
    *,
    from_statuses: Sequence[str],
    to_status: str,
    now: datetime,
) -> bool:
    result = await session.execute(
        update(Promoter)
        .where(Promoter.id == promoter_id, Promoter.status.in_(list(from_statuses)))
        .values(status=to_status, reviewed_at=now, updated_at=now)
        .returning(Promoter.id)
    )
    return result.scalar_one_or_none() is not None


async def list_promoters(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> Sequence[Promoter]:
    stmt = select(Promoter).order_by(Promoter.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(Promoter.status == status)
    if before_id is not None:
        stmt = stmt.where(Promoter.id < before_id)
    return (await session.scalars(stmt)).all()


async def add_available(session: AsyncSession, promoter_id: int, delta: int, now: datetime) -> None:
    await session.execute(
        update(Promoter)
        .where(Promoter.id == promoter_id)
        .values(available=Promoter.available + delta, updated_at=now)
    )


async def claim_available(
    session: AsyncSession, promoter_id: int, amount: int, now: datetime
) -> bool:
    """Take ``amount`` out of the balance only if it is there (one statement: concurrent
    withdrawals never overdraw)."""
    result = await session.execute(
        update(Promoter)
        .where(
            Promoter.id == promoter_id,
            Promoter.status == "active",
            Promoter.available >= amount,
        )
        .values(available=Promoter.available - amount, updated_at=now)
        .returning(Promoter.id)
    )
    return result.scalar_one_or_none() is not None


async def add_withdrawn(
    session: AsyncSession, promoter_id: int, amount: int, now: datetime
) -> None:
    await session.execute(
        update(Promoter)
        .where(Promoter.id == promoter_id)
        .values(withdrawn=Promoter.withdrawn + amount, updated_at=now)
    )


# -- bindings --------------------------------------------------------------------------------


async def get_binding(session: AsyncSession, member_id: int) -> Binding | None:
    stmt = select(Binding).where(Binding.member_id == member_id)
    return (await session.scalars(_fresh(stmt))).first()


async def insert_binding(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    """Bind a shopper who has no binding yet (first touch wins: a concurrent twin loses)."""
    stmt = (
        _insert(session, Binding)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["member_id"])
        .returning(Binding.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def rebind_expired(
    session: AsyncSession,
    member_id: int,
    *,
    promoter_id: int,
    now: datetime,
    expires_at: datetime | None,
) -> bool:
    """Replace a first-touch binding past its expiry (only one of concurrent rebinds wins:
    the winner's new expiry is in the future)."""
    result = await session.execute(
        update(Binding)
        .where(
            Binding.member_id == member_id,
            Binding.expires_at.is_not(None),
            Binding.expires_at <= now,
        )
        .values(promoter_id=promoter_id, bound_at=now, expires_at=expires_at)
        .returning(Binding.id)
    )
    return result.scalar_one_or_none() is not None


async def team_counts(session: AsyncSession, promoter_id: int) -> tuple[int, int]:
    """(shoppers bound to the promoter, shoppers bound to those of them who are promoters)."""
    level1 = select(Binding.member_id).where(Binding.promoter_id == promoter_id)
    first = int(await session.scalar(select(func.count()).select_from(level1.subquery())) or 0)
    downline = select(Promoter.id).where(Promoter.member_id.in_(level1))
    second = await session.scalar(select(func.count()).where(Binding.promoter_id.in_(downline)))
    return first, int(second or 0)


async def team_sizes(session: AsyncSession, promoter_ids: Sequence[int]) -> dict[int, int]:
    if not promoter_ids:
        return {}
    rows = await session.execute(
        select(Binding.promoter_id, func.count())
        .where(Binding.promoter_id.in_(list(promoter_ids)))
        .group_by(Binding.promoter_id)
    )
    return {int(p): int(n) for p, n in rows.all()}


async def list_team(
    session: AsyncSession, promoter_id: int, *, level: int, before_id: int | None, limit: int
) -> Sequence[Binding]:
    level1 = select(Binding.member_id).where(Binding.promoter_id == promoter_id)
    if level == 1:
        stmt = select(Binding).where(Binding.promoter_id == promoter_id)
    else:
        downline = select(Promoter.id).where(Promoter.member_id.in_(level1))
        stmt = select(Binding).where(Binding.promoter_id.in_(downline))
    if before_id is not None:
        stmt = stmt.where(Binding.id < before_id)
    return (await session.scalars(stmt.order_by(Binding.id.desc()).limit(limit))).all()


# -- commissions -----------------------------------------------------------------------------


async def insert_commission(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """One commission per (order line, level): a redelivered ``order.paid`` adds nothing."""
    stmt = (
        _insert(session, Commission)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["order_line_id", "level"])
        .returning(Commission.id)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    return int(found) if found is not None else None


async def commissions_of_order(session: AsyncSession, order_no: str) -> Sequence[Commission]:
    stmt = select(Commission).where(Commission.order_no == order_no).order_by(Commission.id)
    return (await session.scalars(_fresh(stmt))).all()


async def start_freeze(session: AsyncSession, order_no: str, unfreeze_at: datetime) -> int:
    result = await session.execute(
        update(Commission)
        .where(
            Commission.order_no == order_no,
            Commission.status == "frozen",
            Commission.unfreeze_at.is_(None),
        )
        .values(unfreeze_at=unfreeze_at, updated_at=unfreeze_at)
        .returning(Commission.id)
    )
    return len(result.all())


async def due_commission_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    stmt = (
        select(Commission.id)
        .where(Commission.status == "frozen", Commission.unfreeze_at <= now)
        .order_by(Commission.unfreeze_at, Commission.id)
        .limit(limit)
    )
    return [int(i) for i in await session.scalars(stmt)]


async def settle_commission(
    session: AsyncSession, commission_id: int, now: datetime
) -> tuple[int, int] | None:
    """Frozen → settled (once): ``(promoter_id, what is left of it)`` for the balance."""
    result = await session.execute(
        update(Commission)
        .where(
            Commission.id == commission_id,
            Commission.status == "frozen",
            Commission.unfreeze_at <= now,
        )
        .values(status="settled", settled_at=now, updated_at=now)
        .returning(Commission.promoter_id, Commission.amount - Commission.reversed_amount)
    )
    row = result.one_or_none()
    return (int(row[0]), int(row[1])) if row is not None else None


async def get_commission(session: AsyncSession, commission_id: int) -> Commission | None:
    stmt = select(Commission).where(Commission.id == commission_id)
    return (await session.scalars(_fresh(stmt))).first()


async def reverse_commission(
    session: AsyncSession, commission_id: int, *, status: str, was: int, to: int, now: datetime
) -> str | None:
    """Compare-and-set ``(status, reversed_amount)`` from ``(status, was)`` to ``to``: the
    status it has after (``reversed`` when nothing is left), or None when a refund or the
    unfreeze job moved it meanwhile (read it again and retry)."""
    result = await session.execute(
        update(Commission)
        .where(
            Commission.id == commission_id,
            Commission.reversed_amount == was,
            Commission.status == status,
        )
        .values(
            reversed_amount=to,
            status=case((Commission.amount <= to, "reversed"), else_=Commission.status),
            updated_at=now,
        )
        .returning(Commission.status)
    )
    row = result.one_or_none()
    return str(row[0]) if row is not None else None


async def insert_adjustment(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    stmt = (
        _insert(session, Adjustment)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["commission_id", "reversed_to"])
        .returning(Adjustment.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def list_commissions(
    session: AsyncSession,
    *,
    promoter_id: int | None,
    status: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[Commission]:
    stmt = select(Commission).order_by(Commission.id.desc()).limit(limit)
    if promoter_id is not None:
        stmt = stmt.where(Commission.promoter_id == promoter_id)
    if status is not None:
        stmt = stmt.where(Commission.status == status)
    if before_id is not None:
        stmt = stmt.where(Commission.id < before_id)
    return (await session.scalars(stmt)).all()


async def frozen_totals(session: AsyncSession, promoter_ids: Sequence[int]) -> dict[int, int]:
    if not promoter_ids:
        return {}
    rows = await session.execute(
        select(Commission.promoter_id, func.sum(Commission.amount - Commission.reversed_amount))
        .where(Commission.promoter_id.in_(list(promoter_ids)), Commission.status == "frozen")
        .group_by(Commission.promoter_id)
    )
    return {int(p): int(n or 0) for p, n in rows.all()}


# -- withdrawals -----------------------------------------------------------------------------


async def insert_withdrawal(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(
        _insert(session, Withdrawal).values(**values).returning(Withdrawal.id)
    )
    return int(result.scalar_one())


async def get_withdrawal(session: AsyncSession, withdrawal_id: int) -> Withdrawal | None:
    stmt = select(Withdrawal).where(Withdrawal.id == withdrawal_id)
    return (await session.scalars(_fresh(stmt))).first()


async def withdrawal_by_no(session: AsyncSession, withdrawal_no: str) -> Withdrawal | None:
    stmt = select(Withdrawal).where(Withdrawal.withdrawal_no == withdrawal_no)
    return (await session.scalars(_fresh(stmt))).first()


async def move_withdrawal(
    session: AsyncSession,
    withdrawal_id: int,
    *,
    from_status: str,
    to_status: str,
    values: Mapping[str, Any],
) -> bool:
    result = await session.execute(
        update(Withdrawal)
        .where(Withdrawal.id == withdrawal_id, Withdrawal.status == from_status)
        .values(status=to_status, **values)
        .returning(Withdrawal.id)
    )
    return result.scalar_one_or_none() is not None


async def note_transfer(
    session: AsyncSession, withdrawal_id: int, values: Mapping[str, Any]
) -> None:
    await session.execute(
        update(Withdrawal)
        .where(Withdrawal.id == withdrawal_id, Withdrawal.status == "paying")
        .values(**values)
    )


async def insert_withdrawal_event(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(_insert(session, WithdrawalEvent).values(**values))


async def withdrawal_events(
    session: AsyncSession, withdrawal_ids: Sequence[int]
) -> dict[int, list[WithdrawalEvent]]:
    out: dict[int, list[WithdrawalEvent]] = {i: [] for i in withdrawal_ids}
    if not withdrawal_ids:
        return out
    stmt = (
        select(WithdrawalEvent)
        .where(WithdrawalEvent.withdrawal_id.in_(list(withdrawal_ids)))
        .order_by(WithdrawalEvent.id)
    )
    for row in await session.scalars(stmt):
        out[row.withdrawal_id].append(row)
    return out


async def list_withdrawals(
    session: AsyncSession,
    *,
    promoter_id: int | None,
    status: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[Withdrawal]:
    stmt = select(Withdrawal).order_by(Withdrawal.id.desc()).limit(limit)
    if promoter_id is not None:
        stmt = stmt.where(Withdrawal.promoter_id == promoter_id)
    if status is not None:
        stmt = stmt.where(Withdrawal.status == status)
    if before_id is not None:
        stmt = stmt.where(Withdrawal.id < before_id)
    return (await session.scalars(stmt)).all()


async def withdrawing_total(session: AsyncSession, promoter_id: int) -> int:
    total = await session.scalar(
        select(func.sum(Withdrawal.amount)).where(
            Withdrawal.promoter_id == promoter_id, Withdrawal.status.in_(OPEN_WITHDRAWALS)
        )
    )
    return int(total or 0)


async def paying_withdrawal_ids(session: AsyncSession, limit: int) -> list[int]:
    stmt = (
        select(Withdrawal.id)
        .where(Withdrawal.status == "paying")
        .order_by(Withdrawal.id)
        .limit(limit)
    )
    return [int(i) for i in await session.scalars(stmt)]
