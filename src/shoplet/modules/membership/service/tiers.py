"""Tiers: the table and settings staff edit, what a member's tier is and gives, the member
centre's card, members per tier."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.core.db import utcnow
from shoplet.modules.members.public import MemberFilter
from shoplet.modules.membership import repository as repo
from shoplet.modules.membership.errors import InvalidSettings, InvalidTiers, TierInUse, UnknownTier
from shoplet.modules.membership.rules import (
    Benefits,
    MembershipSettings,
    TierRule,
    add_months,
    best_of,
    progress_permille,
    tier_at,
    tier_problems,
)
from shoplet.modules.membership.schemas import (
    AccountOut,
    MembershipCard,
    NoticeOut,
    SettingsBody,
    SettingsOut,
    TierOut,
    TiersBody,
    TierStat,
    TierStats,
)

from ._common import (
    CACHE_TIERS,
    TIERS_KEY,
    MemberTier,
    account_view,
    cached_rules,
    effective_level,
    load_rules,
    load_settings,
    member_tier,
    tier_view,
)
from .plans import benefits_of_json

NOTICES_ON_CARD = 5
MAX_FEN_PER_GROWTH = 1_000_000
MAX_PERIOD_MONTHS = 36
MAX_WARN_DAYS = 60


def rules_of(body: TiersBody) -> tuple[TierRule, ...]:
    return tuple(
        TierRule(
            level=t.level,
            code=t.code,
            name=t.name,
            threshold=t.threshold,
            keep_threshold=t.keep_threshold,
            benefits=Benefits(
                discount_permille=t.benefits.discount_permille,
                free_shipping=t.benefits.free_shipping,
                free_shipping_threshold=t.benefits.free_shipping_threshold,
                points_multiplier_permille=t.benefits.points_multiplier_permille,
                birthday_coupon_template_id=t.benefits.birthday_coupon_template_id,
                exclusive_coupon_template_ids=tuple(t.benefits.exclusive_coupon_template_ids),
                priority_service=t.benefits.priority_service,
            ),
            pack_active_days=t.pack_active_days,
            pack_monthly_cap=t.pack_monthly_cap,
        )
        for t in body.tiers
    )


async def list_tiers(session: AsyncSession) -> list[TierOut]:
    return [tier_view(t) for t in await load_rules(session)]


async def save_tiers(session: AsyncSession, body: TiersBody) -> list[TierOut]:
    """Replace the whole table (400 ``membership.invalid_tiers`` with every problem; 409
    ``membership.tier_in_use`` when members hold a level it drops). Members keep their level;
    new thresholds apply to their next growth."""
    tiers = rules_of(body)
    problems = tier_problems(tiers)
    if problems:
        raise InvalidTiers("; ".join(problems), problems=problems)
    held = await repo.highest_level_held(session)
    if held is not None and held >= len(tiers):
        raise TierInUse(f"members hold level {held}; keep {held + 1} tiers or more", level=held)
    now = utcnow()
    await repo.replace_tiers(
        session,
        [
            {
                "level": t.level,
                "code": t.code,
                "name": t.name,
                "threshold": t.threshold,
                "keep_threshold": t.keep_threshold,
                "discount_permille": t.benefits.discount_permille,
                "free_shipping": t.benefits.free_shipping,
                "free_shipping_threshold": t.benefits.free_shipping_threshold,
                "points_multiplier_permille": t.benefits.points_multiplier_permille,
                "birthday_coupon_template_id": t.benefits.birthday_coupon_template_id,
                "exclusive_coupon_template_ids": list(t.benefits.exclusive_coupon_template_ids),
                "priority_service": t.benefits.priority_service,
                "pack_active_days": t.pack_active_days,
                "pack_monthly_cap": t.pack_monthly_cap,
                "updated_at": now,
            }
            for t in tiers
        ],
    )
    invalidate_after_commit(session, CACHE_TIERS, TIERS_KEY)
    return [tier_view(t) for t in tiers]


def _settings_view(s: MembershipSettings) -> SettingsOut:
    return SettingsOut(
        fen_per_growth=s.fen_per_growth, period_months=s.period_months, warn_days=s.warn_days
    )


async def get_settings(session: AsyncSession) -> SettingsOut:
    return _settings_view(await load_settings(session))


async def save_settings(session: AsyncSession, body: SettingsBody) -> SettingsOut:
    """400 ``membership.invalid_settings`` outside 1..1000000 fen per growth, 1..36 months,
    0..60 warning days."""
    if not 1 <= body.fen_per_growth <= MAX_FEN_PER_GROWTH:
        raise InvalidSettings(f"fen_per_growth must be 1..{MAX_FEN_PER_GROWTH}")
    if not 1 <= body.period_months <= MAX_PERIOD_MONTHS:
        raise InvalidSettings(f"period_months must be 1..{MAX_PERIOD_MONTHS}")
    if not 0 <= body.warn_days <= MAX_WARN_DAYS:
        raise InvalidSettings(f"warn_days must be 0..{MAX_WARN_DAYS}")
    values = body.model_dump()
    await repo.save_settings(session, {**values, "updated_at": utcnow()})
    return SettingsOut(**values)


async def tier_of(
    session: AsyncSession, member_id: int, *, now: datetime | None = None
) -> MemberTier:
    """The member's tier now (V0 before any growth)."""
    now = now or utcnow()
    account = await repo.get_account(session, member_id)
    return member_tier(tier_at(effective_level(account, now), await cached_rules(session)))


async def benefits_for(
    session: AsyncSession, member_id: int, *, now: datetime | None = None
) -> Benefits:
    """What the member gets now: their tier's benefits, merged with those of the paid plan
    period running now (``rules.best_of``: each benefit the better of the two);
    ``member_price``, ``goods_discount``, ``ships_free``, ``points`` price and count with it."""
    return (await tier_and_benefits(session, member_id, now=now))[1]


async def tier_and_benefits(
    session: AsyncSession, member_id: int, *, now: datetime | None = None
) -> tuple[MemberTier, Benefits]:
    """``tier_of`` and ``benefits_for`` with one statement: the account and the plan period
    running now together (the tier table comes from the cache)."""
    now = now or utcnow()
    account, plan = await repo.account_and_period(session, member_id, now)
    level = 0
    if account is not None:
        earned, granted, until = account
        lasts = granted is not None and (until is None or until > now)
        level = max(earned, granted) if lasts and granted is not None else earned
    tier = member_tier(tier_at(level, await cached_rules(session)))
    return tier, best_of(tier.benefits, benefits_of_json(plan) if plan is not None else None)


async def card(session: AsyncSession, member_id: int) -> MembershipCard:
    now = utcnow()
    tiers, settings = await load_rules(session), await load_settings(session)
    account = await repo.get_account(session, member_id)
    level = effective_level(account, now)
    current = tier_at(level, tiers)
    following = next((t for t in tiers if t.level > current.level), None)
    total = account.growth_total if account else 0
    notices = await repo.list_notices(session, member_id, NOTICES_ON_CARD)
    return MembershipCard(
        tier=tier_view(current),
        growth=total,
        next_tier=tier_view(following) if following else None,
        growth_to_next=max(following.threshold - total, 0) if following else None,
        progress_permille=progress_permille(total, current, following),
        tier_since=account.tier_since if account and account.level > 0 else None,
        period_end=add_months(account.period_start, settings.period_months)
        if account and account.level > 0
        else None,
        notices=[
            NoticeOut(
                id=n.id,
                kind=n.kind,  # type: ignore[arg-type]
                from_level=n.from_level,
                to_level=n.to_level,
                period_end=n.period_end,
                message=n.message,
                created_at=n.created_at,
            )
            for n in notices
        ],
    )


async def account_of(session: AsyncSession, member_id: int) -> AccountOut:
    tiers, settings = await load_rules(session), await load_settings(session)
    account = await repo.get_account(session, member_id)
    return account_view(member_id, account, tiers, settings, utcnow())


async def stats(session: AsyncSession) -> TierStats:
    tiers = await load_rules(session)
    counts = await repo.members_per_level(session)
    rows = [TierStat(level=t.level, code=t.code, name=t.name, members=0) for t in tiers]
    for level, n in counts.items():
        index = tier_at(level, tiers).level
        rows[index] = rows[index].model_copy(update={"members": rows[index].members + n})
    return TierStats(tiers=rows, total=sum(counts.values()))


def draft_rules(body: TiersBody) -> tuple[TierRule, ...]:
    """A tier table staff have not saved yet, checked like a save (400
    ``membership.invalid_tiers``), for projections."""
    tiers = rules_of(body)
    problems = tier_problems(tiers)
    if problems:
        raise InvalidTiers("; ".join(problems), problems=problems)
    return tiers


async def member_filter(
    session: AsyncSession, *, level: int | None, svip: bool | None, now: datetime | None = None
) -> MemberFilter | None:
    """The console member list's tier filter (members' ``MemberFilter``): members whose
    effective level is ``level`` (a paid grant's included), with (``svip`` true) or without a
    plan period running now; None when neither is asked. 400 ``membership.unknown_tier`` for a
    level the tier table does not have (nothing is read or written after it)."""
    if level is not None and level not in {t.level for t in await load_rules(session)}:
        raise UnknownTier(f"The tier table has no level {level}", level=level)
    if level is None and svip is None:
        return None
    return repo.member_filter(level=level, svip=svip, now=now or utcnow())
