"""Membership business rules: the tier table and settings, growth (idempotent per (reason,
ref)) with immediate upgrades, growth from paid orders and its reversal on refunds, staff
adjustments, the member centre's card, and the tier-period job (warnings, downgrades).

Every change runs in the caller's transaction (flush only), except ``evaluate_periods`` (the
job), which opens one transaction per batch.
"""

from __future__ import annotations

from ._common import MemberTier, benefits_view, load_rules, load_settings
from .benefits import (
    OrderBenefit,
    levels_of,
    members_above_v0,
    order_benefit,
    record_order_benefit,
    tier_table,
)
from .exclusions import get_exclusions, price_exclusions, public_exclusions, save_exclusions
from .growth import (
    GrowthResult,
    add_growth,
    adjust,
    handle_aftersale_refunded,
    handle_order_paid,
    handle_order_refunded,
    list_growth,
    require_member,
)
from .periods import PeriodReport, evaluate_periods
from .plans import list_plans, plan_savings, save_plan
from .subscriptions import (
    buy_plan,
    cancel_pending,
    list_subscriptions,
    remind_renewals,
    revoke,
    start_period,
)
from .svip import svip_status
from .tiers import (
    account_of,
    benefits_for,
    card,
    draft_rules,
    get_settings,
    list_tiers,
    member_filter,
    save_settings,
    save_tiers,
    stats,
    tier_and_benefits,
    tier_of,
)

__all__ = [
    "GrowthResult",
    "MemberTier",
    "OrderBenefit",
    "PeriodReport",
    "account_of",
    "add_growth",
    "adjust",
    "benefits_for",
    "benefits_view",
    "buy_plan",
    "cancel_pending",
    "card",
    "draft_rules",
    "evaluate_periods",
    "get_exclusions",
    "get_settings",
    "handle_aftersale_refunded",
    "handle_order_paid",
    "handle_order_refunded",
    "levels_of",
    "list_growth",
    "list_plans",
    "list_subscriptions",
    "list_tiers",
    "load_rules",
    "load_settings",
    "member_filter",
    "members_above_v0",
    "order_benefit",
    "plan_savings",
    "price_exclusions",
    "public_exclusions",
    "record_order_benefit",
    "remind_renewals",
    "require_member",
    "revoke",
    "save_exclusions",
    "save_plan",
    "save_settings",
    "save_tiers",
    "start_period",
    "stats",
    "svip_status",
    "tier_and_benefits",
    "tier_of",
    "tier_table",
]
