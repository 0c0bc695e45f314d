"""Fulfillment's shapes: an order's tracking timeline, the logistics settings, e-waybills."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shoplet.core.schemas import RequestModel

Stage = Literal["collected", "in_transit", "delivering", "signed", "exception"]
OrderNoText = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^\d+$")]


class TimelineEntry(BaseModel):
    """One line of the carrier's track (newest first); ``stage`` is Shoplet's 揽收 / 运输中 /
    派送中 / 签收 / 异常, ``state`` the carrier's own code or name."""

    occurred_at: datetime
    context: str
    stage: Stage
    state: str
    area_name: str | None


class Tracking(BaseModel):
    """An order's parcel and its timeline."""

    order_no: str
    carrier: str
    carrier_code: str | None
    carrier_name: str
    tracking_no: str
    stage: Stage | None
    stage_at: datetime | None
    signed_at: datetime | None
    is_tracked: bool
    subscribe_status: str
    wechat_status: str
    events: list[TimelineEntry]


class CarrierOption(BaseModel):
    code: str
    name: str
    is_enabled: bool


class ShippingCarrier(BaseModel):
    """A carrier the shipping dialogs offer: enabled, in the shop's order. ``name`` is the
    shop's own label for lists; ``ship_as`` is what a shipment records (the carrier's standard
    name, which tracking and WeChat's 发货信息录入 resolve back to ``code``)."""

    code: str
    name: str
    ship_as: str


CarrierCode = Annotated[str, StringConstraints(min_length=2, max_length=20, pattern=r"^[a-z]+$")]
TrackingAdapter = Literal["kuaidi100", "none"]
CarrierName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
CustomerCode = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64, pattern=r"^[A-Za-z0-9_-]*$")
]
AccountSecret = Annotated[str, StringConstraints(max_length=128)]


class Carrier(BaseModel):
    """物流公司 as the console shows it: the e-waybill password is never shown, only whether it
    is set."""

    code: str
    name: str
    is_enabled: bool
    sort_order: int
    customer_code: str | None
    is_secret_configured: bool
    tracking_adapter: TrackingAdapter


class CarrierList(BaseModel):
    """The shop's carriers in the order the console and the shipping dialogs list them, and
    the Kuaidi100 codes Shoplet knows that may still be added (``available``)."""

    carriers: list[Carrier]
    available: list[CarrierOption]


class CarrierCreate(RequestModel):
    """Add a carrier Shoplet knows (a Kuaidi100 code from ``available``), enabled by default."""

    code: CarrierCode
    name: CarrierName | None = None
    is_enabled: bool = True
    customer_code: CustomerCode | None = None
    account_secret: AccountSecret | None = None
    tracking_adapter: TrackingAdapter = "kuaidi100"


class CarrierUpdate(RequestModel):
    """Change a carrier; a field left out stays as it is. ``account_secret``: a new password,
    or ``""`` to clear it."""

    name: CarrierName | None = None
    is_enabled: bool | None = None
    customer_code: CustomerCode | None = None
    account_secret: AccountSecret | None = None
    tracking_adapter: TrackingAdapter | None = None


class CarrierReorder(RequestModel):
    """Every carrier code of the shop, once each, in the new order."""

    codes: list[CarrierCode] = Field(min_length=1, max_length=50)


class LogisticsSettings(BaseModel):
    """物流设置 as the console shows it: secrets are never shown, only whether they are set."""

    provider: Literal["kuaidi100"]
    mode: Literal["simulator", "live"]
    is_key_configured: bool
    is_secret_configured: bool
    callback_url: str
    carriers: list[CarrierOption]
    auto_receive_after_signed_days: int
    wechat_shipping_upload: bool
    subscriptions: dict[str, int]


class WaybillBatch(RequestModel):
    """Console: print e-waybills for these paid orders with one carrier, then ship them."""

    order_nos: list[OrderNoText] = Field(min_length=1, max_length=50)
    carrier_code: Annotated[
        str, StringConstraints(min_length=2, max_length=20, pattern=r"^[a-z]+$")
    ]


class WaybillResult(BaseModel):
    order_no: str
    ok: bool
    carrier_code: str | None = None
    tracking_no: str | None = None
    label_url: str | None = None
    error_code: str | None = None
    error: str | None = None


class WaybillBatchResult(BaseModel):
    results: list[WaybillResult]
