"""Tables of profiles, tags and segments (``analytics_profile``, ``analytics_tag*``,
``analytics_segment*``, ``analytics_profile_job``).

- ``analytics_profile``: one row per member who bought or was seen, upserted by member id
  (a recompute converges); list fields are JSON arrays of names.
- ``analytics_tag``: a tag's definition. ``kind`` ``rule`` (a ``condition``, recomputed for
  every member when it changes), ``computed`` (``rfm_<class>``, ``cluster_<n>``, written by
  the RFM class of each profile and by the clustering) or ``manual`` (staff add and remove
  members).
- ``analytics_member_tag``: who holds which tag; unique per (tag, member), written with
  ``INSERT … ON CONFLICT DO NOTHING``, so concurrent recomputes never duplicate a row.
- ``analytics_segment``: a saved definition (the condition language, tags allowed).
- ``analytics_segment_coupon``: one row per (segment, coupon template, member) claimed before
  the coupon is issued: pressing 发券 twice gives each member one coupon.
- ``analytics_profile_job``: a recompute of every profile, of a rule tag or of the clusters, with
  progress; ``open_kind`` (the kind while queued or running, NULL after) is unique, so at
  most one job of a kind is open, claimed by ``INSERT … ON CONFLICT DO NOTHING``.
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
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow

Json = JSON().with_variant(JSONB(), "postgresql")

TAG_KINDS = ("rule", "computed", "manual")
JOB_KINDS = ("profiles", "tag", "clusters")
JOB_STATUSES = ("queued", "running", "done", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Profile(Base):
    """A member's 360° figures (money in fen, ``price_sensitivity`` in permille of orders)."""

    __tablename__ = "analytics_profile"
    __table_args__ = (
        CheckConstraint("order_count >= 0 AND spend >= 0", name="counts"),
        Index("ix_analytics_profile_spend_member", "spend", "member_id"),
    )

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    region_code: Mapped[str | None] = mapped_column(String(12), default=None)
    platform: Mapped[str | None] = mapped_column(String(16), default=None)
    channel: Mapped[str | None] = mapped_column(String(120), default=None)
    first_purchase_at: Mapped[datetime | None] = mapped_column(default=None)
    last_purchase_at: Mapped[datetime | None] = mapped_column(default=None)
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    orders_90d: Mapped[int] = mapped_column(Integer, default=0)
    spend: Mapped[int] = mapped_column(BigInteger, default=0)
    spend_90d: Mapped[int] = mapped_column(BigInteger, default=0)
    aov: Mapped[int] = mapped_column(BigInteger, default=0)
    favourite_categories: Mapped[list[Any]] = mapped_column(Json, default=list)
    categories: Mapped[list[Any]] = mapped_column(Json, default=list)
    price_sensitivity: Mapped[int] = mapped_column(Integer, default=0)
    coupon_count: Mapped[int] = mapped_column(Integer, default=0)
    social_role: Mapped[str | None] = mapped_column(String(16), default=None)
    # The member sent a tracked share (kept apart from the role, which a promoter outranks).
    has_shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_active_at: Mapped[datetime | None] = mapped_column(default=None)
    rfm_class: Mapped[str | None] = mapped_column(String(24), default=None)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PromoterRole(Base):
    """A member's promoter status as social's distribution last announced it
    (``distribution.promoter_changed``); ``changed_at`` keeps the newest announcement only."""

    __tablename__ = "analytics_promoter"

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column()


class Tag(Base):
    __tablename__ = "analytics_tag"
    __table_args__ = (CheckConstraint(_in("kind", TAG_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    condition: Mapped[dict[str, Any] | None] = mapped_column(Json, default=None)
    description: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MemberTag(Base):
    __tablename__ = "analytics_member_tag"
    __table_args__ = (
        UniqueConstraint("tag_id", "member_id"),
        Index("ix_analytics_member_tag_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tag_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    added_by: Mapped[str] = mapped_column(String(64), default="rule")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Segment(Base):
    __tablename__ = "analytics_segment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(Json)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SegmentCoupon(Base):
    __tablename__ = "analytics_segment_coupon"
    __table_args__ = (UniqueConstraint("segment_id", "template_id", "member_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    segment_id: Mapped[int] = mapped_column(BigInteger)
    template_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    is_issued: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    issued_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfileJob(Base):
    __tablename__ = "analytics_profile_job"
    __table_args__ = (
        CheckConstraint(_in("kind", JOB_KINDS), name="kind_known"),
        CheckConstraint(_in("status", JOB_STATUSES), name="status_known"),
        CheckConstraint("progress >= 0 AND total >= 0", name="counts"),
        Index("ix_analytics_profile_job_kind_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    open_kind: Mapped[str | None] = mapped_column(String(40), unique=True)
    target_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json, default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    staff_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
