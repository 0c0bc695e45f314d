"""What other modules may use from promotions.

- checkout: :func:`wallet` (every held coupon priced against a cart), :func:`best_entry`
  (the one to apply automatically), :func:`coupon_for_cart` (the shopper's choice, or the 4xx
  saying why not) and :func:`redeem` (lock it for the order, in the order's transaction);
  the pure types ``CartLine`` and ``Offer`` it prices with;
- after-sales and order pages: :func:`applied_coupon`, the snapshot an order was placed with;
- analytics (to come): :func:`issue` with plain member ids.

Everything runs in the caller's transaction (flush only).
"""

from __future__ import annotations

from shoplet.modules.promotions.errors import (
    BelowThreshold,
    ClaimLimitReached,
    CouponExpired,
    CouponNotFound,
    CouponUnavailable,
    OutOfScope,
    QuotaExhausted,
)
from shoplet.modules.promotions.events import COUPON_CLAIMED, COUPON_RETURNED, COUPON_USED
from shoplet.modules.promotions.rules import CartLine, Offer, Refusal
from shoplet.modules.promotions.schemas import Coupon, CouponOption
from shoplet.modules.promotions.service import (
    AppliedCoupon,
    WalletEntry,
    applied_coupon,
    best_entry,
    coupon_for_cart,
    issue,
    redeem,
    wallet,
)

__all__ = [
    "COUPON_CLAIMED",
    "COUPON_RETURNED",
    "COUPON_USED",
    "AppliedCoupon",
    "BelowThreshold",
    "CartLine",
    "ClaimLimitReached",
    "Coupon",
    "CouponExpired",
    "CouponNotFound",
    "CouponOption",
    "CouponUnavailable",
    "Offer",
    "OutOfScope",
    "QuotaExhausted",
    "Refusal",
    "WalletEntry",
    "applied_coupon",
    "best_entry",
    "coupon_for_cart",
    "issue",
    "redeem",
    "wallet",
]
