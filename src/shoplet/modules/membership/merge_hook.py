"""Members' account merge hook of membership: the growth account and ledger, tier notices,
the paid plan (SVIP) periods and subscription, renewal reminders and the benefits orders got.

Decisions (docs/omnichannel.md):

- growth: the ledger moves (every entry keeps its unique ``(reason, ref)``, so nothing counts
  twice) and the absorbed account's ``growth_total`` is added to the survivor's; the survivor
  keeps the higher of the two tiers (and the later of two staff-granted tiers);
- paid plan: nobody loses paid days. The absorbed account's periods that still run are chained
  after the survivor's last active period (each keeps its remaining length), so two active
  SVIP subscriptions become one that ends later by the absorbed account's remaining days; a
  refund of a moved period later gives back exactly its (shifted) unused time, as for any
  queued period. Ended, pending, cancelled and revoked periods move as history;
- a notice or reminder both accounts got for the same date stays once (the survivor's).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.membership import repository as repo
from shoplet.modules.membership.models import (
    Account,
    GrowthEntry,
    Notice,
    OrderBenefit,
    PlanPeriod,
    PlanReminder,
    Subscription,
)

COLUMNS = (
    Account.member_id,
    GrowthEntry.member_id,
    Notice.member_id,
    OrderBenefit.member_id,
    PlanPeriod.member_id,
    PlanReminder.member_id,
    Subscription.member_id,
)
TABLES = merge.table_columns(COLUMNS)


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
    ends = {m: await repo.lock_subscription(session, m, now) for m in sorted(pair)}
    source = (
        await session.execute(
            select(Subscription.plan_id, Subscription.ends_at).where(
                Subscription.member_id == from_id
            )
        )
    ).one()
    cursor = max(ends[into_id] or now, now)
    plan_id: int | None = None
    for period in await repo.active_periods(session, from_id):
        if period.ends_at is None or period.ends_at <= now:
            continue
        period_id, period_plan = period.id, period.plan_id
        remaining = period.ends_at - max(period.starts_at or now, now)
        await repo.shift_period(
            session, period_id, starts_at=cursor, ends_at=cursor + remaining, now=now
        )
        cursor, plan_id = cursor + remaining, period_plan
    moved = await merge.reassign(session, PlanPeriod.member_id, from_id, into_id)
    if plan_id is not None:
        await repo.set_subscription(session, into_id, plan_id=plan_id, ends_at=cursor, now=now)
    elif into_id not in before and from_id in before:
        await repo.set_subscription(
            session, into_id, plan_id=source.plan_id, ends_at=source.ends_at, now=now
        )
    elif into_id not in before:
        # Only the lock's upsert made it: neither account ever bought a plan.
        await session.execute(delete(Subscription).where(Subscription.member_id == into_id))
    await session.execute(delete(Subscription).where(Subscription.member_id == from_id))
    return moved
