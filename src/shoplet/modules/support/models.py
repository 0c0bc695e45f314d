"""Support chat tables: conversations, their messages and the shop's quick replies.

``support_conversation`` holds at most one open conversation per shopper (a partial unique
index on ``member_id`` where the status is not ``closed``), so two tabs opening chat at once get
the same one. A claim is one conditional ``UPDATE … WHERE status = 'queued'``: of many staff
members claiming at once exactly one wins. ``member_read_id`` / ``staff_read_id`` are each
side's read receipt: the id of the last message it has seen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

ConversationStatus = Literal["queued", "active", "closed"]
Channel = Literal["app", "wechat"]
Sender = Literal["member", "staff", "system"]
MessageKind = Literal["text", "image", "order", "product", "event"]
STATUSES: tuple[str, ...] = get_args(ConversationStatus)
SENDERS: tuple[str, ...] = get_args(Sender)
KINDS: tuple[str, ...] = get_args(MessageKind)
CHANNELS: tuple[str, ...] = get_args(Channel)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Conversation(Base):
    """A shopper's conversation with the shop. ``priority``: the shopper's tier had 专属客服
    (``priority_service``) when it was opened, so it is served first. ``channel``: where the
    shopper last wrote from, so where staff replies go: ``app`` (the in-app chat) or ``wechat``
    (the mini program's native 客服消息, sent with ``custom/send``)."""

    __tablename__ = "support_conversation"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        Index(
            "uq_support_conversation_open",
            "member_id",
            unique=True,
            postgresql_where=text("status <> 'closed'"),
            sqlite_where=text("status <> 'closed'"),
        ),
        Index("ix_support_conversation_status_queue", "status", "priority", "queued_at"),
        Index("ix_support_conversation_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[bool] = mapped_column(Boolean)
    assignee_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    queued_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    rating: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    rated_at: Mapped[datetime | None] = mapped_column(default=None)
    last_message_id: Mapped[int] = mapped_column(BigInteger, default=0)
    member_read_id: Mapped[int] = mapped_column(BigInteger, default=0)
    staff_read_id: Mapped[int] = mapped_column(BigInteger, default=0)
    channel: Mapped[str] = mapped_column(String(8), default="app", server_default=text("'app'"))
    created_at: Mapped[datetime]


class Message(Base):
    """One message. ``payload``: the card (order or product) or image it carries, as it was
    when sent; ``kind`` ``event`` is a line the system writes (claimed, transferred, closed)."""

    __tablename__ = "support_message"
    __table_args__ = (
        CheckConstraint(_in("sender", SENDERS), name="sender_known"),
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        Index("ix_support_message_conversation_id_id", "conversation_id", "id"),
        Index(
            "uq_support_message_wechat_msgid",
            "wechat_msgid",
            unique=True,
            postgresql_where=text("wechat_msgid IS NOT NULL"),
            sqlite_where=text("wechat_msgid IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(8))
    staff_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    kind: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # A message pushed by WeChat (客服消息): its MsgId, so a retried push is stored once.
    wechat_msgid: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime]


class QuickReply(Base):
    """A canned answer staff insert with one click (快捷回复), edited in the console."""

    __tablename__ = "support_quick_reply"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    content: Mapped[str] = mapped_column(String(1000))
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
