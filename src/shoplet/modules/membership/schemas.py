"""Membership request bodies (strict) and responses. Growth is a plain count; amounts are fen;
rates per mille (980 = 9.8 折, multiplier 1000 = ×1). Rules the types cannot say (thresholds
increasing, V0 at 0, …) are checked by the service (400 ``membership.invalid_tiers``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import CleanText, Id, RequestModel, ResponseModel

from .rules import (
    MAX_EXCLUDED_CATEGORIES,
    MAX_EXCLUDED_PRODUCTS,
    MAX_EXCLUSIVE_COUPONS,
    MAX_TIERS,
)

Code = Annotated[str, StringConstraints(min_length=1, max_length=8, pattern=r"^[A-Za-z0-9_-]+$")]
TierName = Annotated[CleanText, StringConstraints(min_length=1, max_length=20)]
Note = Annotated[CleanText, StringConstraints(min_length=1, max_length=200)]
Reason = Literal["order_paid", "order_refund", "review", "signin", "adjust", "downgrade"]
NoticeKind = Literal["downgrade_warning", "downgraded"]


class BenefitsBody(RequestModel):
    discount_permille: int = 1000
    free_shipping: bool = False
    free_shipping_threshold: int | None = None
    points_multiplier_permille: int = 1000
    birthday_coupon_template_id: Id | None = None
    exclusive_coupon_template_ids: list[Id] = Field(
        default_factory=list, max_length=MAX_EXCLUSIVE_COUPONS
    )
    priority_service: bool = False


class TierBody(RequestModel):
    level: int
    code: Code
    name: TierName
    threshold: int
    keep_threshold: int = 0
    benefits: BenefitsBody = Field(default_factory=BenefitsBody)
    pack_active_days: int | None = Field(
        default=None, description="exclusive pack only for members signed in within these days"
    )
    pack_monthly_cap: int | None = Field(
        default=None, description="exclusive pack for at most this many members a month"
    )


class TiersBody(RequestModel):
    """The whole tier table, lowest level first."""

    tiers: list[TierBody] = Field(min_length=1, max_length=MAX_TIERS)


class SettingsBody(RequestModel):
    fen_per_growth: int
    period_months: int
    warn_days: int


class AdjustBody(RequestModel):
    """A staff adjustment: ``amount`` growth (negative takes away), with the reason shown to
    staff and to the member."""

    amount: int
    note: Note


class BenefitsOut(ResponseModel):
    discount_permille: int
    free_shipping: bool
    free_shipping_threshold: int | None
    points_multiplier_permille: int
    birthday_coupon_template_id: int | None
    exclusive_coupon_template_ids: list[int]
    priority_service: bool


class TierOut(ResponseModel):
    level: int
    code: str
    name: str
    threshold: int
    keep_threshold: int
    benefits: BenefitsOut
    pack_active_days: int | None = None
    pack_monthly_cap: int | None = None


class SettingsOut(ResponseModel):
    fen_per_growth: int
    period_months: int
    warn_days: int


class NoticeOut(ResponseModel):
    id: int
    kind: NoticeKind
    from_level: int
    to_level: int
    period_end: datetime
    message: str
    created_at: datetime


class MembershipCard(ResponseModel):
    """The member centre's tier card: the tier, growth, the next tier and the growth it still
    needs (None at the top), progress to it (‰), the current period's end, recent notices."""

    tier: TierOut
    growth: int
    next_tier: TierOut | None
    growth_to_next: int | None
    progress_permille: int
    tier_since: datetime | None
    period_end: datetime | None
    notices: list[NoticeOut]


class GrowthEntryOut(ResponseModel):
    id: int
    amount: int
    reason: Reason
    ref: str
    note: str | None
    created_at: datetime


class AccountOut(ResponseModel):
    """A member's account as staff see it (``growth`` 0 and level 0 before any growth)."""

    member_id: int
    growth: int
    level: int
    tier: TierOut
    tier_since: datetime | None
    period_start: datetime | None
    period_end: datetime | None
    last_evaluated_at: datetime | None


class GrowthAdjusted(ResponseModel):
    entry: GrowthEntryOut
    account: AccountOut


class TierStat(ResponseModel):
    level: int
    code: str
    name: str
    members: int


class TierStats(ResponseModel):
    """Members with a growth account per tier (members who never earned growth are V0 but have
    no account, so they are not counted)."""

    tiers: list[TierStat]
    total: int


class MemberMembership(ResponseModel):
    """A member's account and one page of their growth ledger (newest first)."""

    account: AccountOut
    growth: list[GrowthEntryOut]
    next_cursor: str | None


# -- paid plans ------------------------------------------------------------------------------

PlanCode = Annotated[
    str, StringConstraints(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")
]
PeriodStatus = Literal["pending", "active", "revoked", "cancelled"]
SubscriptionState = Literal["pending", "active", "queued", "expired", "revoked", "cancelled"]


class PlanBenefitsBody(RequestModel):
    """What a plan grants while it runs (the tier benefits' shape); ``coupon_template_ids``:
    the monthly coupon pack."""

    discount_permille: int = 1000
    free_shipping: bool = False
    free_shipping_threshold: int | None = None
    points_multiplier_permille: int = 1000
    coupon_template_ids: list[Id] = Field(default_factory=list, max_length=MAX_EXCLUSIVE_COUPONS)
    priority_service: bool = False


class PlanBody(RequestModel):
    """A plan as the console saves it: price and list price in fen, ``months`` 1..36."""

    code: PlanCode
    name: TierName
    price: int
    list_price: int | None = None
    months: int
    is_on_sale: bool = True
    sort: int = Field(default=0, ge=0, le=1000)
    benefits: PlanBenefitsBody = Field(default_factory=PlanBenefitsBody)


class PlanBenefitsOut(ResponseModel):
    discount_permille: int
    free_shipping: bool
    free_shipping_threshold: int | None
    points_multiplier_permille: int
    coupon_template_ids: list[int]
    priority_service: bool


class PlanOut(ResponseModel):
    id: int
    code: str
    name: str
    price: int
    list_price: int | None
    months: int
    is_on_sale: bool
    sort: int
    benefits: PlanBenefitsOut
    updated_at: datetime


class PlanOrderBody(RequestModel):
    """Buy a plan: ``price`` is the price (fen) the shopper was shown; another one is a 409
    ``membership.plan_price_changed`` and nothing is written."""

    plan_id: Id
    price: int = Field(ge=0, le=10_000_000_000)


class PlanOrderOut(ResponseModel):
    """The virtual order to pay (``POST /orders/{order_no}/pay``)."""

    order_no: str
    plan: PlanOut
    payable_total: int
    expires_at: datetime


class PlanSavingOut(ResponseModel):
    plan_id: int
    saving: int


class PlanPeriodOut(ResponseModel):
    id: int
    order_no: str
    member_id: int
    plan_id: int
    plan_name: str
    price: int
    months: int
    status: PeriodStatus
    state: SubscriptionState
    starts_at: datetime | None
    ends_at: datetime | None
    paid_at: datetime | None
    revoked_at: datetime | None
    refunded: int
    refundable: int
    created_at: datetime


class ReminderOut(ResponseModel):
    id: int
    ends_at: datetime
    message: str
    created_at: datetime


class SvipStatus(ResponseModel):
    """The shopper's paid membership: active now or not, until when (the end of the last
    period, renewals included), the plan running now, the plans on sale with what each would
    save (``saving_basis``: ``history`` = the last 90 days of orders, ``estimate`` = an assumed
    ¥300 a month), renewal reminders, and the shopper's periods (newest first)."""

    is_active: bool
    plan_name: str | None
    ends_at: datetime | None
    benefits: BenefitsOut
    plans: list[PlanOut]
    savings: list[PlanSavingOut]
    saving_basis: Literal["history", "estimate"]
    monthly_spend: int
    reminders: list[ReminderOut]
    periods: list[PlanPeriodOut]


class ExclusionsBody(RequestModel):
    """The whole list of goods the member price skips (replaces the saved one)."""

    product_ids: list[Id] = Field(default_factory=list, max_length=MAX_EXCLUDED_PRODUCTS)
    category_ids: list[Id] = Field(default_factory=list, max_length=MAX_EXCLUDED_CATEGORIES)


class ExcludedProduct(ResponseModel):
    id: int
    title: str


class ExcludedCategory(ResponseModel):
    id: int
    name: str


class ExclusionsOut(ResponseModel):
    """What staff excluded, with names (console)."""

    products: list[ExcludedProduct]
    categories: list[ExcludedCategory]
    updated_at: datetime | None


class PriceExclusionsOut(ResponseModel):
    """Goods the member price (tier discount and SVIP) skips, for the storefront's member-price
    hints: products listed by id, and every category listed with its subcategories."""

    product_ids: list[int]
    category_ids: list[int]
