"""Share tables: a short link per (sharer, target), each visitor's first visit through it, the
visitor's current attribution (first touch within the window) and the orders it converted.

Counters move only by conditional SQL: a link's ``visits`` grows by one when a visit row is
inserted (unique per link and visitor, ``INSERT … ON CONFLICT DO NOTHING``), its ``orders`` and
``order_amount`` when a conversion row is inserted (unique per order). An attribution is one row
per visitor, replaced only once it is older than the window (one conditional upsert), so two
sharers racing for one visitor agree on the first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

TARGET_KINDS = ("product", "group", "bargain", "campaign")


class ShareLink(Base):
    """A sharer's link to one target. ``code`` (10 characters of 0-9A-Za-z) is the short link
    and the mini-program code's ``scene``; ``target_ref`` is the product or campaign id in
    decimal, or a group's or bargain's share id."""

    __tablename__ = "social_share_link"
    __table_args__ = (
        UniqueConstraint("code"),
        UniqueConstraint("sharer_member_id", "target_kind", "target_ref"),
        CheckConstraint(
            "target_kind IN ('product', 'group', 'bargain', 'campaign')", name="target_kind_known"
        ),
        CheckConstraint(
            "visits >= 0 AND orders >= 0 AND order_amount >= 0", name="counters_positive"
        ),
        Index("ix_social_share_link_target_kind_target_ref", "target_kind", "target_ref"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    sharer_member_id: Mapped[int] = mapped_column(BigInteger)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_ref: Mapped[str] = mapped_column(String(32))
    visits: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    order_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ShareVisit(Base):
    """A visitor's first visit through a link: ``visitor_key`` is ``m:<member id>`` for a
    signed-in shopper, ``a:<id>`` for a guest's device id."""

    __tablename__ = "social_share_visit"
    __table_args__ = (
        UniqueConstraint("link_id", "visitor_key"),
        Index("ix_social_share_visit_visitor_member_id", "visitor_member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    link_id: Mapped[int] = mapped_column(BigInteger)
    visitor_key: Mapped[str] = mapped_column(String(64))
    visitor_member_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class ShareAttribution(Base):
    """Who brought this shopper (first touch): the link and sharer of their first visit within
    the attribution window."""

    __tablename__ = "social_share_attribution"

    visitor_member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    link_id: Mapped[int] = mapped_column(BigInteger)
    sharer_member_id: Mapped[int] = mapped_column(BigInteger)
    attributed_at: Mapped[datetime]


class ShareConversion(Base):
    """An order paid by an attributed visitor within the window: counted once per order."""

    __tablename__ = "social_share_conversion"
    __table_args__ = (
        UniqueConstraint("order_no"),
        Index("ix_social_share_conversion_link_id", "link_id"),
        Index("ix_social_share_conversion_sharer_member_id", "sharer_member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32))
    link_id: Mapped[int] = mapped_column(BigInteger)
    sharer_member_id: Mapped[int] = mapped_column(BigInteger)
    visitor_member_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
