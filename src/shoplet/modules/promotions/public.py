"""What other modules may use from promotions.

- checkout: :func:`wallet` (every held coupon priced against a cart), :func:`best_entry`
  (the one to apply automatically), :func:`coupon_for_cart` (the shopper's choice, or the 4xx
  saying why not) and :func:`redeem` (lock it for the order, in the order's transaction);
  the pure types ``CartLine`` and ``Offer`` it prices with;
- after-sales and order pages: :func:`applied_coupon`, the snapshot an order was placed with;
- checkout, store-wide promotions: :func:`plan_cart` (the running promotions, the policy and
  the coupon on a cart: a ``CartPlan`` with every step's per-line allocation),
  :func:`record_order_rules` (the snapshot rows and per-shopper units, in the order's
  transaction), the pure ``Line`` it plans with and ``AppliedPromotion`` it shows;
- after-sales and order pages: :func:`order_allocation` (per-line discount per applied rule);
- analytics (to come): :func:`issue` with plain member ids;
- reports (insights' benefit cost model): :func:`order_savings`, a subquery of what
  promotions and coupons took off each order, to join in SQL.
- growth modules with campaigns of their own (flash sales): :func:`add_window_source` at
  start-up; charts that overlay campaigns (insights): :func:`campaign_windows`
  (``CampaignWindow``).
- insights' clearance planner: :func:`create_promotion` and :func:`set_promotion_status` (a
  markdown step becomes a 限时折扣 ``sku_discount`` promotion for its window, activated);
- campaigns: :func:`get_template` (is the incentive active) and :func:`issue`;
- the points mall: :func:`get_template` (404 ``promotions.template_not_found``) and
  :func:`issue` (one copy for the shopper who paid points for it).
- the open platform's co-branded campaigns: :func:`create_promotion` (a ``bundle``) and
  :func:`create_template` with :func:`set_promotion_status` / :func:`set_template_status`
  (the same checks as the console), :func:`issue`, and :func:`applied_coupon` /
  :func:`order_allocation` to attribute a paid order.

Everything runs in the caller's transaction (flush only).
"""

from __future__ import annotations

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.members import public as members
from shoplet.modules.promotions.errors import (
    BelowThreshold,
    ClaimLimitReached,
    CouponExpired,
    CouponNotFound,
    CouponUnavailable,
    OutOfScope,
    PromotionLimitReached,
    PromotionNotEditable,
    QuotaExhausted,
    TemplateNotFound,
)
from shoplet.modules.promotions.events import COUPON_CLAIMED, COUPON_RETURNED, COUPON_USED
from shoplet.modules.promotions.repository import coupon_order_facts, order_savings
from shoplet.modules.promotions.repository import move_member as _move_member
from shoplet.modules.promotions.rules import CartLine, Offer, Refusal
from shoplet.modules.promotions.schemas import (
    AppliedPromotion,
    Coupon,
    CouponOption,
    PromotionCreate,
    PromotionOut,
    SkuPrice,
    Template,
    TemplateCreate,
)
from shoplet.modules.promotions.service import (
    AppliedCoupon,
    CartPlan,
    WalletEntry,
    applied_coupon,
    best_entry,
    coupon_for_cart,
    create_promotion,
    create_template,
    get_template,
    issue,
    list_promotions,
    order_allocation,
    plan_cart,
    record_order_rules,
    redeem,
    set_promotion_status,
    set_template_status,
    wallet,
)
from shoplet.modules.promotions.stacking import Line, Plan, Step
from shoplet.modules.promotions.windows import (
    CampaignWindow,
    WindowSource,
    add_window_source,
    campaign_windows,
)

__all__ = [
    "COUPON_CLAIMED",
    "COUPON_RETURNED",
    "COUPON_USED",
    "AppliedCoupon",
    "AppliedPromotion",
    "BelowThreshold",
    "CampaignWindow",
    "CartLine",
    "CartPlan",
    "ClaimLimitReached",
    "Coupon",
    "CouponExpired",
    "CouponNotFound",
    "CouponOption",
    "CouponUnavailable",
    "Line",
    "Offer",
    "OutOfScope",
    "Plan",
    "PromotionCreate",
    "PromotionLimitReached",
    "PromotionNotEditable",
    "PromotionOut",
    "QuotaExhausted",
    "Refusal",
    "SkuPrice",
    "Step",
    "Template",
    "TemplateCreate",
    "TemplateNotFound",
    "WalletEntry",
    "WindowSource",
    "add_window_source",
    "applied_coupon",
    "best_entry",
    "campaign_windows",
    "coupon_for_cart",
    "coupon_order_facts",
    "create_promotion",
    "create_template",
    "get_template",
    "issue",
    "list_promotions",
    "order_allocation",
    "order_savings",
    "plan_cart",
    "record_order_rules",
    "redeem",
    "set_promotion_status",
    "set_template_status",
    "startup",
    "wallet",
]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves what promotions owns through this hook (members sits below)."""
    members.register_merge_hook(
        ctx,
        "promotions",
        _move_member,
        tables=(
            "promotions_coupon.member_id",
            "promotions_redemption.member_id",
            "promotions_usage.member_id",
            "promotions_order_rule.member_id",
            "promotions_member_gift.member_id",
            "promotions_pack_slot.member_id",
            "promotions_job_member.member_id",
        ),
    )
