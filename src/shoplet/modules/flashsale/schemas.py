"""Flash-sale request and response models, and the value objects the hot path passes around."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from shoplet.core.media_urls import ServedMediaUrl
from shoplet.core.schemas import CleanText, RequestModel, ResponseModel

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Strict bodies refuse strings for datetimes; an ISO 8601 string with an offset is what clients
# send, so these fields alone parse leniently (naive times are still refused).
When = Annotated[AwareDatetime, Field(strict=False)]
Title = Annotated[CleanText, StringConstraints(min_length=1, max_length=60)]
FlashPrice = Annotated[int, Field(ge=1, le=1_000_000_000, description="fen")]
FlashStock = Annotated[int, Field(ge=1, le=1_000_000)]
ShopperLimit = Annotated[int, Field(ge=1, le=99)]
PaymentTimeout = Annotated[int, Field(ge=60, le=7200, description="seconds")]
BuyQuantity = Annotated[int, Field(ge=1, le=99)]
BuyToken = Annotated[str, StringConstraints(min_length=1, max_length=200)]
TicketCode = Annotated[str, StringConstraints(pattern=r"^\d{1,19}-[0-9a-f]{24}$")]
DeviceId = Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[\w.:-]+$")]
ChallengeId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
ChallengeAnswer = Annotated[str, StringConstraints(min_length=1, max_length=16)]

CampaignStatus = Literal["upcoming", "live", "sold_out", "ended", "cancelled"]
PublicStatus = Literal["upcoming", "live", "sold_out", "ended"]
TicketStatus = Literal["queued", "created", "failed"]


# -- console ---------------------------------------------------------------------------------


class CampaignItemCreate(RequestModel):
    sku_id: Id
    flash_price: FlashPrice
    stock: FlashStock = Field(description="units carved out of the SKU's free stock")
    per_shopper_limit: ShopperLimit = 1


class CampaignCreate(RequestModel):
    title: Title
    starts_at: When
    ends_at: When
    payment_timeout_seconds: PaymentTimeout = 900
    free_shipping: bool = True
    items: list[CampaignItemCreate] = Field(min_length=1, max_length=20)


class CampaignItemUpdate(RequestModel):
    """Price and limit of a SKU already in the campaign (its stock is fixed once carved)."""

    sku_id: Id
    flash_price: FlashPrice | None = None
    per_shopper_limit: ShopperLimit | None = None


class CampaignUpdate(RequestModel):
    title: Title | None = None
    starts_at: When | None = None
    ends_at: When | None = None
    payment_timeout_seconds: PaymentTimeout | None = None
    free_shipping: bool | None = None
    items: list[CampaignItemUpdate] = Field(default_factory=list, max_length=20)


class ItemAdmin(ResponseModel):
    sku_id: int
    product_id: int
    title: str
    spec_text: str
    image: ServedMediaUrl | None
    original_price: int
    flash_price: int
    stock: int
    per_shopper_limit: int
    remaining: int | None = Field(description="units left on the live counter (None: not warm)")
    ordered: int = Field(description="units in orders that were not cancelled")
    returned: int = Field(description="units of cancelled or timed-out orders handed back")
    released: int = Field(
        description="units of orders cancelled after their hold expired into free stock"
    )
    failed: int = Field(description="units of accepted requests no order could be made for")


class CampaignAdmin(ResponseModel):
    id: int
    title: str
    status: CampaignStatus
    starts_at: datetime
    ends_at: datetime
    payment_timeout_seconds: int
    free_shipping: bool
    warmed_at: datetime | None
    settled_at: datetime | None
    reconciled_at: datetime | None
    reconciliation: dict[str, Any] | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    items: list[ItemAdmin]


# -- storefront ------------------------------------------------------------------------------


class ItemInfo(BaseModel):
    """A SKU as the flash-sale page shows it (and the edges keep in process)."""

    sku_id: int
    product_id: int
    title: str
    spec_text: str
    image: str | None
    original_price: int
    flash_price: int
    stock: int
    per_shopper_limit: int


class CampaignInfo(BaseModel):
    """What does not change during a sale: warmed into Redis, cached by the edges."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    payment_timeout_seconds: int
    free_shipping: bool
    items: list[ItemInfo]

    def item(self, sku_id: int) -> ItemInfo | None:
        for item in self.items:
            if item.sku_id == sku_id:
                return item
        return None


class ItemLive(ItemInfo):
    remaining: int


class CampaignPage(BaseModel):
    id: int
    title: str
    status: PublicStatus
    starts_at: datetime
    ends_at: datetime
    items: list[ItemLive]


class CampaignList(BaseModel):
    """Pages carry no server time, so identical content has an identical ETag (shared caches
    and 304s); countdowns read ``GET /time``."""

    items: list[CampaignPage]


class ServerTime(BaseModel):
    now: datetime
    epoch_ms: int


class TokenRequest(RequestModel):
    device_id: DeviceId | None = None
    challenge_id: ChallengeId | None = None
    answer: ChallengeAnswer | None = None


class BuyTokenOut(BaseModel):
    token: str
    expires_at: datetime
    campaign_id: int
    starts_at: datetime
    ends_at: datetime
    server_time: datetime


class Challenge(BaseModel):
    id: str
    question: str
    expires_in: int


class BuyRequest(RequestModel):
    sku_id: Id
    quantity: BuyQuantity = 1
    token: BuyToken


class BuyAccepted(BaseModel):
    ticket: str
    status: Literal["queued"] = "queued"


class TicketOut(BaseModel):
    ticket: str
    campaign_id: int
    sku_id: int
    quantity: int
    status: TicketStatus
    order_no: str | None
    reason: str | None


# -- hot path value objects ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuyResult:
    """What the buy script decided: ``queued`` (ticket, units left) or a refusal."""

    outcome: str  # queued | sold_out | limit_reached | not_started | ended | not_ready |
    #               unknown_sku | rate_limited
    remaining: int = 0
    ticket: str | None = None
    retry_after_ms: int = 0


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One accepted buy request, as the consumers read it from the campaign's stream."""

    campaign_id: int
    entry_id: str
    ticket: str
    member_id: int
    sku_id: int
    quantity: int
    queued_at_ms: int


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """A ticket as Redis keeps it for the status endpoint."""

    status: str  # queued | created | failed
    member_id: int
    sku_id: int
    quantity: int
    order_no: str | None = None
    reason: str | None = None

    def encode(self) -> str:
        return "|".join(
            (
                self.status,
                str(self.member_id),
                str(self.sku_id),
                str(self.quantity),
                self.order_no or "",
                self.reason or "",
            )
        )

    @classmethod
    def decode(cls, raw: bytes | str) -> TicketRecord:
        text = raw.decode() if isinstance(raw, bytes) else raw
        status, member, sku, quantity, order_no, reason = [*text.split("|"), "", ""][:6]
        return cls(status, int(member), int(sku), int(quantity), order_no or None, reason or None)


@dataclass(frozen=True, slots=True)
class GiveBack:
    """Units of a ticket going back to the live counter: ``restore_limit`` also gives the
    shopper their allowance back (a failed request, not a lapsed order); ``restore_stock`` is
    False only when the units were never in the database hold."""

    campaign_id: int
    ticket: str
    sku_id: int
    member_id: int
    quantity: int
    record: TicketRecord
    restore_limit: bool
    restore_stock: bool = True
    entry_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReconcileSnapshot:
    """Redis state of one campaign read atomically: counters, hand-backs, the stream so far."""

    remaining: dict[int, int]
    returned: frozenset[str]
    entries: list[StreamEntry]
    pending: frozenset[str]
    last_delivered_id: str
