"""Request and response bodies of live sessions (storefront and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shoplet.core.schemas import Id, RequestModel, ResponseModel

from .models import Provider, RecordingSource, RecordingStatus, SessionStatus

# Strict bodies refuse strings for datetimes; an ISO 8601 string with an offset is what clients
# send, so these fields alone parse leniently (naive times are still refused).
When = Annotated[AwareDatetime, Field(strict=False)]

# Bodies accept more than the service does, so an over-long comment is ``live.comment_invalid``
# (with how long it was), not a generic ``request.invalid``.


class LiveSessionCreate(RequestModel):
    title: str = Field(max_length=500)
    anchor_name: str = Field(max_length=500)
    scheduled_at: When
    cover: str | None = Field(default=None, max_length=500)
    provider: Provider | None = Field(
        default=None, description="pushpull or wechat; default: the shop's SHOPLET_LIVE_PROVIDER"
    )
    room_id: Id | None = Field(default=None, description="the 小程序直播 room (provider wechat)")


class LiveSessionUpdate(RequestModel):
    title: str = Field(max_length=500)
    anchor_name: str = Field(max_length=500)
    scheduled_at: When
    cover: str | None = Field(default=None, max_length=500)
    room_id: Id | None = None
    replay_url: str | None = Field(default=None, max_length=500)


class LiveShelfItemBody(RequestModel):
    product_id: Id
    live_price: int | None = Field(default=None, description="fen; none: the catalogue price")


class LiveShelfBody(RequestModel):
    """The whole shelf, in order (replaces what was there)."""

    items: list[LiveShelfItemBody] = Field(max_length=200)


class LiveExplainBody(RequestModel):
    product_id: Id | None = Field(description="the shelf product now presented; null: none")


class LiveCouponPush(RequestModel):
    template_id: Id


class LiveRestrictBody(RequestModel):
    member_id: Id
    kind: str = Field(max_length=10, description="mute (may watch, not comment) or ban")


class LiveSubscribeBody(RequestModel):
    """``uni.requestSubscribeMessage``'s result for the 开播提醒 template, if the storefront asked
    (each accept is one reminder this session may send); empty on H5."""

    results: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w-]+$")],
            Literal["accept", "reject", "ban", "filter"],
        ],
        Field(max_length=3),
    ] = Field(default_factory=dict)


class LiveCommentBody(RequestModel):
    text: str = Field(max_length=2000)


class LiveLikeBody(RequestModel):
    count: int = Field(default=1, description="likes tapped since the last send, 1 to 50")


class LiveShelfProduct(ResponseModel):
    product_id: int
    position: int
    title: str
    image: str | None
    price: int = Field(description="catalogue price, fen")
    live_price: int | None = Field(description="the room's price, fen; null: none")
    is_available: bool = Field(description="on sale and in stock")


class LiveSession(ResponseModel):
    id: int
    title: str
    cover: str | None
    anchor_name: str
    scheduled_at: datetime
    status: SessionStatus
    provider: Provider
    started_at: datetime | None
    ended_at: datetime | None
    replay_url: str | None
    explaining_product_id: int | None
    like_total: int
    viewer_total: int
    subscriber_total: int


class LivePlayer(ResponseModel):
    provider: Provider
    play_url: str | None = Field(description="HLS, signed (txSecret/txTime); null for wechat")
    room_id: int | None = Field(description="the 小程序直播 plugin room (provider wechat)")
    expires_at: int | None = Field(description="Unix seconds the play URL is valid until")


class LiveSessionDetail(ResponseModel):
    session: LiveSession
    shelf: list[LiveShelfProduct]
    player: LivePlayer | None = Field(description="while live")
    is_subscribed: bool
    coupons: list[LiveCouponOut]
    replay_play_url: str | None = Field(
        default=None,
        description="once ended: what the replay plays: the operator's replay_url, else the "
        "published recording (Shoplet's HLS VOD playlist, or WeChat's video); null: none",
    )


class LiveSessionPage(ResponseModel):
    items: list[LiveSession]
    next_cursor: str | None


class LiveComment(ResponseModel):
    id: int
    session_id: int
    nickname: str
    text: str
    created_at: datetime


class LiveStaffComment(LiveComment):
    member_id: int


class LiveCouponOut(ResponseModel):
    template_id: int
    name: str
    kind: str
    threshold: int = Field(description="fen")
    amount: int | None = Field(description="fen")
    rate_permille: int | None


class LiveClaimResult(ResponseModel):
    template_id: int
    claimed: bool


class LiveSubscribed(ResponseModel):
    is_subscribed: bool
    subscriber_total: int


class LiveLikeResult(ResponseModel):
    accepted: int


class LiveRestriction(ResponseModel):
    member_id: int
    nickname: str
    kind: str
    created_at: datetime


class LiveMetrics(ResponseModel):
    session_id: int
    status: SessionStatus
    online: int
    peak_online: int
    viewers: int
    likes: int
    comments: int
    subscribers: int
    sales_count: int
    sales_amount: int = Field(description="fen")


class LiveRecording(ResponseModel):
    """The session's replay as recorded: 录制中 (recording), 已生成 (ready) or 无回放 (none)."""

    status: RecordingStatus
    source: RecordingSource | None = Field(description="pushpull: Shoplet's; wechat: WeChat's")
    is_published: bool = Field(description="shoppers may watch it")
    segment_total: int
    gap_total: int = Field(description="segments every fetch of which failed")
    duration_ms: int
    size_bytes: int
    outcome: str | None = Field(
        description="why there is none: not_recorded, no_segments, wechat.room_invalid, "
        "wechat.room_forbidden, wechat.no_replay, wechat.unavailable"
    )
    media_url: str | None = Field(description="WeChat's replay video (source wechat)")
    finalised_at: datetime | None


class LiveReplayPublish(RequestModel):
    is_published: bool


class LiveControl(ResponseModel):
    """What the control room opens with."""

    session: LiveSession
    shelf: list[LiveShelfProduct]
    push: str | None = Field(description="the anchor's signed RTMP push URL (pushpull)")
    player: LivePlayer
    metrics: LiveMetrics
    comments: list[LiveStaffComment]
    restrictions: list[LiveRestriction]
    coupons: list[LiveCouponOut]
    recording: LiveRecording


LiveSessionDetail.model_rebuild()
