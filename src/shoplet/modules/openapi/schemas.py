"""Open-platform request and response models (console and partner API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from shoplet.core.schemas import CleanText, Id, RequestModel, ResponseModel

Scope = Literal[
    "products:read",
    "stock:read",
    "stock:write",
    "orders:read",
    "orders:write",
    "members:read",
    "coupons:write",
    "webhooks:manage",
    "campaigns:write",
]
SCOPES: tuple[str, ...] = get_args(Scope)
SCOPE_TITLES: dict[str, str] = {
    "products:read": "读取商品",
    "stock:read": "读取库存",
    "stock:write": "调整库存",
    "orders:read": "读取订单",
    "orders:write": "订单发货",
    "members:read": "读取会员（手机号脱敏）",
    "coupons:write": "发放优惠券",
    "webhooks:manage": "管理本应用的 Webhook 订阅",
    "campaigns:write": "联名活动（创建套餐与联名券、查看核销与分成）",
}

Cidr = Annotated[str, StringConstraints(min_length=2, max_length=50)]
RateLimit = Annotated[int, Field(ge=1, le=100_000, description="Requests per minute")]
RevenueShare = Annotated[
    int,
    Field(
        ge=0,
        le=10_000,
        description="The partner's share of its co-branded revenue in basis points (250 = 2.5 %)",
    ),
]


class AppCreate(RequestModel):
    name: CleanText = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(max_length=len(SCOPES))
    rate_limit_per_minute: RateLimit = 600
    ip_allowlist: list[Cidr] = Field(default_factory=list, max_length=50)


class AppUpdate(RequestModel):
    name: CleanText | None = Field(default=None, min_length=1, max_length=100)
    scopes: list[Scope] | None = Field(default=None, max_length=len(SCOPES))
    rate_limit_per_minute: RateLimit | None = None
    ip_allowlist: list[Cidr] | None = Field(default=None, max_length=50)
    is_active: bool | None = None
    revenue_share_bp: RevenueShare | None = None


class SecretRotate(RequestModel):
    old_secret_expires_at: AwareDatetime = Field(
        strict=False,
        description="When the current secret stops working (UTC); the new one works at once",
    )


class SecretInfo(ResponseModel):
    id: int
    hint: str = Field(description="The secret's last four characters")
    created_at: datetime
    expires_at: datetime | None


class AppOut(ResponseModel):
    id: int
    name: str
    app_key: str
    scopes: list[str]
    rate_limit_per_minute: int
    ip_allowlist: list[str]
    is_active: bool
    revenue_share_bp: int = 0
    created_by: str
    created_at: datetime
    updated_at: datetime
    secrets: list[SecretInfo] = Field(default_factory=list)


class AppCredentials(BaseModel):
    """Shown once: the secret is stored encrypted and never answered again."""

    app: AppOut
    app_key: str
    app_secret: str


class AccessLogEntry(ResponseModel):
    id: int
    app_id: int | None
    method: str
    path: str
    status: int
    duration_ms: float
    ip: str
    request_id: str
    created_at: datetime


class ScopeInfo(BaseModel):
    scope: str
    title: str


# -- partner API -----------------------------------------------------------------------------


class TokenResponse(BaseModel):
    """RFC 6749 section 5.1."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name
    expires_in: int
    scope: str


class StockAdjust(RequestModel):
    delta: int = Field(ge=-1_000_000, le=1_000_000, description="Added to on-hand; not zero")
    reason: CleanText = Field(min_length=1, max_length=100)


class OrderShip(RequestModel):
    carrier: CleanText = Field(min_length=1, max_length=50)
    tracking_no: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{4,40}$")]


class CouponIssue(RequestModel):
    template_id: Id
    member_id: Id


class CouponIssueResult(BaseModel):
    template_id: int
    member_id: int
    issued: bool
    skipped_code: str | None = Field(
        description="Why the member got no coupon (promotions.quota_exhausted, …), or null"
    )


class StockOut(BaseModel):
    sku_id: int
    on_hand: int
    reserved: int
    available: int


# -- webhooks --------------------------------------------------------------------------------

WebhookDeliveryStatus = Literal["pending", "sending", "delivered", "failed", "dead"]
# An event type's name (the closed list is ``GET /openapi/webhook-events``; anything else is
# ``400 openapi.webhook_event_unknown``).
WebhookEventName = Annotated[str, StringConstraints(min_length=3, max_length=100)]
WebhookUrl = Annotated[str, StringConstraints(min_length=8, max_length=500)]
WebhookSecret = Annotated[
    str, StringConstraints(min_length=16, max_length=128, pattern=r"^[\x21-\x7e]+$")
]


class WebhookEventInfo(BaseModel):
    type: str
    title: str
    scope: str = Field(description="The scope an app needs to subscribe to it")


class WebhookCreate(RequestModel):
    url: WebhookUrl
    event_types: list[WebhookEventName] = Field(min_length=1, max_length=30)
    secret: WebhookSecret | None = Field(
        default=None,
        description="16-128 visible ASCII characters; omitted: one is generated and answered once",
    )


class WebhookUpdate(RequestModel):
    url: WebhookUrl | None = None
    event_types: list[WebhookEventName] | None = Field(default=None, min_length=1, max_length=30)
    is_active: bool | None = None


class WebhookOut(ResponseModel):
    id: int
    app_id: int
    url: str
    event_types: list[str]
    secret_hint: str = Field(description="The secret's last four characters")
    previous_secret_hint: str | None = Field(
        default=None, description="During a rotation's overlap: the old secret's last four"
    )
    previous_secret_expires_at: datetime | None = Field(
        default=None,
        description="During a rotation's overlap: when deliveries stop carrying the old "
        "secret's signature (X-Shoplet-Signature-Previous)",
    )
    is_active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime


class WebhookCreated(BaseModel):
    """Shown once: the secret is stored encrypted and never answered again."""

    webhook: WebhookOut
    secret: str


class WebhookReplay(RequestModel):
    since: AwareDatetime = Field(strict=False, description="Events that occurred at or after")
    until: AwareDatetime = Field(strict=False, description="…and before this (at most 31 days)")


class WebhookReplayResult(BaseModel):
    queued: int = Field(description="Deliveries queued again (those in flight are left alone)")


class WebhookAttemptOut(ResponseModel):
    id: int
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    status_code: int | None
    latency_ms: float | None
    error: str | None
    response_excerpt: str | None


class WebhookDeliveryOut(ResponseModel):
    id: int
    webhook_id: int
    app_id: int
    event_id: str
    event_type: str
    occurred_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_latency_ms: float | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookDeliveryDetail(WebhookDeliveryOut):
    body: dict[str, Any]
    attempt_log: list[WebhookAttemptOut] = Field(default_factory=list)


# -- co-branded campaigns --------------------------------------------------------------------

CobrandKind = Literal["bundle", "coupon"]


class CobrandBundleCreate(RequestModel):
    """A co-branded bundle (组合套餐): one unit of each product together at ``bundle_price``
    (fen) a set, running from ``starts_at`` to ``ends_at``; live at once."""

    name: Annotated[CleanText, StringConstraints(min_length=1, max_length=60)]
    product_ids: list[Id] = Field(min_length=2, max_length=10)
    bundle_price: int = Field(ge=1, le=100_000_000)
    starts_at: AwareDatetime = Field(strict=False)
    ends_at: AwareDatetime = Field(strict=False)


class CobrandItemOut(ResponseModel):
    id: int
    app_id: int
    kind: CobrandKind
    ref_id: int = Field(description="The promotion id (bundle) or coupon template id (coupon)")
    name: str
    created_at: datetime


class CobrandCouponIssue(RequestModel):
    member_id: Id


class CobrandRedemptionOut(ResponseModel):
    id: int
    app_id: int
    order_no: str
    member_id: int
    items: list[dict[str, Any]]
    amount: int = Field(description="Paid for the order (fen)")
    discount: int = Field(description="What the app's items took off (fen)")
    refunded: int
    paid_at: datetime


class RevenueShareRow(BaseModel):
    app_id: int
    app_name: str
    revenue_share_bp: int
    redemptions: int
    revenue: int = Field(description="Paid for the attributed orders (fen)")
    refunded: int
    net: int = Field(description="revenue - refunded")
    discount: int
    share: int = Field(description="net x revenue_share_bp / 10000, rounded half up (fen)")


class RevenueShareReport(BaseModel):
    since: datetime
    until: datetime
    rows: list[RevenueShareRow]
