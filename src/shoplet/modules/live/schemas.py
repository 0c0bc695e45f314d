"""Request and response bodies of live sessions (storefront and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shoplet.core.schemas import Id, RequestModel, ResponseModel

from .models import Provider, SessionStatus

# Strict bodies refuse strings for datetimes; an ISO 8601 string with an offset is what clients
# send, so these fields alone parse leniently (naive times are still refused).
When = Annotated[AwareDatetime, Field(strict=False)]

# Bodies accept more than the service does, so an over-long comment is ``live.comment_invalid``
# (with how long it was), not a generic ``request.invalid``.


class SessionCreate(RequestModel):
    title: str = Field(max_length=500)
    anchor_name: str = Field(max_length=500)
    scheduled_at: When
    cover: str | None = Field(default=None, max_length=500)
    provider: Provider | None = Field(
        default=None, description="pushpull or wechat; default: the shop's SHOPLET_LIVE_PROVIDER"
    )
    room_id: Id | None = Field(default=None, description="the 小程序直播 room (provider wechat)")


class SessionUpdate(RequestModel):
    title: str = Field(max_length=500)
    anchor_name: str = Field(max_length=500)
    scheduled_at: When
    cover: str | None = Field(default=None, max_length=500)
    room_id: Id | None = None
    replay_url: str | None = Field(default=None, max_length=500)


class ShelfItemBody(RequestModel):
    product_id: Id
    live_price: int | None = Field(default=None, description="fen; none: the catalogue price")


class ShelfBody(RequestModel):
    """The whole shelf, in order (replaces what was there)."""

    items: list[ShelfItemBody] = Field(max_length=200)


class ExplainBody(RequestModel):
    product_id: Id | None = Field(description="the shelf product now presented; null: none")


class CouponPush(RequestModel):
    template_id: Id


class RestrictBody(RequestModel):
    member_id: Id
    kind: str = Field(max_length=10, description="mute (may watch, not comment) or ban")


class SubscribeBody(RequestModel):
    """``uni.requestSubscribeMessage``'s result for the 开播提醒 template, if the storefront asked
    (each accept is one reminder this session may send); empty on H5."""

    results: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w-]+$")],
            Literal["accept", "reject", "ban", "filter"],
        ],
        Field(max_length=3),
    ] = Field(default_factory=dict)


class CommentBody(RequestModel):
    text: str = Field(max_length=2000)


class LikeBody(RequestModel):
    count: int = Field(default=1, description="likes tapped since the last send, 1 to 50")


class ShelfProduct(ResponseModel):
    product_id: int
    position: int
    title: str
    image: str | None
    price: int = Field(description="catalogue price, fen")
    live_price: int | None = Field(description="the room's price, fen; null: none")
    is_available: bool = Field(description="on sale and in stock")


class Session(ResponseModel):
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


class Player(ResponseModel):
    provider: Provider
    play_url: str | None = Field(description="HLS, signed (txSecret/txTime); null for wechat")
    room_id: int | None = Field(description="the 小程序直播 plugin room (provider wechat)")
    expires_at: int | None = Field(description="Unix seconds the play URL is valid until")


class SessionDetail(ResponseModel):
    session: Session
    shelf: list[ShelfProduct]
    player: Player | None = Field(description="while live (the replay plays replay_url)")
    is_subscribed: bool
    coupons: list[LiveCouponOut]


class SessionPage(ResponseModel):
    items: list[Session]
    next_cursor: str | None


class Comment(ResponseModel):
    id: int
    session_id: int
    nickname: str
    text: str
    created_at: datetime


class StaffComment(Comment):
    member_id: int


class LiveCouponOut(ResponseModel):
    template_id: int
    name: str
    kind: str
    threshold: int = Field(description="fen")
    amount: int | None = Field(description="fen")
    rate_permille: int | None


class ClaimResult(ResponseModel):
    template_id: int
    claimed: bool


class Subscribed(ResponseModel):
    is_subscribed: bool
    subscriber_total: int


class LikeResult(ResponseModel):
    accepted: int


class Restriction(ResponseModel):
    member_id: int
    nickname: str
    kind: str
    created_at: datetime


class Metrics(ResponseModel):
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


class Control(ResponseModel):
    """What the control room opens with."""

    session: Session
    shelf: list[ShelfProduct]
    push: str | None = Field(description="the anchor's signed RTMP push URL (pushpull)")
    player: Player
    metrics: Metrics
    comments: list[StaffComment]
    restrictions: list[Restriction]
    coupons: list[LiveCouponOut]


SessionDetail.model_rebuild()
