"""Notification tables: the merchant's template per event, each shopper's send credits per
WeChat template (one per 'accept'), and the send log (one row per event and shopper).

A credit is for any occasion (``subject`` empty) or for one thing the shopper asked about:
``sku:<id>`` (到货提醒 on a sold-out SKU), ``product:<id>`` (降价提醒, with ``price``: the
product's lowest price when the shopper accepted), ``live:<id>`` (开播提醒 of a live session).
A 话题挑战 prize (``challenge_prize``) spends an any-occasion credit, asked for on 参与挑战.
A send names the subject whose credit it spends.

``notification_credit.credits`` is spent by one conditional ``UPDATE … SET credits = credits - 1
WHERE … AND credits > 0``: N accepts yield at most N sends, whoever sends at the same moment.
``uq_notification_send_ref`` makes an event's send once per shopper, however often the event
is delivered. A worker holds a ``sending`` row for a lease from ``claimed_at``; a row whose lease
ran out (the worker crashed) is reclaimed by one conditional ``UPDATE``.
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
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, UTCDateTime

Event = Literal[
    "payment_success",
    "shipped",
    "groupbuy_result",
    "price_drop",
    "back_in_stock",
    "points_expiring",
    "live_start",
    "challenge_prize",
]
SendStatus = Literal[
    "pending",
    "sending",
    "sent",
    "refused",
    "params_invalid",
    "template_invalid",
    "field_invalid",
    "no_credit",
    "no_openid",
    "failed",
]
# The same lists for the CHECK constraints (one source: the schemas use the Literals).
EVENTS: tuple[str, ...] = get_args(Event)
SEND_STATUSES: tuple[str, ...] = get_args(SendStatus)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class NotificationTemplate(Base):
    """The WeChat template the merchant picked for one event, and which of the event's values
    fills each of its keys (``fields``: {"thing1": "product_name", "amount2": "amount"})."""

    __tablename__ = "notification_template"
    __table_args__ = (CheckConstraint(_in("event", EVENTS), name="event_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event: Mapped[str] = mapped_column(String(30), unique=True)
    template_id: Mapped[str] = mapped_column(String(64))
    page: Mapped[str] = mapped_column(String(128), default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Why WeChat or Shoplet turned it off (40037: the template is gone), for the console.
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class NotificationCredit(Base):
    """A shopper's one-time accepts of one WeChat template (for one subject) not spent yet."""

    __tablename__ = "notification_credit"
    __table_args__ = (
        UniqueConstraint(
            "member_id", "template_id", "subject", name="uq_notification_credit_subject"
        ),
        Index("ix_notification_credit_subject", "template_id", "subject"),
        CheckConstraint("credits >= 0", name="credits_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId)
    template_id: Mapped[str] = mapped_column(String(64))
    # "" (any occasion), "sku:<id>" (back in stock), "product:<id>" (price drop) or
    # "live:<id>" (a live session starts).
    subject: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # The product's lowest price (fen) at the latest accept, for a price-drop credit.
    price: Mapped[int | None] = mapped_column(BigInteger)
    credits: Mapped[int] = mapped_column(Integer, default=0)
    accepted_total: Mapped[int] = mapped_column(Integer, default=0)
    rejected_total: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class NotificationSend(Base):
    """One message for one shopper and one event occurrence (``ref``: the order number…)."""

    __tablename__ = "notification_send"
    __table_args__ = (
        UniqueConstraint("event", "member_id", "ref", name="uq_notification_send_ref"),
        CheckConstraint(_in("status", SEND_STATUSES), name="status_known"),
        Index("ix_notification_send_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event: Mapped[str] = mapped_column(String(30))
    member_id: Mapped[int] = mapped_column(BigId, index=True)
    ref: Mapped[str] = mapped_column(String(64))
    # The subject of the credit this send spends ("" for order messages).
    subject: Mapped[str] = mapped_column(String(40), default="", server_default="")
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    template_id: Mapped[str | None] = mapped_column(String(64))
    # WeChat's errcode, or Shoplet's stable reason for a send refused before the call.
    errcode: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    msgid: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    # When a worker took it (``pending → sending``): its lease, and the token its finish matches.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# -- 公众号 (WeChat Official Account): followers and template messages --------------------------

OaSendStatus = Literal[
    "pending",
    "sending",
    "sent",
    "unfollowed",
    "openid_invalid",
    "template_invalid",
    "field_invalid",
    "failed",
]
# What WeChat's TEMPLATESENDJOBFINISH said of a sent message.
OaDelivery = Literal["delivered", "user_block", "system_failed"]
OA_SEND_STATUSES: tuple[str, ...] = get_args(OaSendStatus)
OA_DELIVERIES: tuple[str, ...] = get_args(OaDelivery)


class NotificationOaAccount(Base):
    """The shop's 公众号 (one row, id 1): its appid, and its secret, push token and
    EncodingAESKey SM4-encrypted (``core.security.PiiCipher``); the console sees only hints."""

    __tablename__ = "notification_oa_account"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    appid: Mapped[str] = mapped_column(String(32))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    token_encrypted: Mapped[str] = mapped_column(Text)
    aes_key_encrypted: Mapped[str | None] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(8))
    # The mini program a template message opens (its appid; "" opens ``url`` only).
    miniprogram_appid: Mapped[str] = mapped_column(String(32), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class NotificationOaFollower(Base):
    """One 公众号 follower (its own openid), linked to a member through the unionid.

    ``event_at`` is WeChat's time of the last follow change applied (``CreateTime`` of a push,
    ``subscribe_time`` of a sync): a change is applied only when it is newer, so a replayed or
    late push changes nothing."""

    __tablename__ = "notification_oa_follower"
    __table_args__ = (Index("ix_notification_oa_follower_member", "member_id", "is_following"),)

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    member_id: Mapped[int | None] = mapped_column(BigId)
    is_following: Mapped[bool] = mapped_column(Boolean)
    event_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class NotificationOaTemplate(Base):
    """The 公众号 template message the merchant picked for one event: which value fills each
    key, and where a tap leads (``url`` and/or the mini program's ``pagepath``)."""

    __tablename__ = "notification_oa_template"
    __table_args__ = (CheckConstraint(_in("event", EVENTS), name="event_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event: Mapped[str] = mapped_column(String(30), unique=True)
    template_id: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(256), default="")
    pagepath: Mapped[str] = mapped_column(String(128), default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class NotificationOaSend(Base):
    """One template message for one shopper and one event occurrence (once: the unique key).
    ``not_before``: a send the day's quota refused waits for the next day."""

    __tablename__ = "notification_oa_send"
    __table_args__ = (
        UniqueConstraint("event", "member_id", "ref", name="uq_notification_oa_send_ref"),
        CheckConstraint(_in("status", OA_SEND_STATUSES), name="status_known"),
        Index("ix_notification_oa_send_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event: Mapped[str] = mapped_column(String(30))
    member_id: Mapped[int] = mapped_column(BigId, index=True)
    ref: Mapped[str] = mapped_column(String(64))
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    openid: Mapped[str | None] = mapped_column(String(64))
    template_id: Mapped[str | None] = mapped_column(String(64))
    errcode: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    msgid: Mapped[int | None] = mapped_column(BigInteger, index=True)
    delivery: Mapped[str | None] = mapped_column(String(20))
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
