"""Membership business rules: the tier table and settings, growth (idempotent per (reason,
ref)) with immediate upgrades, growth from paid orders and its reversal on refunds, staff
adjustments, the member centre's card, and the tier-period job (warnings, downgrades).

Every change runs in the caller's transaction (flush only), except ``evaluate_periods`` (the
job), which opens one transaction per batch.
"""

from __future__ import annotations

from ._common import MemberTier, load_rules, load_settings
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
from .tiers import (
    account_of,
    benefits_for,
    card,
    get_settings,
    list_tiers,
    save_settings,
    save_tiers,
    stats,
    tier_of,
)

__all__ = [
    "GrowthResult",
    "MemberTier",
    "PeriodReport",
    "account_of",
    "add_growth",
    "adjust",
    "benefits_for",
    "card",
    "evaluate_periods",
    "get_settings",
    "handle_aftersale_refunded",
    "handle_order_paid",
    "handle_order_refunded",
    "list_growth",
    "list_tiers",
    "load_rules",
    "load_settings",
    "require_member",
    "save_settings",
    "save_tiers",
    "stats",
    "tier_of",
]
