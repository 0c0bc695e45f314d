"""Checkout request bodies (strict) and responses. Amounts are fen; the client never sends one:
every price is recomputed on the server from the live catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import RequestModel, ResponseModel
from shoplet.modules.orders.public import OrderAddress

MAX_ID = 2**63 - 1
MAX_LINES = 100
MAX_QUANTITY = 999

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Remark = Annotated[str, StringConstraints(max_length=200)]
Channel = Literal["wechat_jsapi", "wechat_h5"]
LineStatus = Literal["ok", "unavailable", "insufficient"]


class CheckoutItem(RequestModel):
    sku_id: Id
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class CheckoutPreviewRequest(RequestModel):
    address_id: Id | None = None
    items: list[CheckoutItem] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_LINES,
        description="buy now; absent: the cart's selected lines",
    )


class OrderCreate(RequestModel):
    address_id: Id
    items: list[CheckoutItem] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_LINES,
        description="buy now; absent: the cart's selected lines (removed from the cart)",
    )
    remark: Remark | None = None


class PayRequest(RequestModel):
    channel: Channel


class PreviewLine(ResponseModel):
    sku_id: int
    product_id: int | None
    title: str
    spec_text: str
    image: str | None
    unit_price: int
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


class CheckoutPreview(ResponseModel):
    lines: list[PreviewLine]
    items_total: int = Field(description="lines that can be ordered, fen")
    shipping_fee: int
    discount_total: int
    payable_total: int
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
