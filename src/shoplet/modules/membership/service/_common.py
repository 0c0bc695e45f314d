"""What the membership service files share: the tier table and settings in force, views."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from typing import Final

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import read_through
from shoplet.modules.membership import repository as repo
from shoplet.modules.membership.models import Account, GrowthEntry
from shoplet.modules.membership.rules import (
    DEFAULT_SETTINGS,
    DEFAULT_TIERS,
    Benefits,
    MembershipSettings,
    TierRule,
    add_months,
    tier_at,
)
from shoplet.modules.membership.schemas import (
    AccountOut,
    BenefitsOut,
    GrowthEntryOut,
    TierOut,
)


@dataclass(frozen=True, slots=True)
class MemberTier:
    """A member's tier as other modules see it: code (``V2``), name, level, benefits."""

    code: str
    name: str
    level: int
    benefits: Benefits


async def load_rules(session: AsyncSession) -> tuple[TierRule, ...]:
    """The tier table in force: the console's, or the defaults while it was never saved."""
    rows = await repo.load_tiers(session)
    if not rows:
        return DEFAULT_TIERS
    return tuple(
        TierRule(
            level=r.level,
            code=r.code,
            name=r.name,
            threshold=r.threshold,
            keep_threshold=r.keep_threshold,
            benefits=Benefits(
                discount_permille=r.discount_permille,
                free_shipping=r.free_shipping,
                free_shipping_threshold=r.free_shipping_threshold,
                points_multiplier_permille=r.points_multiplier_permille,
                birthday_coupon_template_id=r.birthday_coupon_template_id,
                exclusive_coupon_template_ids=tuple(r.exclusive_coupon_template_ids),
                priority_service=r.priority_service,
            ),
            pack_active_days=r.pack_active_days,
            pack_monthly_cap=r.pack_monthly_cap,
        )
        for r in rows
    )


# The tier table as every preview reads it (``tier_of``): cached per process, dropped in every
# process when the table is saved (``save_tiers``).
CACHE_TIERS: Final = "membership_tiers"
TIERS_KEY: Final = "table"
TIERS_TTL: Final = 60.0


async def _tiers_body(session: AsyncSession) -> bytes:
    return orjson.dumps([asdict(t) for t in await load_rules(session)])


@lru_cache(maxsize=4)
def _parse_tiers(body: bytes) -> tuple[TierRule, ...]:
    return tuple(
        TierRule(
            **{
                **t,
                "benefits": Benefits(
                    **{
                        **t["benefits"],
                        "exclusive_coupon_template_ids": tuple(
                            t["benefits"]["exclusive_coupon_template_ids"]
                        ),
                    }
                ),
            }
        )
        for t in orjson.loads(body)
    )


async def cached_rules(session: AsyncSession) -> tuple[TierRule, ...]:
    """``load_rules`` through the process's cache."""
    body = await read_through(session, CACHE_TIERS, TIERS_KEY, _tiers_body, ttl=TIERS_TTL)
    return _parse_tiers(body)


async def load_settings(session: AsyncSession) -> MembershipSettings:
    row = await repo.get_settings(session)
    if row is None:
        return DEFAULT_SETTINGS
    return MembershipSettings(
        fen_per_growth=row.fen_per_growth,
        period_months=row.period_months,
        warn_days=row.warn_days,
    )


def effective_level(account: Account | None, now: datetime) -> int:
    """The account's level, or a granted (paid plan) level while the grant lasts."""
    if account is None:
        return 0
    level = account.level
    if account.granted_level is not None and (
        account.granted_until is None or account.granted_until > now
    ):
        level = max(level, account.granted_level)
    return level


def member_tier(rule: TierRule) -> MemberTier:
    return MemberTier(code=rule.code, name=rule.name, level=rule.level, benefits=rule.benefits)


def benefits_view(b: Benefits) -> BenefitsOut:
    return BenefitsOut(
        discount_permille=b.discount_permille,
        free_shipping=b.free_shipping,
        free_shipping_threshold=b.free_shipping_threshold,
        points_multiplier_permille=b.points_multiplier_permille,
        birthday_coupon_template_id=b.birthday_coupon_template_id,
        exclusive_coupon_template_ids=list(b.exclusive_coupon_template_ids),
        priority_service=b.priority_service,
    )


def tier_view(rule: TierRule) -> TierOut:
    return TierOut(
        level=rule.level,
        code=rule.code,
        name=rule.name,
        threshold=rule.threshold,
        keep_threshold=rule.keep_threshold,
        benefits=benefits_view(rule.benefits),
        pack_active_days=rule.pack_active_days,
        pack_monthly_cap=rule.pack_monthly_cap,
    )


def entry_view(row: GrowthEntry) -> GrowthEntryOut:
    return GrowthEntryOut(
        id=row.id,
        amount=row.amount,
        reason=row.reason,  # type: ignore[arg-type]
        ref=row.ref,
        note=row.note,
        created_at=row.created_at,
    )


def account_view(
    member_id: int,
    account: Account | None,
    tiers: tuple[TierRule, ...],
    settings: MembershipSettings,
    now: datetime,
) -> AccountOut:
    level = effective_level(account, now)
    return AccountOut(
        member_id=member_id,
        growth=account.growth_total if account else 0,
        level=level,
        tier=tier_view(tier_at(level, tiers)),
        tier_since=account.tier_since if account else None,
        period_start=account.period_start if account else None,
        period_end=add_months(account.period_start, settings.period_months)
        if account and account.level > 0
        else None,
        last_evaluated_at=account.last_evaluated_at if account else None,
    )
