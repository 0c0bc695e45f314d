"""Every query of membership. Growth moves by one atomic upsert of the account
(``growth_total = growth_total + :n``, returning the new total), after the ledger row's
``INSERT … ON CONFLICT (reason, ref) DO NOTHING`` decided that this growth counts at all; the
account row stays locked to the end of the transaction, so concurrent growths of one member see
each other's totals and an upgrade is decided once. Levels and periods move only by conditional
UPDATEs (``WHERE level = :expected`` / ``WHERE period_start = :expected``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.membership.models import (
    Account,
    GrowthEntry,
    Notice,
    OrderBenefit,
    Plan,
    PlanPeriod,
    PlanReminder,
    PriceExclusion,
    Settings,
    Subscription,
    Tier,
)


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


# -- paid plans ------------------------------------------------------------------------------


async def list_plans(session: AsyncSession, *, on_sale_only: bool) -> Sequence[Plan]:
    stmt = select(Plan).order_by(Plan.sort, Plan.id)
    if on_sale_only:
        stmt = stmt.where(Plan.is_on_sale.is_(True))
    return (await session.scalars(_fresh(stmt))).all()


async def get_plan(session: AsyncSession, plan_id: int) -> Plan | None:
    return (await session.scalars(_fresh(select(Plan).where(Plan.id == plan_id)))).one_or_none()


async def plan_id_by_code(session: AsyncSession, code: str) -> int | None:
    found: int | None = await session.scalar(select(Plan.id).where(Plan.code == code))
    return found


async def insert_plan(session: AsyncSession, values: Mapping[str, Any]) -> int:
    new_id: int = (
        await session.execute(insert(Plan).values(**values).returning(Plan.id))
    ).scalar_one()
    return new_id


async def update_plan(session: AsyncSession, plan_id: int, values: Mapping[str, Any]) -> bool:
    result = await session.execute(update(Plan).where(Plan.id == plan_id).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_period(session: AsyncSession, values: Mapping[str, Any]) -> int:
    new_id: int = (
        await session.execute(insert(PlanPeriod).values(**values).returning(PlanPeriod.id))
    ).scalar_one()
    return new_id


async def get_period_by_order(session: AsyncSession, order_no: str) -> PlanPeriod | None:
    stmt = select(PlanPeriod).where(PlanPeriod.order_no == order_no)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def lock_subscription(
    session: AsyncSession, member_id: int, now: datetime
) -> datetime | None:
    """Create or touch the member's subscription row and keep it locked to the end of the
    transaction (PostgreSQL: the upsert takes the row lock; a concurrent one waits for the
    commit and then sees it): the end of their last active period."""
    stmt = (
        _insert(session, Subscription)
        .values(member_id=member_id, plan_id=None, ends_at=None, updated_at=now)
        .on_conflict_do_update(index_elements=["member_id"], set_={"updated_at": now})
        .returning(Subscription.ends_at)
    )
    ends_at: datetime | None = (await session.execute(stmt)).scalar_one()
    return ends_at


async def set_subscription(
    session: AsyncSession,
    member_id: int,
    *,
    plan_id: int | None,
    ends_at: datetime | None,
    now: datetime,
) -> None:
    await session.execute(
        update(Subscription)
        .where(Subscription.member_id == member_id)
        .values(plan_id=plan_id, ends_at=ends_at, updated_at=now)
    )


async def get_subscription(session: AsyncSession, member_id: int) -> Subscription | None:
    stmt = select(Subscription).where(Subscription.member_id == member_id)
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def activate_period(
    session: AsyncSession,
    period_id: int,
    *,
    starts_at: datetime,
    ends_at: datetime,
    paid_at: datetime,
    now: datetime,
) -> bool:
    """pending -> active, once: the conditional update decides one winner among repeats."""
    result = await session.execute(
        update(PlanPeriod)
        .where(PlanPeriod.id == period_id, PlanPeriod.status == "pending")
        .values(
            status="active", starts_at=starts_at, ends_at=ends_at, paid_at=paid_at, updated_at=now
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def cancel_period(session: AsyncSession, order_no: str, now: datetime) -> bool:
    result = await session.execute(
        update(PlanPeriod)
        .where(PlanPeriod.order_no == order_no, PlanPeriod.status == "pending")
        .values(status="cancelled", updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_period(
    session: AsyncSession, period_id: int, *, ends_at: datetime, refunded: int, now: datetime
) -> bool:
    """active -> revoked, once."""
    result = await session.execute(
        update(PlanPeriod)
        .where(PlanPeriod.id == period_id, PlanPeriod.status == "active")
        .values(
            status="revoked", ends_at=ends_at, revoked_at=now, refunded=refunded, updated_at=now
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def active_periods(session: AsyncSession, member_id: int) -> Sequence[PlanPeriod]:
    """The member's active periods, in the order they run."""
    stmt = (
        select(PlanPeriod)
        .where(PlanPeriod.member_id == member_id, PlanPeriod.status == "active")
        .order_by(PlanPeriod.starts_at, PlanPeriod.id)
    )
    return (await session.scalars(_fresh(stmt))).all()


async def shift_period(
    session: AsyncSession, period_id: int, *, starts_at: datetime, ends_at: datetime, now: datetime
) -> None:
    await session.execute(
        update(PlanPeriod)
        .where(PlanPeriod.id == period_id, PlanPeriod.status == "active")
        .values(starts_at=starts_at, ends_at=ends_at, updated_at=now)
    )


async def current_period(session: AsyncSession, member_id: int, now: datetime) -> PlanPeriod | None:
    """The active period running at ``now`` (periods of one member never overlap)."""
    stmt = (
        select(PlanPeriod)
        .where(
            PlanPeriod.member_id == member_id,
            PlanPeriod.status == "active",
            PlanPeriod.starts_at <= now,
            PlanPeriod.ends_at > now,
        )
        .order_by(PlanPeriod.starts_at)
        .limit(1)
    )
    return (await session.scalars(stmt)).one_or_none()


async def account_and_period(
    session: AsyncSession, member_id: int, now: datetime
) -> tuple[tuple[int, int | None, datetime | None] | None, dict[str, Any] | None]:
    """In one statement: the member's (level, granted_level, granted_until), None without an
    account, and the benefits of their plan period running at ``now``, None without one."""

    def _account(column: Any) -> Any:
        return select(column).where(Account.member_id == member_id).scalar_subquery()

    period = (
        select(PlanPeriod.benefits)
        .where(
            PlanPeriod.member_id == member_id,
            PlanPeriod.status == "active",
            PlanPeriod.starts_at <= now,
            PlanPeriod.ends_at > now,
        )
        .order_by(PlanPeriod.starts_at)
        .limit(1)
        .scalar_subquery()
    )
    stmt = select(
        _account(Account.level),
        _account(Account.granted_level),
        _account(Account.granted_until),
        period,
    )
    level, granted, until, benefits = (await session.execute(stmt)).one()
    account = (int(level), granted, until) if level is not None else None
    return account, benefits


async def list_periods(
    session: AsyncSession,
    *,
    member_id: int | None,
    plan_id: int | None,
    statuses: Sequence[str] | None,
    ends_after: datetime | None,
    ends_before: datetime | None,
    before_id: int | None,
    limit: int,
) -> Sequence[PlanPeriod]:
    """Newest first (keyset on id)."""
    stmt = select(PlanPeriod).order_by(PlanPeriod.id.desc()).limit(limit)
    if member_id is not None:
        stmt = stmt.where(PlanPeriod.member_id == member_id)
    if plan_id is not None:
        stmt = stmt.where(PlanPeriod.plan_id == plan_id)
    if statuses:
        stmt = stmt.where(PlanPeriod.status.in_(list(statuses)))
    if ends_after is not None:
        stmt = stmt.where(PlanPeriod.ends_at > ends_after)
    if ends_before is not None:
        stmt = stmt.where(PlanPeriod.ends_at <= ends_before)
    if before_id is not None:
        stmt = stmt.where(PlanPeriod.id < before_id)
    return (await session.scalars(stmt)).all()


async def subscriptions_ending(
    session: AsyncSession, *, after: datetime, until: datetime, after_member: int, limit: int
) -> Sequence[tuple[int, datetime]]:
    """(member, end) of subscriptions ending in (after, until], by member id from
    ``after_member`` (exclusive)."""
    stmt = (
        select(Subscription.member_id, Subscription.ends_at)
        .where(
            Subscription.ends_at > after,
            Subscription.ends_at <= until,
            Subscription.member_id > after_member,
        )
        .order_by(Subscription.member_id)
        .limit(limit)
    )
    return [(int(m), e) for m, e in (await session.execute(stmt)).all() if e is not None]


async def insert_reminder_if_new(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    stmt = (
        _insert(session, PlanReminder)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["member_id", "ends_at"])
        .returning(PlanReminder.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def list_reminders(
    session: AsyncSession, member_id: int, limit: int
) -> Sequence[PlanReminder]:
    stmt = (
        select(PlanReminder)
        .where(PlanReminder.member_id == member_id)
        .order_by(PlanReminder.id.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def insert_order_benefit(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(insert(OrderBenefit).values(**values))


async def get_order_benefit(session: AsyncSession, order_no: str) -> OrderBenefit | None:
    stmt = select(OrderBenefit).where(OrderBenefit.order_no == order_no)
    return (await session.scalars(stmt)).one_or_none()


async def accounts_above_v0(
    session: AsyncSession, *, after_id: int, limit: int
) -> Sequence[tuple[int, int, int | None, datetime | None]]:
    """(member_id, level, granted_level, granted_until) of accounts that may hold a tier above
    V0, by member id after ``after_id``."""
    stmt = (
        select(Account.member_id, Account.level, Account.granted_level, Account.granted_until)
        .where(
            Account.member_id > after_id,
            (Account.level > 0) | (Account.granted_level.is_not(None)),
        )
        .order_by(Account.member_id)
        .limit(limit)
    )
    return [(int(m), int(lv), g, u) for m, lv, g, u in (await session.execute(stmt)).all()]


async def list_exclusions(session: AsyncSession) -> Sequence[PriceExclusion]:
    stmt = select(PriceExclusion).order_by(PriceExclusion.kind, PriceExclusion.id)
    return (await session.scalars(_fresh(stmt))).all()


async def replace_exclusions(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    await session.execute(delete(PriceExclusion))
    if rows:
        await session.execute(insert(PriceExclusion), list(rows))


async def accounts_of(
    session: AsyncSession, member_ids: Sequence[int]
) -> Sequence[tuple[int, int, int | None, datetime | None]]:
    """(member_id, level, granted_level, granted_until) of those of ``member_ids`` with an
    account (the others are V0)."""
    if not member_ids:
        return []
    stmt = select(
        Account.member_id, Account.level, Account.granted_level, Account.granted_until
    ).where(Account.member_id.in_(list(member_ids)))
    return [(int(m), int(lv), g, u) for m, lv, g, u in (await session.execute(stmt)).all()]


def growth_before(member_id: Any, at: Any) -> Any:
    """A scalar subquery: the member's growth total just before ``at`` (the ledger's sum over
    entries created earlier; downgrades are ledger entries too), for reports that need a
    member's tier at the time of an order (``ix_membership_growth_entry_member_id_created_at``
    serves it)."""
    return (
        select(func.coalesce(func.sum(GrowthEntry.amount), 0))
        .where(GrowthEntry.member_id == member_id, GrowthEntry.created_at < at)
        .scalar_subquery()
    )


def granted_level_at(member_id: Any, at: Any) -> Any:
    """A scalar subquery: the level a paid plan grants the member at ``at`` (null when none).
    Only the current grant is stored (``granted_until``), so a grant is taken to cover every
    moment up to its end."""
    return (
        select(Account.granted_level)
        .where(
            Account.member_id == member_id,
            Account.granted_level.is_not(None),
            Account.granted_until >= at,
        )
        .scalar_subquery()
    )


def member_filter(
    *, level: int | None, svip: bool | None, now: datetime
) -> Callable[[ColumnElement[int]], ColumnElement[bool]]:
    """A condition on a member id for the console's member list (members' query): the
    effective level is ``level`` (the earned level, or a paid grant's while it lasts, as
    ``service._common.effective_level``; no account is V0), and a plan period runs now
    (``svip`` true) or none does (false). ``None`` leaves that part out."""
    granted = and_(
        Account.granted_level.is_not(None),
        or_(Account.granted_until.is_(None), Account.granted_until > now),
        Account.granted_level > Account.level,
    )
    effective = case((granted, Account.granted_level), else_=Account.level)
    running = select(PlanPeriod.member_id).where(
        PlanPeriod.status == "active", PlanPeriod.starts_at <= now, PlanPeriod.ends_at > now
    )

    def condition(member_id: ColumnElement[int]) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if level == 0:
            parts.append(member_id.not_in(select(Account.member_id).where(effective > 0)))
        elif level is not None:
            parts.append(member_id.in_(select(Account.member_id).where(effective == level)))
        if svip is not None:
            parts.append(member_id.in_(running) if svip else member_id.not_in(running))
        return and_(true(), *parts)

    return condition


# -- account merge (members' merge hook) ----------------------------------------------------
#
# Members' account merge hook of membership: the growth account and ledger, tier notices,
# the paid plan (SVIP) periods and subscription, renewal reminders and the benefits orders got.
#
# Decisions (docs/omnichannel.md):
#
# - growth: the ledger moves (every entry keeps its unique ``(reason, ref)``, so nothing counts
#   twice) and the absorbed account's ``growth_total`` is added to the survivor's; the survivor
#   keeps the higher of the two tiers (and the later of two staff-granted tiers);
# - paid plan: nobody loses paid days. The absorbed account's periods that still run are chained
#   after the survivor's last active period (each keeps its remaining length), so two active
#   SVIP subscriptions become one that ends later by the absorbed account's remaining days; a
#   refund of a moved period later gives back exactly its (shifted) unused time, as for any
#   queued period. Ended, pending, cancelled and revoked periods move as history;
# - a notice or reminder both accounts got for the same date stays once (the survivor's).

MERGED_COLUMNS = (
    Account.member_id,
    GrowthEntry.member_id,
    Notice.member_id,
    OrderBenefit.member_id,
    PlanPeriod.member_id,
    PlanReminder.member_id,
    Subscription.member_id,
)
MERGED_TABLES = merge.table_columns(MERGED_COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction (see the module docstring). Returns the rows moved."""
    now = merge.merge_now(session)
    moved = await _move_growth(session, from_id, into_id, now)
    moved += await _move_plan(session, from_id, into_id, now)
    moved += await merge.reassign(session, OrderBenefit.member_id, from_id, into_id)
    moved += await merge.reassign(
        session, Notice.member_id, from_id, into_id, key=(Notice.kind, Notice.period_end)
    )
    moved += await merge.reassign(
        session, PlanReminder.member_id, from_id, into_id, key=(PlanReminder.ends_at,)
    )
    return moved


async def _move_growth(session: AsyncSession, from_id: int, into_id: int, now: datetime) -> int:
    moved = await merge.reassign(session, GrowthEntry.member_id, from_id, into_id)
    source = (
        await session.execute(
            select(
                Account.growth_total,
                Account.level,
                Account.granted_level,
                Account.granted_until,
            ).where(Account.member_id == from_id)
        )
    ).one_or_none()
    if source is None:
        return moved
    total, level, granted_level, granted_until = source
    survivor = (
        await session.execute(
            select(Account.level, Account.granted_until).where(Account.member_id == into_id)
        )
    ).one_or_none()
    if survivor is None:
        # The survivor never earned growth: the absorbed account becomes its account.
        return moved + await merge.reassign(session, Account.member_id, from_id, into_id)
    values: dict[str, object] = {"growth_total": Account.growth_total + total, "updated_at": now}
    if level > survivor.level:
        values |= {"level": level, "tier_since": now}
    if granted_until is not None and (
        survivor.granted_until is None or granted_until > survivor.granted_until
    ):
        values |= {"granted_level": granted_level, "granted_until": granted_until}
    await session.execute(update(Account).where(Account.member_id == into_id).values(values))
    await session.execute(delete(Account).where(Account.member_id == from_id))
    return moved + 1


async def _move_plan(session: AsyncSession, from_id: int, into_id: int, now: datetime) -> int:
    pair = (from_id, into_id)
    before = set(
        await session.scalars(
            select(Subscription.member_id).where(Subscription.member_id.in_(pair))
        )
    )
    # Both subscription rows locked in id order, as start_period and revoke lock them: a plan
    # payment or refund of either account waits for the merge (and then finds its period moved).
    ends = {m: await lock_subscription(session, m, now) for m in sorted(pair)}
    source = (
        await session.execute(
            select(Subscription.plan_id, Subscription.ends_at).where(
                Subscription.member_id == from_id
            )
        )
    ).one()
    cursor = max(ends[into_id] or now, now)
    plan_id: int | None = None
    for period in await active_periods(session, from_id):
        if period.ends_at is None or period.ends_at <= now:
            continue
        period_id, period_plan = period.id, period.plan_id
        remaining = period.ends_at - max(period.starts_at or now, now)
        await shift_period(
            session, period_id, starts_at=cursor, ends_at=cursor + remaining, now=now
        )
        cursor, plan_id = cursor + remaining, period_plan
    moved = await merge.reassign(session, PlanPeriod.member_id, from_id, into_id)
    if plan_id is not None:
        await set_subscription(session, into_id, plan_id=plan_id, ends_at=cursor, now=now)
    elif into_id not in before and from_id in before:
        await set_subscription(
            session, into_id, plan_id=source.plan_id, ends_at=source.ends_at, now=now
        )
    elif into_id not in before:
        # Only the lock's upsert made it: neither account ever bought a plan.
        await session.execute(delete(Subscription).where(Subscription.member_id == into_id))
    await session.execute(delete(Subscription).where(Subscription.member_id == from_id))
    return moved
