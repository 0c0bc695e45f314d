"""Live-session tables (直播): sessions, their product shelf, reminder subscriptions, mutes and
bans, stored comments, viewers, coupons pushed into a room and the sales a session brought.

``live_session.status`` moves ``scheduled → live → ended`` by conditional ``UPDATE … WHERE
status = …`` (two operators pressing 开播 at once: one wins). The counters on the session
(``like_total``, ``comment_total``, ``viewer_total``, ``peak_online``, ``sales_count``,
``sales_amount``) are written by single ``UPDATE … SET x = x + n`` statements or copied from
the room's Redis counters when the session ends; the running figures live in Redis (``store``).
``live_viewer`` (one row per session and shopper) is the distinct-viewer list and what a paid
order is attributed by; ``live_sale.order_no`` is unique, so an order counts once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

SessionStatus = Literal["scheduled", "live", "ended"]
Provider = Literal["pushpull", "wechat"]
RestrictionKind = Literal["mute", "ban"]
STATUSES: tuple[str, ...] = get_args(SessionStatus)
PROVIDERS: tuple[str, ...] = get_args(Provider)
RESTRICTIONS: tuple[str, ...] = get_args(RestrictionKind)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LiveSession(Base):
    """One broadcast. ``stream_name``: the push/pull provider's stream; ``room_id``: the WeChat
    live plugin's room (provider ``wechat``). ``explaining_product_id``: the shelf item the
    anchor is presenting now (讲解中). ``reminded_at``: the 开播提醒 were recorded."""

    __tablename__ = "live_session"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("provider", PROVIDERS), name="provider_known"),
        Index("ix_live_session_status_scheduled_at", "status", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    cover: Mapped[str | None] = mapped_column(String(500), default=None)
    anchor_name: Mapped[str] = mapped_column(String(30))
    scheduled_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    provider: Mapped[str] = mapped_column(String(12))
    stream_name: Mapped[str] = mapped_column(String(64))
    room_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    replay_url: Mapped[str | None] = mapped_column(String(500), default=None)
    explaining_product_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    like_total: Mapped[int] = mapped_column(BigInteger, default=0)
    comment_total: Mapped[int] = mapped_column(BigInteger, default=0)
    viewer_total: Mapped[int] = mapped_column(Integer, default=0)
    peak_online: Mapped[int] = mapped_column(Integer, default=0)
    subscriber_total: Mapped[int] = mapped_column(Integer, default=0)
    sales_count: Mapped[int] = mapped_column(Integer, default=0)
    sales_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LiveShelfItem(Base):
    """A product on the session's shelf (购物袋), in ``position`` order; ``live_price``: the
    price shown in the room (fen), None for the catalogue price."""

    __tablename__ = "live_shelf_item"
    __table_args__ = (
        UniqueConstraint("session_id", "product_id", name="uq_live_shelf_item_product"),
        CheckConstraint("live_price IS NULL OR live_price > 0", name="live_price_positive"),
        Index("ix_live_shelf_item_session_id_position", "session_id", "position"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)
    live_price: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime]


class LiveSubscription(Base):
    """A shopper asked to be reminded when the session starts (订阅提醒)."""

    __tablename__ = "live_subscription"
    __table_args__ = (
        UniqueConstraint("session_id", "member_id", name="uq_live_subscription_member"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime]


class LiveRestriction(Base):
    """A shopper muted (may watch, may not comment) or banned (may not join) in a session."""

    __tablename__ = "live_restriction"
    __table_args__ = (
        UniqueConstraint("session_id", "member_id", "kind", name="uq_live_restriction_member"),
        CheckConstraint(_in("kind", RESTRICTIONS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))
    staff_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class LiveComment(Base):
    """A comment as broadcast (screened; masked words already replaced)."""

    __tablename__ = "live_comment"
    __table_args__ = (Index("ix_live_comment_session_id_id", "session_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    nickname: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class LiveViewer(Base):
    """A shopper who joined the room (distinct viewers; attribution of their paid orders)."""

    __tablename__ = "live_viewer"
    __table_args__ = (UniqueConstraint("session_id", "member_id", name="uq_live_viewer_member"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger, index=True)
    joined_at: Mapped[datetime]


class LiveCoupon(Base):
    """A coupon template pushed into the room: shoppers in the room claim it there (直播专享)."""

    __tablename__ = "live_coupon"
    __table_args__ = (UniqueConstraint("session_id", "template_id", name="uq_live_coupon"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    template_id: Mapped[int] = mapped_column(BigInteger)
    staff_id: Mapped[int] = mapped_column(BigInteger)
    pushed_at: Mapped[datetime]


class LiveSale(Base):
    """A paid order attributed to the session (its shopper watched, it has a shelf product)."""

    __tablename__ = "live_sale"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    session_id: Mapped[int] = mapped_column(BigInteger, index=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


RecordingStatus = Literal["recording", "ready", "none"]
RecordingSource = Literal["pushpull", "wechat"]
SegmentStatus = Literal["claimed", "stored", "gap"]
RECORDING_STATUSES: tuple[str, ...] = get_args(RecordingStatus)
SEGMENT_STATUSES: tuple[str, ...] = get_args(SegmentStatus)


class LiveRecording(Base):
    """A session's replay (回放): ``recording`` (录制中: segments arriving, or WeChat still
    making it) → ``ready`` (已生成: a VOD playlist under ``playlist_key``, or WeChat's
    ``media_url``) or ``none`` (无回放, ``outcome`` says why). The move out of ``recording`` is
    one conditional ``UPDATE … WHERE status = 'recording'``: finalising happens once.
    ``is_published``: shoppers may watch it (the operator publishes or hides it)."""

    __tablename__ = "live_recording"
    __table_args__ = (
        CheckConstraint(_in("status", RECORDING_STATUSES), name="status_known"),
        CheckConstraint(_in("source", PROVIDERS), name="source_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    source: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="recording")
    is_published: Mapped[bool] = mapped_column(default=False)
    segment_total: Mapped[int] = mapped_column(Integer, default=0)
    gap_total: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    playlist_key: Mapped[str | None] = mapped_column(String(300), default=None)
    media_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(40), default=None)
    checks: Mapped[int] = mapped_column(Integer, default=0)
    finalised_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LiveRecordingSegment(Base):
    """One segment of the live playlist, keyed by its media sequence: the recorder claims it
    with ``INSERT … ON CONFLICT DO NOTHING`` (a restarted recorder or a second one never stores
    it twice), then marks it ``stored`` (``key`` in media storage) or ``gap`` (every fetch
    failed). ``is_discontinuity``: the stream broke before it (``#EXT-X-DISCONTINUITY``)."""

    __tablename__ = "live_recording_segment"
    __table_args__ = (
        UniqueConstraint("session_id", "media_sequence", name="uq_live_recording_segment_seq"),
        CheckConstraint(_in("status", SEGMENT_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    media_sequence: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(8), default="claimed")
    key: Mapped[str | None] = mapped_column(String(300), default=None)
    duration_ms: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    is_discontinuity: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime]
