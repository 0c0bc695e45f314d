"""Tables of session replay and click heatmaps (``analytics_replay_*``).

- ``analytics_replay_session``: one recorded H5 visit (or a mini-program visit, ``platform``
  ``mp-weixin``, which has taps and depths but nothing to replay), keyed by the recorder's
  ``replay_id`` (unique; created by the first chunk with ``INSERT … ON CONFLICT DO NOTHING``),
  its device, the member once signed in, its span and sizes.
- ``analytics_replay_chunk``: the rrweb events of one flush, zlib-compressed JSON; unique per
  (session, ``seq``) so a retried chunk is stored once. A chunk belongs to one page (the
  recorder flushes on every route change), which is how sessions are found by page.
- ``analytics_replay_click``: one click for the heatmap: the page, ``x`` in permille of the
  viewport width and ``y`` in CSS pixels from the top of the document.
- ``analytics_replay_error``: a JavaScript error the recorded page raised (its message and
  where), with its time on the client's clock so the player can jump to it; recordings are
  found by it.
- ``analytics_replay_scroll``: how far down a recording scrolled on a page (the lowest the
  viewport's bottom edge reached, CSS px), one row per (session, page) that only grows, for the
  scroll-depth map.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow


class ReplaySession(Base):
    __tablename__ = "analytics_replay_session"
    __table_args__ = (
        Index("ix_analytics_replay_session_member_id", "member_id", "id"),
        Index("ix_analytics_replay_session_anonymous_id", "anonymous_id"),
        Index("ix_analytics_replay_session_last_at", "last_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    replay_id: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(16), default="h5", server_default="h5")
    anonymous_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    first_page: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column()
    last_at: Mapped[datetime] = mapped_column()
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    raw_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplayChunk(Base):
    __tablename__ = "analytics_replay_chunk"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        CheckConstraint("seq >= 0", name="seq_not_negative"),
        Index("ix_analytics_replay_chunk_page", "page", "session_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(Integer)
    page: Mapped[str] = mapped_column(String(200))
    first_ts: Mapped[datetime] = mapped_column()
    last_ts: Mapped[datetime] = mapped_column()
    events: Mapped[int] = mapped_column(Integer)
    raw_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplayClick(Base):
    __tablename__ = "analytics_replay_click"
    __table_args__ = (
        CheckConstraint("x BETWEEN 0 AND 1000", name="x_permille"),
        CheckConstraint("y >= 0", name="y_not_negative"),
        Index("ix_analytics_replay_click_page_at", "page", "at"),
        Index("ix_analytics_replay_click_session_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    platform: Mapped[str] = mapped_column(String(16), default="h5", server_default="h5")
    page: Mapped[str] = mapped_column(String(200))
    x: Mapped[int] = mapped_column(Integer)  # permille of the viewport width
    y: Mapped[int] = mapped_column(Integer)  # CSS px from the top of the document
    width: Mapped[int] = mapped_column(Integer)  # the viewport's CSS width then
    at: Mapped[datetime] = mapped_column()


class ReplayError(Base):
    __tablename__ = "analytics_replay_error"
    __table_args__ = (
        Index("ix_analytics_replay_error_session_id", "session_id"),
        Index("ix_analytics_replay_error_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    page: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(300), default="")
    timestamp: Mapped[int] = mapped_column(BigInteger)  # ms, the client's clock (the player's)
    at: Mapped[datetime] = mapped_column()  # the same moment on the server's clock


class ReplayScroll(Base):
    __tablename__ = "analytics_replay_scroll"
    __table_args__ = (
        UniqueConstraint("session_id", "page"),
        CheckConstraint("depth >= 0", name="depth_not_negative"),
        CheckConstraint("height >= 1 AND viewport >= 1 AND width >= 1", name="sizes_positive"),
        Index("ix_analytics_replay_scroll_page_at", "page", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    platform: Mapped[str] = mapped_column(String(16), default="h5", server_default="h5")
    page: Mapped[str] = mapped_column(String(200))
    depth: Mapped[int] = mapped_column(Integer)  # CSS px from the top to the viewport's bottom
    height: Mapped[int] = mapped_column(Integer)  # the document's height (CSS px)
    viewport: Mapped[int] = mapped_column(Integer)  # the viewport's CSS height
    width: Mapped[int] = mapped_column(Integer)  # the viewport's CSS width
    at: Mapped[datetime] = mapped_column()
