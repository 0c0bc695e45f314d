"""Checkout request bodies (strict) and responses. Amounts are fen; the client never sends one:
every price is recomputed on the server from the live catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from shoplet.core.media_urls import ServedMediaUrl
from shoplet.core.schemas import RequestModel, ResponseModel
from shoplet.modules.loyalty.public import PointsQuote
from shoplet.modules.orders.public import OrderAddress
from shoplet.modules.promotions.public import AppliedPromotion, CouponOption

MAX_ID = 2**63 - 1
MAX_LINES = 100
MAX_QUANTITY = 999
MAX_POINTS = 100_000_000

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Remark = Annotated[str, StringConstraints(max_length=200)]
Channel = Literal["wechat_jsapi", "wechat_h5"]
LineStatus = Literal["ok", "unavailable", "insufficient"]


class CheckoutItem(RequestModel):
    sku_id: Id
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class ExpressDelivery(RequestModel):
    method: Literal["express"]


class PickupDelivery(RequestModel):
    """门店自提: collected at ``store_id`` in the hour from ``window_start`` (no shipping fee;
    the units come out of that store's stock)."""

    method: Literal["pickup"]
    store_id: Id
    window_start: Annotated[AwareDatetime, Field(strict=False)]


class SameCityDelivery(RequestModel):
    """同城配送 from ``store_id`` to the shopper's point: the fee by distance, refused beyond
    the store's radius (400 ``stores.out_of_range``)."""

    method: Literal["same_city"]
    store_id: Id
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False)


class ScanDelivery(RequestModel):
    """扫码购: scanned off the shelf of ``store_id`` by a shopper inside it (the store open now);
    no fee, the units come out of that store's stock and the order is handed over once paid."""

    method: Literal["scan"]
    store_id: Id


Delivery = Annotated[
    ExpressDelivery | PickupDelivery | SameCityDelivery | ScanDelivery,
    Field(discriminator="method"),
]


class Activity(RequestModel):
    """The play the shopper buys from, at its price (``live``: the session's 直播价 for the
    products pinned with one; 409 ``live.session_ended`` / ``live.product_not_on_sale``
    otherwise). Only with ``items`` (buy now)."""

    kind: str = Field(pattern=r"^[a-z][a-z_]{0,19}$", examples=["live"])
    id: Id


def _activity_needs_items(activity: Activity | None, items: list[CheckoutItem] | None) -> None:
    if activity is not None and items is None:
        raise ValueError("activity is only for items bought now")


class CheckoutPreviewRequest(RequestModel):
    address_id: Id | None = None
    items: list[CheckoutItem] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_LINES,
        description="buy now; absent: the cart's selected lines",
    )
    coupon_id: Id | None = Field(
        default=None,
        description="the shopper's pick (a 4xx promotions.* problem when it cannot be used); "
        "absent: the best usable coupon is applied",
    )
    no_coupon: bool = Field(default=False, description="apply no coupon")
    points: int | None = Field(
        default=None,
        ge=0,
        le=MAX_POINTS,
        description="points to use, applied after coupons; absent: none (the response still "
        "says how many the order may use)",
    )
    delivery: Delivery | None = Field(default=None, description="absent: express")
    activity: Activity | None = Field(default=None, description="absent: catalogue prices")

    @model_validator(mode="after")
    def _activity_with_items(self) -> CheckoutPreviewRequest:
        _activity_needs_items(self.activity, self.items)
        return self


class OrderCreate(RequestModel):
    address_id: Id
    items: list[CheckoutItem] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_LINES,
        description="buy now; absent: the cart's selected lines (removed from the cart)",
    )
    remark: Remark | None = None
    coupon_id: Id | None = Field(
        default=None,
        description="a coupon of the shopper's, locked for this order (409 "
        "promotions.coupon_unavailable when another order holds it: no order is created)",
    )
    points: int | None = Field(
        default=None,
        ge=0,
        le=MAX_POINTS,
        description="points to use (409 loyalty.insufficient_points when another order took "
        "them first: no order is created)",
    )
    delivery: Delivery | None = Field(default=None, description="absent: express")
    activity: Activity | None = Field(default=None, description="absent: catalogue prices")

    @model_validator(mode="after")
    def _activity_with_items(self) -> OrderCreate:
        _activity_needs_items(self.activity, self.items)
        return self


class PayRequest(RequestModel):
    channel: Channel


class PreviewLine(ResponseModel):
    sku_id: int
    product_id: int | None
    title: str
    spec_text: str
    image: ServedMediaUrl | None
    unit_price: int
    list_price: int | None = Field(
        default=None, description="the catalogue price when an activity set unit_price"
    )
    price_label: str | None = Field(default=None, description="直播价: who set unit_price")
    quantity: int
    line_total: int
    discount: int
    payable: int
    available: int = Field(description="units in stock now")
    status: LineStatus


class CheckoutWarning(ResponseModel):
    sku_id: int
    code: str
    message: str


class AppliedCoupon(ResponseModel):
    coupon_id: int
    name: str
    kind: str
    discount: int = Field(description="fen off the items")
    shipping_discount: int = Field(description="fen of the shipping fee waived")


class MemberBenefitRows(ResponseModel):
    """What the shopper's tier takes off, shown as its own rows: ``label`` "V3会员 9.5折" with
    ``goods_discount`` (split over ``lines`` {sku_id: fen}), and 会员包邮 when ``ships_free``
    (``shipping_discount``: the fee waived)."""

    tier_code: str
    tier_name: str
    level: int
    discount_permille: int = Field(description="what goods cost, 950 = 9.5折; 1000 none")
    label: str
    goods_discount: int = Field(description="fen the member price took off the goods")
    lines: dict[int, int]
    ships_free: bool
    shipping_discount: int = Field(description="fen of the shipping fee the tier waived")
    points_multiplier_permille: int = Field(description="points earned ×, 1500 = ×1.5")


class CheckoutPreview(ResponseModel):
    lines: list[PreviewLine]
    items_total: int = Field(description="lines that can be ordered, fen")
    shipping_fee: int = Field(description="to pay, after any shipping coupon")
    shipping_discount: int = 0
    discount_total: int
    payable_total: int
    coupon: AppliedCoupon | None = None
    member: MemberBenefitRows | None = Field(
        default=None,
        description="the tier's benefits on this cart (member price, free shipping), applied "
        "before promotions and coupons",
    )
    coupons: list[CouponOption] = Field(
        default_factory=list,
        description="the shopper's coupons against these lines: usable ones first (largest "
        "saving, soonest expiry), then the others with the reason",
    )
    points: PointsQuote | None = Field(
        default=None, description="the balance, the most this order may use, used and its value"
    )
    promotions: list[AppliedPromotion] = Field(
        default_factory=list,
        description="every store-wide promotion applied, in order: saving and lines "
        "({sku_id: fen})",
    )
    hints: list[str] = Field(
        default_factory=list, description="再买¥20可享满300减30: the nearest unreached tiers"
    )
    address: OrderAddress | None
    warnings: list[CheckoutWarning]
    can_place_order: bool = Field(description="an address, at least one line, no warning")


class PaymentStart(ResponseModel):
    """``pay_params`` for ``wx.requestPayment`` (JSAPI), or ``h5_url`` for a mobile browser."""

    order_no: str
    payment_no: str
    channel: Channel
    amount: int
    expires_at: datetime
    prepay_id: str
    pay_params: dict[str, str] | None
    h5_url: str | None
