"""What other modules may use from membership.

- promotions (member price), checkout (benefits at checkout), loyalty (points multiplier):
  :func:`tier_of` (the member's ``MemberTier``: code, name, level, benefits) and
  :func:`benefits_for` (its ``Benefits``: ``member_price``, ``goods_discount``,
  ``ships_free``, ``points``); :func:`tier_and_benefits` gives both from one read;
- loyalty (sign-in growth), reviews (review growth): :func:`add_growth`, idempotent per
  (reason, ref), upgrading at once;
- the storefront's "开通SVIP省¥xx": :func:`plan_savings_estimate` (what each plan on sale
  would save the member, beyond their tier);
- subscribers: ``TIER_CHANGED``, ``PLAN_STARTED``, ``PLAN_REVOKED``, ``RENEWAL_DUE``;
- checkout: :func:`price_exclusions` (``PriceExclusions.covers(product_id, category_id)``: goods
  the member price skips; cached).

``benefits_for`` merges the tier's benefits with those of a paid plan period running now
(``rules.best_of``: each benefit the better of the two).
- checkout: :func:`record_order_benefit` (the tier benefits an order got, in its
  transaction); loyalty: :func:`order_benefit` (its snapshot: the points multiplier);
- promotions (birthday and exclusive coupons): :func:`tier_table` (each tier's coupon
  templates) and :func:`members_above_v0` (members by effective level, keyset pages),
  :func:`levels_of` (effective levels of a page of members: the entry tier's pack);
- subscribers: ``TIER_CHANGED``.
- subscribers: ``TIER_CHANGED``;
- reports (insights' benefit cost model): :func:`load_rules` (the tier table in force),
  :func:`draft_rules` (an unsaved ``TiersBody``, validated), and the SQL pieces
  :func:`growth_before` / :func:`granted_level_at` that place an order in the tier its member
  held when paying.

Everything runs in the caller's transaction (flush only).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.members import public as members
from shoplet.modules.membership import repository as _merge
from shoplet.modules.membership.errors import InvalidTiers
from shoplet.modules.membership.events import PLAN_REVOKED, PLAN_STARTED, RENEWAL_DUE, TIER_CHANGED
from shoplet.modules.membership.repository import granted_level_at, growth_before
from shoplet.modules.membership.rules import Benefits, PriceExclusions, TierRule, best_of
from shoplet.modules.membership.schemas import TiersBody
from shoplet.modules.membership.service import (
    GrowthResult,
    MemberTier,
    OrderBenefit,
    add_growth,
    benefits_for,
    draft_rules,
    levels_of,
    load_rules,
    members_above_v0,
    order_benefit,
    plan_savings,
    price_exclusions,
    record_order_benefit,
    tier_and_benefits,
    tier_of,
    tier_table,
)

__all__ = [
    "PLAN_REVOKED",
    "PLAN_STARTED",
    "RENEWAL_DUE",
    "TIER_CHANGED",
    "Benefits",
    "GrowthResult",
    "InvalidTiers",
    "MemberTier",
    "OrderBenefit",
    "PriceExclusions",
    "TierRule",
    "TiersBody",
    "add_growth",
    "benefits_for",
    "best_of",
    "draft_rules",
    "granted_level_at",
    "growth_before",
    "levels_of",
    "load_rules",
    "members_above_v0",
    "order_benefit",
    "plan_savings_estimate",
    "price_exclusions",
    "record_order_benefit",
    "startup",
    "tier_and_benefits",
    "tier_of",
    "tier_table",
]


async def plan_savings_estimate(
    session: AsyncSession, member_id: int, *, now: datetime | None = None
) -> dict[int, int]:
    """{plan id: fen} each plan on sale would save the member over its months: the plan's goods
    discount beyond their tier's, on a third of what they paid in the last 90 days, or on an
    assumed ¥300 a month with no order then."""
    tier = await tier_of(session, member_id, now=now)
    savings, _spend, _basis = await plan_savings(session, member_id, tier.benefits, now=now)
    return {s.plan_id: s.saving for s in savings}


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves growth, tiers and paid-plan periods through this hook."""
    members.register_merge_hook(ctx, "membership", _merge.move_member, tables=_merge.MERGED_TABLES)
