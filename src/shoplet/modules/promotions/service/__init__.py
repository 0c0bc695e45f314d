"""Promotions business rules: coupon templates, claims and staff issues, the wallet a checkout
prices against, redemption, and giving coupons back when their order is cancelled or refunded.

Every change runs in the caller's transaction (flush only). Counting is atomic SQL in
``repository.py``; a rejected request raises before writing or rolls the transaction back, so
nothing is half-claimed.
"""

from __future__ import annotations

from ._common import coupon_view
from .claiming import claim, coupon_centre, get_coupon, issue, list_claims, list_my_coupons
from .redeeming import (
    AppliedCoupon,
    WalletEntry,
    applied_coupon,
    best_entry,
    coupon_for_cart,
    expire_due,
    give_back,
    handle_order_paid,
    redeem,
    rule_of,
    wallet,
)
from .templates import (
    create_template,
    get_template,
    list_templates,
    set_template_status,
    update_template,
)

__all__ = [
    "AppliedCoupon",
    "WalletEntry",
    "applied_coupon",
    "best_entry",
    "claim",
    "coupon_centre",
    "coupon_for_cart",
    "coupon_view",
    "create_template",
    "expire_due",
    "get_coupon",
    "get_template",
    "give_back",
    "handle_order_paid",
    "issue",
    "list_claims",
    "list_my_coupons",
    "list_templates",
    "redeem",
    "rule_of",
    "set_template_status",
    "update_template",
    "wallet",
]
