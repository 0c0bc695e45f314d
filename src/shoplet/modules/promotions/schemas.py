"""Promotions request bodies (strict) and responses. Amounts are fen (分); rates are per mille
(850 = 8.5 折). Money and range rules the types cannot say are checked by the service
(400 ``promotions.invalid_template``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from shoplet.core.schemas import CleanText, Id, RequestModel, ResponseModel

When = Annotated[AwareDatetime, Field(strict=False)]
Name = Annotated[CleanText, StringConstraints(min_length=1, max_length=60)]
Kind = Literal["threshold", "discount", "no_threshold", "shipping"]
Scope = Literal["all", "products", "categories"]
TemplateStatus = Literal["draft", "active", "stopped"]
CouponState = Literal["unused", "locked", "used", "expired", "void"]
WalletTab = Literal["usable", "used", "expired"]

MAX_SCOPE_IDS = 200
MAX_ISSUE_MEMBERS = 500


class TemplateCreate(RequestModel):
    """A coupon template (created as a draft). ``threshold``: spend needed (fen, over the items
    in scope; 0 none); ``amount``: fen off (threshold, no_threshold), the cap of a discount
    (null: none) or the most shipping waived; ``rate_permille``: discount coupons only, what is
    left to pay (1..999). Validity: ``valid_from`` + ``valid_to``, or ``valid_days`` from the
    claim."""

    name: Name
    kind: Kind
    threshold: int = 0
    amount: int | None = None
    rate_permille: int | None = None
    scope: Scope = "all"
    scope_ids: list[Id] = Field(default_factory=list, max_length=MAX_SCOPE_IDS)
    is_new_customer_only: bool = False
    valid_from: When | None = None
    valid_to: When | None = None
    valid_days: int | None = None
    total_quota: int
    per_shopper_limit: int = 1
    is_claimable: bool = Field(default=True, description="false: only issued by staff")
    stackable_with_promotions: bool = Field(
        default=True,
        description="false: never combined with store-wide promotions (the better one applies)",
    )


class TemplateUpdate(TemplateCreate):
    """Replaces every field of a draft template."""


class Segment(RequestModel):
    """Members chosen by filters (all given filters must hold; none: every active member):
    signed up in [``registered_from``, ``registered_to``); ``has_paid_order``; at least
    ``min_paid_orders`` paid orders; at least ``min_spent`` fen spent (net of refunds) in the
    last ``spent_days`` days (both or neither); last paid order before ``last_order_before``."""

    registered_from: When | None = None
    registered_to: When | None = None
    has_paid_order: bool | None = None
    min_paid_orders: int | None = None
    min_spent: int | None = None
    spent_days: int | None = None
    last_order_before: When | None = None


class IssueRequest(RequestModel):
    """``member_ids`` (issued at once), or a ``segment`` (``dry_run``: only count it; else
    queued as a job)."""

    member_ids: list[Id] = Field(default_factory=list, max_length=MAX_ISSUE_MEMBERS)
    segment: Segment | None = None
    dry_run: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> IssueRequest:
        if bool(self.member_ids) == (self.segment is not None):
            raise ValueError("give member_ids or segment")
        if self.dry_run and self.segment is None:
            raise ValueError("dry_run is for a segment")
        return self


class Template(ResponseModel):
    """A template as the console sees it, with its counters."""

    id: int
    name: str
    kind: Kind
    threshold: int
    amount: int | None
    rate_permille: int | None
    scope: Scope
    scope_ids: list[int]
    is_new_customer_only: bool
    valid_from: datetime | None
    valid_to: datetime | None
    valid_days: int | None
    total_quota: int
    per_shopper_limit: int
    is_claimable: bool
    stackable_with_promotions: bool
    claimed: int
    used: int
    status: TemplateStatus
    created_by: str
    created_at: datetime
    updated_at: datetime


class CentreTemplate(ResponseModel):
    """A coupon of the coupon centre: ``remaining`` left to claim, ``held`` by this shopper,
    ``can_claim`` whether they may claim one more now."""

    id: int
    name: str
    kind: Kind
    threshold: int
    amount: int | None
    rate_permille: int | None
    scope: Scope
    scope_ids: list[int]
    is_new_customer_only: bool
    valid_from: datetime | None
    valid_to: datetime | None
    valid_days: int | None
    total_quota: int
    claimed: int
    remaining: int
    per_shopper_limit: int
    held: int
    can_claim: bool


class Coupon(ResponseModel):
    """A coupon a shopper holds, with its rule. ``state`` as stored, except an unused coupon
    past ``valid_to`` shows as ``expired``."""

    id: int
    template_id: int
    name: str
    kind: Kind
    threshold: int
    amount: int | None
    rate_permille: int | None
    scope: Scope
    scope_ids: list[int]
    state: CouponState
    source: Literal["claim", "issue"]
    valid_from: datetime
    valid_to: datetime
    order_no: str | None
    claimed_at: datetime
    used_at: datetime | None


class CouponClaim(ResponseModel):
    """A claim as the console lists it under its template."""

    id: int
    member_id: int
    source: Literal["claim", "issue"]
    state: CouponState
    valid_from: datetime
    valid_to: datetime
    order_no: str | None
    issued_by: str | None
    claimed_at: datetime
    used_at: datetime | None
    voided_by: str | None = None
    void_reason: str | None = None


class CouponOption(ResponseModel):
    """A held coupon against a cart: ``saving`` (fen) when usable, else the refusal ``code``
    and a Chinese ``reason`` (未达门槛，差¥x / 不在使用范围 / 已过期 …)."""

    coupon: Coupon
    usable: bool
    saving: int
    code: str | None
    reason: str | None


class BirthdayGift(ResponseModel):
    """This year's birthday coupon: ``issued`` (``coupon_id``), ``skipped`` (``code``: the
    template's quota or per-shopper limit), ``upcoming`` (comes in the birthday ``month``),
    ``no_birthday`` (set it in the profile) or ``not_offered`` (the tier has none)."""

    status: Literal["issued", "skipped", "upcoming", "no_birthday", "not_offered"]
    month: int | None
    year: int
    template_id: int | None
    coupon_id: int | None
    code: str | None


class MemberGiftOut(ResponseModel):
    template_id: int
    period: str = Field(description="2026-12: the month it was given for")
    coupon_id: int | None
    code: str | None = Field(description="why it was not given (quota, per-shopper limit)")
    created_at: datetime


class MemberGifts(ResponseModel):
    birthday: BirthdayGift
    exclusive: list[MemberGiftOut] = Field(description="this month's exclusive coupons given")
    exclusive_template_ids: list[int] = Field(description="the tier's exclusive templates")


class IssueReport(ResponseModel):
    """``issued``: member ids that got a coupon; ``skipped``: {member id, code} for the others
    (``promotions.claim_limit_reached``, ``promotions.quota_exhausted``)."""

    issued: list[int]
    skipped: list[dict[str, int | str]]


# -- codes, voiding, jobs ----------------------------------------------------------------------

ShortText = Annotated[CleanText, StringConstraints(min_length=1, max_length=200)]


class CodeBatchCreate(RequestModel):
    """``one_time``: ``count`` codes of 12 characters, each redeemable once; ``shared``: the
    merchant's ``code`` (4..20 letters and digits), redeemable by many shoppers."""

    kind: Literal["one_time", "shared"]
    count: int | None = None
    code: Annotated[str, StringConstraints(max_length=40)] | None = None


class CodeBatch(ResponseModel):
    id: int
    template_id: int
    kind: Literal["one_time", "shared"]
    count: int
    redeemed: int
    status: Literal["active", "disabled"]
    code: str | None = Field(description="the shared code; null for one-time batches")
    created_by: str
    created_at: datetime


class RedeemRequest(RequestModel):
    code: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class VoidRequest(RequestModel):
    reason: ShortText


class SegmentPreview(ResponseModel):
    """A dry run: how many members the segment holds now."""

    count: int


class Job(ResponseModel):
    """A background job: ``progress`` of ``total``; ``result``: ``issued`` / ``skipped`` and
    ``reasons`` {code: n} (issue), or ``voided`` (void)."""

    id: int
    template_id: int
    kind: Literal["issue_segment", "void_unused"]
    status: Literal["queued", "running", "done", "failed"]
    params: dict[str, Any]
    progress: int
    total: int
    result: dict[str, Any]
    error: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None


class AppliedCouponOut(ResponseModel):
    """The coupon an order used, as snapshotted when it was placed: ``rule`` (kind, threshold,
    amount, rate_permille, scope), what it took off, and whether it was given back."""

    coupon_id: int
    name: str
    kind: str
    rule: dict[str, Any]
    discount: int
    shipping_discount: int
    returned: bool


# -- store-wide promotions -------------------------------------------------------------------

PromotionKind = Literal["sku_discount", "bundle", "buy_n_get_m", "full_reduction"]
PromotionStatus = Literal["draft", "active", "stopped"]

MAX_TIERS = 10
MAX_SKU_PRICES = 200
MAX_BUNDLE_PRODUCTS = 10
MAX_SAMPLE_LINES = 100


class Tier(RequestModel):
    """满 ``threshold`` 减 ``amount`` (fen); with ``repeat``: 每满 ``threshold`` 减 ``amount``."""

    threshold: int
    amount: int


class SkuPrice(RequestModel):
    """A 限时折扣 SKU: ``rate_permille`` (what is left to pay, 800 = 8折) or a fixed ``price``."""

    sku_id: Id
    rate_permille: int | None = None
    price: int | None = None


class PromotionCreate(RequestModel):
    """A store-wide promotion (created as a draft), by ``kind``:

    - ``full_reduction`` 满减: ``tiers`` (the highest reached applies), or ``repeat`` with one
      tier (每满) and an optional ``max_repeats``; ``scope`` all / products / categories;
    - ``sku_discount`` 限时折扣: ``sku_prices``; optional ``per_shopper_limit`` (units);
    - ``buy_n_get_m``: ``buy_n`` and ``get_m`` (买N件免M件: the cheapest M of every N free), or
      ``buy_n`` and ``rate_permille`` (第N件X折); ``scope`` as for 满减;
    - ``bundle`` 组合套餐: ``product_ids`` (2..10) at ``bundle_price`` a set, or ``amount_off``.
    """

    name: Name
    kind: PromotionKind
    starts_at: When
    ends_at: When
    scope: Scope = "all"
    scope_ids: list[Id] = Field(default_factory=list, max_length=MAX_SCOPE_IDS)
    tiers: list[Tier] = Field(default_factory=list, max_length=MAX_TIERS)
    repeat: bool = False
    max_repeats: int | None = None
    sku_prices: list[SkuPrice] = Field(default_factory=list, max_length=MAX_SKU_PRICES)
    per_shopper_limit: int | None = None
    buy_n: int | None = None
    get_m: int | None = None
    rate_permille: int | None = None
    product_ids: list[Id] = Field(default_factory=list, max_length=MAX_BUNDLE_PRODUCTS)
    bundle_price: int | None = None
    amount_off: int | None = None


class PromotionUpdate(PromotionCreate):
    """Replaces every field of a draft promotion."""


class PromotionOut(ResponseModel):
    """A promotion as the console sees it; ``label`` is its short tag (满300减30, 限时8折)."""

    id: int
    name: str
    kind: PromotionKind
    label: str
    status: PromotionStatus
    starts_at: datetime
    ends_at: datetime
    scope: Scope
    scope_ids: list[int]
    tiers: list[Tier]
    repeat: bool
    max_repeats: int | None
    sku_prices: list[SkuPrice]
    per_shopper_limit: int | None
    buy_n: int | None
    get_m: int | None
    rate_permille: int | None
    product_ids: list[int]
    bundle_price: int | None
    amount_off: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime


class PolicyUpdate(RequestModel):
    """``sku_discount_stacks``: 限时折扣 combines with the order-level kinds (else it is one more
    alternative); ``combine_order_level``: bundle, 买N免M and 满减 all apply (else only the best
    one); ``max_discount_permille``: the subsidy cap, at most that share of the items total off
    an order (null: none; SKU cost prices are floors anyway)."""

    sku_discount_stacks: bool = True
    combine_order_level: bool = False
    max_discount_permille: int | None = None


class Policy(ResponseModel):
    sku_discount_stacks: bool
    combine_order_level: bool
    max_discount_permille: int | None
    order: list[str] = Field(description="the application order of the stacking groups")
    updated_at: datetime | None
    updated_by: str | None


class AppliedPromotion(ResponseModel):
    """A rule applied to a cart or order: ``saving`` fen, split over the lines (``lines``:
    {sku_id: fen}); ``trimmed``: fen the subsidy cap cut from what it offered."""

    id: int
    name: str
    kind: str
    label: str
    saving: int
    trimmed: int = 0
    lines: dict[int, int]


class OrderPromotion(ResponseModel):
    """A store-wide promotion an order was placed with, as snapshotted then
    (``promotions_order_rule``): ``saving`` fen split over the lines (``lines``: {sku_id: fen}),
    ``trimmed`` by the subsidy cap, ``returned`` once the order was cancelled or refunded in
    full."""

    promotion_id: int
    name: str
    kind: PromotionKind
    label: str
    saving: int
    trimmed: int
    lines: dict[int, int]
    returned: bool


class PromotionTag(ResponseModel):
    """A promotion on a product page: ``label`` 满300减30 / 限时8折 …"""

    id: int
    name: str
    kind: PromotionKind
    label: str
    ends_at: datetime


class SampleLine(RequestModel):
    sku_id: Id
    quantity: int = Field(ge=1, le=999)


class PreviewRequest(RequestModel):
    """A sample cart for the editor: the active promotions (``include_active``) plus the one
    being edited (``promotion``, not saved), under the store's policy."""

    items: list[SampleLine] = Field(min_length=1, max_length=MAX_SAMPLE_LINES)
    promotion: PromotionCreate | None = None
    include_active: bool = True


class PreviewLineOut(ResponseModel):
    sku_id: int
    title: str
    unit_price: int
    quantity: int
    line_total: int
    discount: int


class PromotionPreview(ResponseModel):
    lines: list[PreviewLineOut]
    items_total: int
    discount_total: int
    promotions: list[AppliedPromotion]
    hints: list[str]
