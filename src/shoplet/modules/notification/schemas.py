"""Request and response models of subscribe messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import RequestModel, ResponseModel

from .models import Event, OaDelivery, OaSendStatus, SendStatus

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


# -- 公众号 ------------------------------------------------------------------------------------

AppId = Annotated[str, StringConstraints(pattern=r"^wx[0-9a-f]{16}$")]
OaSecret = Annotated[str, StringConstraints(min_length=32, max_length=32, pattern=r"^[0-9a-f]+$")]
PushToken = Annotated[
    str, StringConstraints(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9]+$")
]
Url = Annotated[str, StringConstraints(max_length=256, pattern=r"^(https://[\x21-\x7e]+)?$")]


class OaSettingsInput(RequestModel):
    """The 公众号's 开发 → 基本配置: a secret left out (null) stays as it is; ``encoding_aes_key``
    "" turns 安全模式 off (plain pushes)."""

    appid: AppId
    secret: OaSecret | None = None
    token: PushToken | None = None
    encoding_aes_key: Annotated[str, StringConstraints(max_length=43)] | None = None
    miniprogram_appid: Annotated[str, StringConstraints(pattern=r"^(wx[\w-]{2,30})?$")] = ""


class OaSettings(ResponseModel):
    is_configured: bool
    appid: str
    secret_hint: str = Field(description="the AppSecret's last four characters")
    is_token_set: bool
    is_safe_mode: bool = Field(description="安全模式: pushes must be encrypted")
    miniprogram_appid: str
    followers: int = Field(description="followers now")
    linked_followers: int = Field(description="of them, linked to a member by unionid")
    push_path: str


class OaTemplateInput(RequestModel):
    template_id: TemplateId
    url: Url = ""
    pagepath: PagePath = ""
    fields: Annotated[dict[FieldKey, Source], Field(min_length=1, max_length=10)]
    is_enabled: bool = True


class OaTemplate(ResponseModel):
    id: int
    event: Event
    template_id: str
    url: str
    pagepath: str
    fields: dict[str, str]
    is_enabled: bool
    disabled_reason: str | None
    updated_at: datetime


class OaTemplatesView(ResponseModel):
    items: list[OaTemplate]
    sources: dict[str, list[str]]


class OaSend(ResponseModel):
    id: int
    event: Event
    member_id: int
    ref: str
    status: OaSendStatus
    delivery: OaDelivery | None
    template_id: str | None
    errcode: int | None
    error: str | None
    msgid: int | None
    not_before: datetime | None
    created_at: datetime
    sent_at: datetime | None


class OaSyncResult(ResponseModel):
    listed: int = Field(description="followers WeChat listed")
    recorded: int = Field(description="follower rows added or changed")
    linked: int = Field(description="followers newly linked to a member")
