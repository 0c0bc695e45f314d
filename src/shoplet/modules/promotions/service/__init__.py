"""Promotions business rules: coupon templates, claims and staff issues, the wallet a checkout
prices against, redemption, and giving coupons back when their order is cancelled or refunded.

Every change runs in the caller's transaction (flush only). Counting is atomic SQL in
``repository.py``; a rejected request raises before writing or rolls the transaction back, so
nothing is half-claimed.
"""

from __future__ import annotations

from ._common import coupon_view
from .applying import (
    CartPlan,
    applied_promotions,
    console_preview,
    give_back_units,
    order_allocation,
    plan_cart,
    record_order_rules,
)
from .campaigns import (
    create_promotion,
    get_policy,
    get_promotion,
    list_promotions,
    set_promotion_status,
    update_policy,
    update_promotion,
)
from .claiming import claim, coupon_centre, get_coupon, issue, list_claims, list_my_coupons
from .codes import create_batch, disable_batch, list_batches, redeem_code
from .gifts import GiftReport, handle_tier_changed, issue_member_gifts, my_gifts
from .jobs import get_job, list_jobs
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
from .running import run_job, run_open_jobs
from .segments import issue_to_segment
from .snapshots import order_coupon, order_promotions
from .tags import product_changed, product_tags
from .templates import (
    create_template,
    get_template,
    list_templates,
    set_template_status,
    update_template,
)
from .voiding import void_coupon, void_unused

__all__ = [
    "AppliedCoupon",
    "CartPlan",
    "GiftReport",
    "WalletEntry",
    "applied_coupon",
    "applied_promotions",
    "best_entry",
    "claim",
    "console_preview",
    "coupon_centre",
    "coupon_for_cart",
    "coupon_view",
    "create_batch",
    "create_promotion",
    "create_template",
    "disable_batch",
    "expire_due",
    "get_coupon",
    "get_job",
    "get_policy",
    "get_promotion",
    "get_template",
    "give_back",
    "give_back_units",
    "handle_order_paid",
    "handle_tier_changed",
    "issue",
    "issue_member_gifts",
    "issue_to_segment",
    "list_batches",
    "list_claims",
    "list_jobs",
    "list_my_coupons",
    "list_promotions",
    "list_templates",
    "my_gifts",
    "order_allocation",
    "order_coupon",
    "order_promotions",
    "plan_cart",
    "product_changed",
    "product_tags",
    "record_order_rules",
    "redeem",
    "redeem_code",
    "rule_of",
    "run_job",
    "run_open_jobs",
    "set_promotion_status",
    "set_template_status",
    "update_policy",
    "update_promotion",
    "update_template",
    "void_coupon",
    "void_unused",
    "wallet",
]
