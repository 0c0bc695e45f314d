"""Request and response models of campaigns (money in fen, times UTC, clocks in Shanghai)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field

from shoplet.core.schemas import RequestModel, ResponseModel
from shoplet.modules.campaigns.models import (
    AudienceKind,
    Channel,
    Group,
    Status,
    TouchChannel,
    Trigger,
)

When = Annotated[AwareDatetime, Field(strict=False)]
Clock = Annotated[str, Field(min_length=1, max_length=5, examples=["22:00"])]


class CampaignInput(RequestModel):
    """A campaign to save as a draft. Ranges are checked by the service, which answers with a
    ``campaigns.*`` code: holdout 0–50 %, cap ≥ 1 day, dormant days 30–365."""

    name: str = Field(min_length=1, max_length=60)
    audience_kind: AudienceKind
    audience_value: str = Field(
        min_length=1,
        max_length=64,
        description="segment id, RFM class code, tag code, or the dormant day count",
    )
    message_event: str | None = Field(
        default=None, max_length=30, description="the notification event whose template to use"
    )
    message_data: dict[
        Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=200)]
    ] = Field(
        default_factory=dict,
        max_length=20,
        description="value per WeChat key of the channel's template (auto: of both templates)",
    )
    channel: Channel = Field(
        default="subscribe",
        description="subscribe: 订阅消息; official_account: 公众号模板消息; auto: the subscribe "
        "message when the shopper holds an accept, else the 公众号 when they follow",
    )
    coupon_template_id: int | None = Field(default=None, ge=1, le=2**53)
    trigger: Trigger = "once"
    start_at: When | None = Field(default=None, description="null: as soon as started")
    holdout_percent: int = Field(default=10, ge=-(2**31), le=2**31)
    cap_days: int = Field(default=7, ge=-(2**31), le=2**31)
    quiet_start: Clock = "22:00"
    quiet_end: Clock = "08:00"
    window_days: int = Field(default=14, ge=-(2**31), le=2**31)


class Progress(ResponseModel):
    """Counted from the touches: the audience so far, each group, and what happened."""

    audience: int
    treated: int
    holdout: int
    pending: int
    done: int
    skipped_cap: int
    skipped_no_credit: int
    deferred_quiet: int
    messages: int
    coupons: int


class CampaignOut(ResponseModel):
    id: int
    name: str
    status: Status
    audience_kind: AudienceKind
    audience_value: str
    message_event: str | None
    message_data: dict[str, str]
    channel: Channel
    coupon_template_id: int | None
    trigger: Trigger
    start_at: datetime | None
    holdout_percent: int
    cap_days: int
    quiet_start: str
    quiet_end: str
    window_days: int
    next_run_at: datetime | None
    last_run_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    progress: Progress


class GroupResult(ResponseModel):
    group: Group
    shoppers: int
    ordering: int
    orders: int
    revenue: int = Field(description="fen, net of refunds")
    ordering_rate: float


class LiftOut(ResponseModel):
    value: float
    ci_low: float | None
    ci_high: float | None


class ChannelResult(ResponseModel):
    """The treated shoppers messaged through one channel, and their orders in their windows."""

    channel: TouchChannel
    messaged: int
    ordering: int
    orders: int
    revenue: int = Field(description="fen, net of refunds")


class CampaignResults(ResponseModel):
    """Treated against holdout over each shopper's window (``window_days`` after the touch,
    or after the assignment for the holdout and the treated not reached), and per channel."""

    window_days: int
    groups: list[GroupResult]
    channels: list[ChannelResult]
    incremental_orders: LiftOut
    incremental_revenue: LiftOut


class RunReport(ResponseModel):
    """One pass of the worker over a campaign."""

    materialised: int
    touched: int
    status: Status


class ChannelReach(ResponseModel):
    """How many shoppers of an audience each channel reaches now (before starting): the
    subscribe message's accept holders, the linked 公众号 followers, and auto (either)."""

    audience: int
    subscribe: int
    official_account: int
    auto: int
    is_subscribe_ready: bool = Field(description="the event has an enabled subscribe template")
    is_official_account_ready: bool = Field(description="the event has an enabled 公众号 template")
