"""What other modules may use from membership.

- promotions (member price), checkout (benefits at checkout), loyalty (points multiplier):
  :func:`tier_of` (the member's ``MemberTier``: code, name, level, benefits) and
  :func:`benefits_for` (its ``Benefits``: ``member_price``, ``goods_discount``,
  ``ships_free``, ``points``);
- loyalty (sign-in growth), reviews (review growth): :func:`add_growth`, idempotent per
  (reason, ref), upgrading at once;
- subscribers: ``TIER_CHANGED``.

Everything runs in the caller's transaction (flush only).
"""

from __future__ import annotations

from shoplet.modules.membership.events import TIER_CHANGED
from shoplet.modules.membership.rules import Benefits
from shoplet.modules.membership.service import (
    GrowthResult,
    MemberTier,
    add_growth,
    benefits_for,
    tier_of,
)

__all__ = [
    "TIER_CHANGED",
    "Benefits",
    "GrowthResult",
    "MemberTier",
    "add_growth",
    "benefits_for",
    "tier_of",
]
