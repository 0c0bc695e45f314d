"""Stores request bodies (strict) and responses. Coordinates travel as decimal degrees and are
stored as micro-degrees; fees are fen, distances metres."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from shoplet.core.schemas import CleanText, Id, RequestModel, ResponseModel

Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Lng = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
MAX_RADIUS_M = 100_000
MAX_FEE_PER_KM = 100_000
MAX_STAFF = 50
MAX_STOCK = 10_000_000


# How an order reaches its shopper through a store (frontends/shared STORE_METHOD_LABELS).
StoreMethod = Literal["pickup", "same_city", "scan"]


class DayHours(RequestModel):
    """One weekday: ``closed``, or open from ``open`` to ``close`` (shop time, same day)."""

    closed: bool = False
    open: Clock = "09:00"
    close: Clock = "21:00"

    @model_validator(mode="after")
    def _ordered(self) -> DayHours:
        if not self.closed and self.open >= self.close:
            raise ValueError("close must be after open")
        return self


class StoreWrite(RequestModel):
    name: Annotated[CleanText, StringConstraints(min_length=1, max_length=60)]
    address: Annotated[CleanText, StringConstraints(min_length=1, max_length=200)]
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9-]{5,20}$")]
    lat: Lat
    lng: Lng
    hours: list[DayHours] = Field(min_length=7, max_length=7, description="Monday first")
    staff_ids: list[Id] = Field(default_factory=list, max_length=MAX_STAFF)
    pickup_enabled: bool = True
    delivery_radius_m: int = Field(
        default=0, ge=0, le=MAX_RADIUS_M, description="same-city delivery; 0: none"
    )
    fee_per_km: int = Field(default=0, ge=0, le=MAX_FEE_PER_KM, description="fen per started km")
    is_active: bool = True


class StockSet(RequestModel):
    quantity: int = Field(ge=0, le=MAX_STOCK, description="units the store holds from now on")


class PickupVerify(RequestModel):
    """The 6-digit code the shopper reads out, or the payload of their QR code."""

    code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = None
    qr: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _one(self) -> PickupVerify:
        if (self.code is None) == (self.qr is None):
            raise ValueError("send either code or qr")
        return self


class Hours(ResponseModel):
    closed: bool
    open: str
    close: str


class StoreView(ResponseModel):
    id: int
    name: str
    address: str
    phone: str
    lat: float
    lng: float
    hours: list[Hours]
    pickup_enabled: bool
    delivery_radius_m: int
    fee_per_km: int
    is_active: bool
    open_now: bool


class StoreAdmin(StoreView):
    staff_ids: list[int]
    created_at: datetime
    updated_at: datetime


class StoreCard(ResponseModel):
    """A store on its board (经营看板's store level): who it is and what waits there today."""

    id: int
    name: str
    address: str
    phone: str
    is_active: bool
    open_now: bool
    pickups_awaiting: int = Field(description="pickups paid for and not yet collected")
    bookings_today: int = Field(description="bookings of slots starting today (shop time)")
    checked_in_today: int


class StoreStock(ResponseModel):
    sku_id: int
    quantity: int


class NearbyStore(StoreView):
    distance_m: int
    stock: list[StoreStock] = Field(description="units held for each asked SKU")
    has_stock: bool = Field(description="every asked SKU in the asked quantity")
    same_city_fee: int | None = Field(description="fen to deliver here; None: out of range")


class StoreOrderView(ResponseModel):
    order_no: str
    store: StoreView
    method: StoreMethod
    status: Literal["awaiting", "picked_up", "cancelled"]
    order_paid: bool
    code: str | None = Field(description="the pickup code, once the order is paid")
    qr: str | None = Field(description="the QR code's signed payload, once the order is paid")
    qr_png_base64: str | None = Field(description="the QR code of ``qr`` as a PNG, base64")
    window_start: datetime | None
    window_end: datetime | None
    distance_m: int | None
    picked_up_at: datetime | None


class PickupVerified(ResponseModel):
    order_no: str
    store_id: int
    member_id: int
    picked_up_at: datetime
    lines: list[str] = Field(description="what to hand over: 标题 规格 ×数量")


# -- appointments (预约到店) -------------------------------------------------------------------


class ServiceWrite(RequestModel):
    name: Annotated[CleanText, StringConstraints(min_length=1, max_length=40)]
    duration_min: Annotated[int, Field(ge=5, le=480)] = 30


class SlotWrite(RequestModel):
    """A slot of a service: when it starts (ahead, within 90 days) and how many may book it."""

    starts_at: Annotated[AwareDatetime, Field(strict=False)]
    capacity: Annotated[int, Field(ge=1, le=1000)]


class BookingCreate(RequestModel):
    slot_id: Id


class SlotView(ResponseModel):
    id: int
    starts_at: datetime
    capacity: int
    booked: int
    remaining: int


class ServiceView(ResponseModel):
    id: int
    store_id: int
    name: str
    duration_min: int
    slots: list[SlotView]


class Booking(ResponseModel):
    id: int
    slot_id: int
    store_id: int
    store_name: str
    service_name: str
    member_id: int
    starts_at: datetime
    status: Literal["booked", "checked_in", "cancelled"]
    created_at: datetime
    checked_in_at: datetime | None


class ScanMatch(ResponseModel):
    """扫码购: the product and SKU a scanned barcode names, with what the store holds of it."""

    store: StoreView
    product_id: int
    sku_id: int
    title: str
    spec_text: str = Field(description="the SKU's specs, 规格 values joined by spaces")
    price: int = Field(description="the SKU's price, fen")
    image: str | None = Field(description="the SKU's image, else the product's first")
    store_quantity: int = Field(description="units this store holds of the SKU")
    online_price: int = Field(
        description="the SKU's online price, fen (struck through when "
        "the store's own price differs)"
    )
    is_store_price: bool = Field(
        description="``price`` is this store's own price (门店价), not the online one"
    )


# -- 门店价 --------------------------------------------------------------------------------

MAX_PRICE = 10_000_000_000  # fen: the catalogue's bound on a price


class StorePriceWrite(RequestModel):
    """A store's own price for a SKU; ``starts_at`` / ``ends_at`` (optional) bound when it
    applies. Below 1 fen: 400 ``stores.invalid_price``."""

    price: int = Field(le=MAX_PRICE, description="fen, at least 1")
    starts_at: Annotated[AwareDatetime | None, Field(strict=False)] = None
    ends_at: Annotated[AwareDatetime | None, Field(strict=False)] = None


class StorePrice(ResponseModel):
    """One SKU's 门店价 at a store, with the SKU as the catalogue names and prices it online."""

    store_id: int
    sku_id: int
    product_id: int | None = Field(description="None once the SKU left the catalogue")
    title: str
    spec_text: str
    online_price: int | None = Field(description="the SKU's online price, fen")
    price: int = Field(description="the store's price, fen")
    starts_at: datetime | None
    ends_at: datetime | None
    is_current: bool = Field(description="the window holds now: 扫码购 charges this price")
    updated_at: datetime


class PriceImportError(ResponseModel):
    row: int = Field(description="line of the file, the header is 1")
    code: str
    detail: str


class PriceImportResult(ResponseModel):
    """What an import wrote: every row, at once (a file with any bad row writes nothing)."""

    rows: int
    created: int
    updated: int
