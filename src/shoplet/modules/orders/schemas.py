"""Orders schemas: request bodies (strict), responses, and the value objects of ``public.py``.

Shopper responses mask the address (``张*``, ``139****5678``); console functions reveal it only
when asked (shipping labels, exports).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from shoplet.core.media_urls import ServedMediaUrl
from shoplet.core.schemas import RequestModel, ResponseModel
from shoplet.modules.orders.states import AfterSaleKind, AfterSaleStatus, OrderStatus
from shoplet.modules.payments.public import PaymentInfo, RefundInfo

Reason = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Carrier = Annotated[str, StringConstraints(min_length=1, max_length=50)]
TrackingNo = Annotated[str, StringConstraints(min_length=4, max_length=50, pattern=r"^[\w-]+$")]
ActorKind = Literal["staff", "member", "payment", "system"]
ListStatus = Literal[
    "pending_payment",
    "paid",
    "shipped",
    "received",
    "completed",
    "cancelled",
    "refunded",
    "after_sale",
]


# -- value objects for other modules ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderLineInput:
    """One line as checkout priced it (fen); ``discount`` is this line's share of discounts."""

    sku_id: int
    product_id: int
    title: str
    spec_text: str
    image: str | None
    unit_price: int
    quantity: int
    discount: int
    price_source: str | None = None  # the play that set unit_price ("live:<id>"), if any


@dataclass(frozen=True, slots=True)
class PayableOrder:
    order_no: str
    member_id: int
    payable_total: int
    status: str
    expires_at: datetime
    description: str


# -- requests --------------------------------------------------------------------------------


class OrderCancel(RequestModel):
    reason: Reason | None = None


class AfterSaleItem(RequestModel):
    sku_id: int = Field(ge=1)
    quantity: int = Field(ge=1, le=10_000)


class AfterSaleCreate(RequestModel):
    kind: AfterSaleKind
    reason: Reason
    amount: int = Field(ge=1, le=10_000_000_000, description="fen")
    items: list[AfterSaleItem] | None = Field(
        default=None,
        max_length=100,
        description="return_refund: what goes back (default: every unit not returned yet)",
    )


class ReturnShipment(RequestModel):
    carrier: Carrier
    tracking_no: TrackingNo


class Shipment(RequestModel):
    """Console: mark an order shipped."""

    carrier: Carrier
    tracking_no: TrackingNo


class AfterSaleReject(RequestModel):
    """Console: refuse an after-sale."""

    reason: Reason


# -- responses -------------------------------------------------------------------------------


class OrderAddress(ResponseModel):
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    region_code: str
    detail: str
    postal_code: str | None
    is_masked: bool


class OrderLine(ResponseModel):
    sku_id: int
    product_id: int
    title: str
    spec_text: str
    image: ServedMediaUrl | None
    unit_price: int
    quantity: int
    line_total: int
    discount: int
    payable: int


class TimelineEntry(ResponseModel):
    aftersale_no: str | None
    from_status: str | None
    to_status: str
    actor: str = Field(description="as stored: staff:<username>, member:<id>, system, wechatpay")
    actor_kind: ActorKind
    actor_name: str = Field(
        description="who acted, for people: the staff member's display name (console; 「商家」 "
        "to shoppers), 「买家」, 「微信支付」 or 「系统」"
    )
    reason: str | None
    created_at: datetime


class AfterSaleReturnItem(ResponseModel):
    sku_id: int
    quantity: int


class AfterSale(ResponseModel):
    aftersale_no: str
    order_no: str
    member_id: int
    kind: AfterSaleKind
    reason: str
    amount: int
    items: list[AfterSaleReturnItem]
    status: AfterSaleStatus
    reject_reason: str | None
    return_carrier: str | None
    return_tracking_no: str | None
    refund_no: str | None
    created_at: datetime
    updated_at: datetime


class OrderSummary(ResponseModel):
    order_no: str
    status: OrderStatus
    source: str
    is_virtual: bool = Field(
        description="a paid membership plan: nothing to ship, so ``paid`` means in effect "
        "(已开通), and the ``paid`` filter (待发货) leaves it out"
    )
    items_total: int
    shipping_fee: int
    discount_total: int
    payable_total: int
    refunded_total: int
    item_count: int = Field(description="units on the order")
    lines: list[OrderLine]
    created_at: datetime
    expires_at: datetime = Field(description="pending_payment: cancelled if unpaid by then")


class OrderDetail(OrderSummary):
    address: OrderAddress
    remark: str | None
    paid_at: datetime | None
    shipped_at: datetime | None
    received_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    carrier: str | None
    tracking_no: str | None
    timeline: list[TimelineEntry]
    aftersales: list[AfterSale]


class OrderAdmin(OrderDetail):
    """The console's view. ``address`` is masked unless the caller asked to reveal it (None when
    the caller passed no PII cipher)."""

    address: OrderAddress | None  # type: ignore[assignment]
    member_id: int
    payment_no: str | None
    stock_source_ref: str | None


@dataclass(frozen=True, slots=True)
class OrderExportRow:
    """One line of the console's CSV export (one row per order line); ``id`` is the keyset."""

    id: int
    order_no: str
    status: str
    source: str
    member_id: int
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    items_total: int
    shipping_fee: int
    discount_total: int
    payable_total: int
    refunded_total: int
    recipient: str
    phone: str
    address: str
    region_code: str
    remark: str | None
    carrier: str | None
    tracking_no: str | None
    sku_id: int
    title: str
    spec_text: str
    unit_price: int
    quantity: int
    line_payable: int
    is_virtual: bool = False  # a paid membership plan: ``paid`` reads 已开通, not 待发货


class SalesDay(ResponseModel):
    date: dt.date = Field(description="Asia/Shanghai calendar day")
    gmv: int = Field(description="paid orders' payable totals, fen")
    orders: int
    paying_members: int
    refunded: int = Field(description="refunds that succeeded on orders paid that day, fen")


class TopProduct(ResponseModel):
    product_id: int
    title: str
    units: int
    amount: int


class SalesSummary(ResponseModel):
    since: datetime
    until: datetime
    gmv: int
    orders: int
    paying_members: int
    average_order_value: int
    days: list[SalesDay]
    top_products: list[TopProduct]


class ConsoleOrder(OrderAdmin):
    """An order as the console shows it: the order, its timeline and after-sales, and the
    payments and refunds behind it (from payments' own records)."""

    payments: list[PaymentInfo]
    refunds: list[RefundInfo]
    paid_amount: int
    refunded_amount: int
    refunding_amount: int


# -- console exports ---------------------------------------------------------------------------

ExportStatus = Literal["queued", "running", "done", "failed", "expired"]


def _iso_day(value: object) -> object:
    # Strict models take no strings for dates; accept exactly YYYY-MM-DD here.
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    raise ValueError("expected a date as YYYY-MM-DD")


Day = Annotated[dt.date, BeforeValidator(_iso_day)]


class OrderExportCreate(RequestModel):
    """Which orders to export; days are Asia/Shanghai calendar days, both ends included."""

    status: ListStatus | None = None
    since: Day | None = Field(default=None, description="first day (orders placed from 00:00)")
    until: Day | None = Field(default=None, description="last day (orders placed until 24:00)")


class ExportJobOut(ResponseModel):
    id: int
    kind: str
    status: ExportStatus
    filters: dict[str, Any]
    phones_masked: bool
    progress: int = Field(description="rows written")
    total: int = Field(description="rows to write (counted when the export started)")
    size_bytes: int
    error: str | None
    created_by: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    download_url: str | None


class ExportQueued(ResponseModel):
    job_id: int
    status: ExportStatus
    status_url: str
