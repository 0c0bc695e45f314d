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
