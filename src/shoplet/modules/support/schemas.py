"""Request and response bodies of the support chat (storefront and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shoplet.core.schemas import Id, RequestModel, ResponseModel

from .models import Channel, ConversationStatus, MessageKind, Sender

# Bodies accept more than the service does, so an over-long text is ``support.message_invalid``
# (with how long it was), not a generic ``request.invalid``.
_TEXT = Field(default=None, max_length=10_000)


class MessageSend(RequestModel):
    """What a shopper sends: ``text`` (at most 1000 characters), an ``order`` card (one of their
    own orders) or a ``product`` card (a product on sale). Images go through
    ``POST /support/conversation/images``."""

    kind: Literal["text", "order", "product"]
    text: str | None = _TEXT
    order_no: str | None = Field(default=None, max_length=64)
    product_id: Id | None = None


class StaffMessageSend(RequestModel):
    """What staff send: ``text`` or a ``product`` card."""

    kind: Literal["text", "product"]
    text: str | None = _TEXT
    product_id: Id | None = None


class ReadBody(RequestModel):
    message_id: Id = Field(description="the last message this side has seen")


class RatingBody(RequestModel):
    score: int = Field(description="1 (very unhappy) to 5 (very happy)")


class TransferBody(RequestModel):
    staff_id: Id


class QuickReplyBody(RequestModel):
    title: str = Field(max_length=500)
    content: str = Field(max_length=10_000)
    sort_order: int = Field(default=0, ge=0, le=10_000)


class ChatMessage(ResponseModel):
    id: int
    conversation_id: int
    sender: Sender
    staff_id: int | None
    kind: MessageKind
    text: str = Field(description="the text; for kind event: claimed, transferred or closed")
    card: dict[str, Any] | None = Field(
        description="order card {order_no, status, title, image, quantity}; product card "
        "{product_id, title, image, price}; image {url, image_set}"
    )
    created_at: datetime


class Conversation(ResponseModel):
    id: int
    member_id: int
    status: ConversationStatus
    priority: bool = Field(description="the shopper's tier has 专属客服 (served first)")
    assignee_id: int | None
    queued_at: datetime
    claimed_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    last_message_id: int
    member_read_id: int = Field(description="the shopper's read receipt: last message seen")
    staff_read_id: int = Field(description="staff's read receipt: last message seen")
    channel: Channel = Field(
        description="where the shopper last wrote from, so where replies go: app (in-app chat) "
        "or wechat (the mini program's 客服消息)"
    )


class MessagePage(ResponseModel):
    items: list[ChatMessage]
    next_cursor: str | None = Field(
        description="pass as ?after= to get only newer messages (the same ones sockets carry)"
    )


class QueueEntry(ResponseModel):
    conversation: Conversation
    nickname: str
    waiting_seconds: int


class RecentOrder(ResponseModel):
    order_no: str
    paid_at: datetime
    payable: int = Field(description="fen")


class ConversationDetail(ResponseModel):
    conversation: Conversation
    nickname: str
    messages: list[ChatMessage]
    next_cursor: str | None
    recent_orders: list[RecentOrder]


class Workbench(ResponseModel):
    queue: list[QueueEntry]
    mine: list[QueueEntry]


class Agent(ResponseModel):
    id: int
    username: str
    display_name: str


class QuickReply(ResponseModel):
    id: int
    title: str
    content: str
    sort_order: int
