"""Tier periods: the job that warns members who are not keeping their tier and, once the
period ends, lowers them one level (or starts a new period when they kept it).

Every step is a conditional update on the account's ``period_start`` and level, and notices are
unique per (member, kind, period end), so a re-run, a late run or two workers converge: each
period ends once. Accounts are processed in batches of ``batch_size`` by member id, one
transaction per batch, with progress logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.db import unit_of_work
from shoplet.core.events import publish
from shoplet.core.params import SHOP_TZ
from shoplet.modules.membership import repository as repo
from shoplet.modules.membership.events import TIER_CHANGED
from shoplet.modules.membership.models import Account
from shoplet.modules.membership.rules import MembershipSettings, TierRule, add_months, tier_at

from ._common import load_rules, load_settings
from .growth import add_growth

log = structlog.get_logger("shoplet.membership")

BATCH_SIZE = 200


@dataclass(slots=True)
class PeriodReport:
    """What one run did: accounts looked at, warnings written, downgrades, tiers kept."""

    checked: int = 0
    warned: int = 0
    downgraded: int = 0
    kept: int = 0
    batches: int = 0
    downgraded_members: list[int] = field(default_factory=list)


def _day(moment: datetime) -> str:
    local = moment.astimezone(SHOP_TZ)
    return f"{local.year}年{local.month}月{local.day}日"


async def _warn(  # noqa: PLR0917
    session: AsyncSession,
    account: Account,
    period_end: datetime,
    lower: TierRule,
    missing: int,
    now: datetime,
) -> bool:
    return await repo.insert_notice_if_new(
        session,
        {
            "member_id": account.member_id,
            "kind": "downgrade_warning",
            "from_level": account.level,
            "to_level": lower.level,
            "period_end": period_end,
            "message": (
                f"您的会员等级将于{_day(period_end)}调整为{lower.name}，"
                f"本周期再获得{missing}成长值即可保级"
            ),
            "created_at": now,
        },
    )


async def _downgrade(
    session: AsyncSession,
    account: Account,
    period_end: datetime,
    tiers: tuple[TierRule, ...],
    now: datetime,
) -> bool:
    # The update below refreshes ``account`` in the session: keep what it was.
    member_id, from_level = account.member_id, account.level
    current, lower = tier_at(from_level, tiers), tier_at(from_level - 1, tiers)
    moved = await repo.move_period(
        session,
        member_id,
        expected_period_start=account.period_start,
        expected_level=from_level,
        values={
            "level": lower.level,
            "tier_since": period_end,
            "period_start": period_end,
            "last_evaluated_at": now,
            "updated_at": now,
        },
    )
    if not moved:
        return False
    # The total comes down to the lower tier's threshold, so the next growth does not lift
    # the member straight back (growth earned since counts again from there). Read again: the
    # row is locked by the update now, so this is the latest total.
    fresh = await repo.get_account(session, member_id)
    total = fresh.growth_total if fresh is not None else lower.threshold
    excess = total - lower.threshold
    if excess > 0:
        await add_growth(
            session,
            member_id,
            -excess,
            "downgrade",
            f"{member_id}/{period_end.isoformat()}",
            note=f"会员等级调整为{lower.name}",
            now=now,
        )
    await repo.insert_notice_if_new(
        session,
        {
            "member_id": member_id,
            "kind": "downgraded",
            "from_level": from_level,
            "to_level": lower.level,
            "period_end": period_end,
            "message": f"您的会员等级已于{_day(period_end)}调整为{lower.name}",
            "created_at": now,
        },
    )
    await publish(
        session,
        TIER_CHANGED,
        {
            "member_id": member_id,
            "from_level": from_level,
            "to_level": lower.level,
            "from_code": current.code,
            "to_code": lower.code,
            "direction": "down",
            "growth_total": min(total, lower.threshold),
            "cause": "downgrade",
        },
        key=str(member_id),
    )
    return True


async def _evaluate(  # noqa: PLR0917
    session: AsyncSession,
    account: Account,
    tiers: tuple[TierRule, ...],
    settings: MembershipSettings,
    now: datetime,
    report: PeriodReport,
) -> None:
    period_end = add_months(account.period_start, settings.period_months)
    if now < period_end - timedelta(days=settings.warn_days):
        return
    report.checked += 1
    current = tier_at(account.level, tiers)
    earned = await repo.earned_between(
        session, account.member_id, account.period_start, min(now, period_end)
    )
    keeps = earned >= current.keep_threshold
    if now < period_end:
        if not keeps and await _warn(
            session,
            account,
            period_end,
            tier_at(account.level - 1, tiers),
            current.keep_threshold - earned,
            now,
        ):
            report.warned += 1
        return
    if keeps:
        if await repo.move_period(
            session,
            account.member_id,
            expected_period_start=account.period_start,
            expected_level=account.level,
            values={"period_start": period_end, "last_evaluated_at": now, "updated_at": now},
        ):
            report.kept += 1
    elif await _downgrade(session, account, period_end, tiers, now):
        report.downgraded += 1
        report.downgraded_members.append(account.member_id)


async def evaluate_periods(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    batch_size: int = BATCH_SIZE,
) -> PeriodReport:
    """Warn, downgrade or renew every account whose tier period ends within ``warn_days`` of
    ``now`` (the injectable clock of the job)."""
    report = PeriodReport()
    after = 0
    while True:
        async with unit_of_work(sessionmaker) as session:
            tiers, settings = await load_rules(session), await load_settings(session)
            started_before = add_months(
                now + timedelta(days=settings.warn_days), -settings.period_months
            ) + timedelta(days=4)  # month ends: a superset; _evaluate checks exactly
            batch = await repo.due_accounts(
                session, started_before=started_before, after_member_id=after, limit=batch_size
            )
            for account in batch:
                await _evaluate(session, account, tiers, settings, now, report)
        if not batch:
            break
        after = batch[-1].member_id
        report.batches += 1
        log.info(
            "membership_periods_progress",
            batch=report.batches,
            last_member_id=after,
            checked=report.checked,
            warned=report.warned,
            downgraded=report.downgraded,
            kept=report.kept,
        )
        if len(batch) < batch_size:
            break
    return report
