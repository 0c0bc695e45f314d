"""Request and response models of the points mall (storefront and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shoplet.core.media_urls import ServedMediaUrl
from shoplet.core.schemas import Fen, RequestModel, ResponseModel

ItemKind = Literal["coupon", "product"]
ItemStatus = Literal["draft", "on_sale", "off_sale"]
LimitPeriod = Literal["total", "day", "week", "month"]
ExchangeStatus = Literal["issued", "pending_payment", "paid", "cancelled", "refunded"]
# What a shopper sees: on sale now, not yet, over, or none left.
ItemState = Literal["on_sale", "upcoming", "ended", "sold_out", "off_sale"]

When = Annotated[AwareDatetime, Field(strict=False)]
Points = Annotated[int, Field(ge=1, le=100_000_000)]
RequestId = Annotated[
    str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]


class MallItemWrite(RequestModel):
    """An item as the merchant edits it. ``coupon`` items name a coupon template
    (``template_id``) and are exchanged for points only (``cash_price`` 0); ``product`` items
    name a SKU (``sku_id``) shipped as an order, for points plus ``cash_price`` fen per unit
    (0: points only, paid at once)."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    image: Annotated[str, StringConstraints(max_length=500)] | None = None
    kind: ItemKind
    template_id: Annotated[int, Field(ge=1)] | None = None
    sku_id: Annotated[int, Field(ge=1)] | None = None
    points_price: Points
    cash_price: Fen = 0
    stock: Annotated[int, Field(ge=0, le=1_000_000)]
    per_member_limit: Annotated[int, Field(ge=1, le=1000)] = 1
    limit_period: LimitPeriod = "total"
    starts_at: When | None = None
    ends_at: When | None = None
    free_shipping: bool = True
    sort: Annotated[int, Field(ge=0, le=100_000)] = 0


class MallItemStatusChange(RequestModel):
    status: ItemStatus


class MallItem(ResponseModel):
    """An item as the console sees it, with what is left of its stock."""

    id: int
    title: str
    image: ServedMediaUrl | None
    kind: ItemKind
    template_id: int | None
    sku_id: int | None
    points_price: int
    cash_price: int
    stock: int
    sold: int
    left: int
    per_member_limit: int
    limit_period: LimitPeriod
    starts_at: datetime | None
    ends_at: datetime | None
    free_shipping: bool
    sort: int
    status: ItemStatus
    state: ItemState
    created_at: datetime
    updated_at: datetime


class MallCard(ResponseModel):
    """An item as the shop shows it."""

    id: int
    title: str
    image: ServedMediaUrl | None
    kind: ItemKind
    points_price: int
    cash_price: int
    left: int
    per_member_limit: int
    limit_period: LimitPeriod
    starts_at: datetime | None
    ends_at: datetime | None
    free_shipping: bool
    state: ItemState


class ExchangeCreate(RequestModel):
    """``request_id``: chosen by the client once per exchange (a retry sends the same one and
    gets the first result). ``address_id``: required for goods."""

    request_id: RequestId
    quantity: Annotated[int, Field(ge=1, le=99)] = 1
    address_id: Annotated[int, Field(ge=1)] | None = None


class Exchange(ResponseModel):
    """One exchange. Goods with cash to pay are ``pending_payment`` until the order is paid
    (``POST /orders/{order_no}/pay``)."""

    exchange_no: str
    item_id: int
    kind: ItemKind
    title: str
    quantity: int
    points: int
    cash: int
    status: ExchangeStatus
    order_no: str | None
    created_at: datetime
