"""Request and response models of subscribe messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import RequestModel, ResponseModel

from .models import Event, SendStatus

SubscribeSendStatus = SendStatus
TemplateId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w-]+$")]
FieldKey = Annotated[str, StringConstraints(min_length=2, max_length=40, pattern=r"^[a-z_]+\d+$")]
Source = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]
PagePath = Annotated[
    str, StringConstraints(max_length=128, pattern=r"^([0-9A-Za-z_\-]+(/[0-9A-Za-z_\-]+)*)?$")
]


class SubscribeTemplateInput(RequestModel):
    template_id: TemplateId
    page: PagePath = ""
    fields: Annotated[dict[FieldKey, Source], Field(min_length=1, max_length=10)]
    is_enabled: bool = True


class SubscribeTemplate(ResponseModel):
    id: int
    event: Event
    template_id: str
    page: str
    fields: dict[str, str]
    is_enabled: bool
    disabled_reason: str | None
    updated_at: datetime


class SubscribeTemplatesView(ResponseModel):
    items: list[SubscribeTemplate]
    # The values each event carries (what a field may map to).
    sources: dict[str, list[str]]


class SubscribeAnswers(RequestModel):
    """``uni.requestSubscribeMessage``'s result: template id → 'accept' | 'reject' | 'ban'."""

    results: Annotated[
        dict[TemplateId, Literal["accept", "reject", "ban", "filter"]],
        Field(min_length=1, max_length=3),
    ]
    # On a product page: the SKU an accept of 到货提醒 is for, the product of 降价提醒.
    sku_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    product_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None


class SubscribeCredits(ResponseModel):
    credits: dict[str, int]


class PriceDropReminder(ResponseModel):
    product_id: int
    price: int | None = Field(description="its lowest price (fen) when the shopper accepted")


class PriceDropReminders(ResponseModel):
    """The shopper's 降价提醒 (one per product, on while an accept is unspent)."""

    offered: bool = Field(description="the shop sends 降价提醒 (its template is enabled)")
    items: list[PriceDropReminder]


class SubscribeTemplatePublic(ResponseModel):
    event: Event
    template_id: str


class SubscribeSend(ResponseModel):
    id: int
    event: Event
    member_id: int
    ref: str
    status: SubscribeSendStatus
    template_id: str | None
    errcode: int | None
    error: str | None
    created_at: datetime
    sent_at: datetime | None
