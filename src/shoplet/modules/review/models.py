"""Review tables: the reviews, the shoppers' uploaded photos, and each product's counters.

``review_review`` is unique per order line: a second review of a line, concurrent or not, is
refused by the database. ``review_product_stats`` is the product page's rating summary, kept by
atomic ``count = count + :delta`` upserts whenever a review enters or leaves ``approved``, so a
product page reads one row instead of counting reviews. ``reward_seq`` numbers the growth
grants and reversals of a review (the growth ledger's ref), so each happens once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

STATUSES = ("pending", "approved", "hidden")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Review(Base):
    """One shopper's review of one order line. ``nickname`` is the name shown, as it was when
    the review was written (masked when ``is_anonymous``). ``growth`` is the growth the review
    holds now (granted on writing, taken back when hidden)."""

    __tablename__ = "review_review"
    __table_args__ = (
        UniqueConstraint("line_id"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_in_range"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint("growth >= 0 AND reward_seq >= 0", name="reward_valid"),
        CheckConstraint("points >= 0", name="points_valid"),
        Index("ix_review_review_product_id_status_id", "product_id", "status", "id"),
        Index("ix_review_review_status_id", "status", "id"),
        Index("ix_review_review_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    order_no: Mapped[str] = mapped_column(String(32))
    line_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(200))
    spec_text: Mapped[str] = mapped_column(String(200))
    rating: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(String(2000))
    photos: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    has_photos: Mapped[bool] = mapped_column(Boolean)
    # One short video besides the photos: {url, cover_url, duration_ms, width, height}.
    video: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    has_video: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_anonymous: Mapped[bool] = mapped_column(Boolean)
    nickname: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    is_flagged: Mapped[bool] = mapped_column(Boolean)
    growth: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reward_seq: Mapped[int] = mapped_column(Integer, default=0)
    reply: Mapped[str | None] = mapped_column(String(2000))
    replied_at: Mapped[datetime | None]
    followup: Mapped[str | None] = mapped_column(String(2000))
    followup_at: Mapped[datetime | None]
    moderated_by: Mapped[str | None] = mapped_column(String(64))
    moderated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReviewPhoto(Base):
    """A photo a shopper uploaded for a review (through catalog's image pipeline); a review
    takes only its writer's photos not used yet (``review_id`` set when used)."""

    __tablename__ = "review_photo"
    __table_args__ = (Index("ix_review_photo_member_id_id", "member_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(500))
    image_set: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    review_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class ReviewVideo(Base):
    """A short video a shopper uploaded for a review (core/video.py read it): the file, its
    cover and the frames moderation screens; a review takes only its writer's unused one."""

    __tablename__ = "review_video"
    __table_args__ = (Index("ix_review_video_member_id_id", "member_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(32))
    cover_url: Mapped[str] = mapped_column(String(500))
    frame_urls: Mapped[list[str]] = mapped_column(JSON)
    codec: Mapped[str] = mapped_column(String(16))
    duration_ms: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    review_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class ProductStats(Base):
    """Approved reviews of a product: how many, how many good (4–5), neutral (3), bad (1–2),
    with photos, and the sum of their ratings."""

    __tablename__ = "review_product_stats"
    __table_args__ = (
        CheckConstraint(
            "total >= 0 AND good >= 0 AND neutral >= 0 AND bad >= 0 AND with_photos >= 0 "
            "AND rating_sum >= 0",
            name="counts_non_negative",
        ),
    )

    product_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    good: Mapped[int] = mapped_column(Integer, default=0)
    neutral: Mapped[int] = mapped_column(Integer, default=0)
    bad: Mapped[int] = mapped_column(Integer, default=0)
    with_photos: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(BigInteger, default=0)
