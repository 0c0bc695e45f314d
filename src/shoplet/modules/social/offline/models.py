"""Offline-code tables: the code (a placement of the shop's, with its store and/or campaign and
the page it opens), each visitor's first scan of it, the visitor's current attribution (first
touch within the window) and the orders it converted.

Counters move only by conditional SQL: ``scans`` grows on every counted scan, ``visitors`` when
a visit row is inserted (unique per code and visitor, ``INSERT … ON CONFLICT DO NOTHING``),
``orders`` and ``order_amount`` when a conversion row is inserted (unique per order). An
attribution is one row per shopper, replaced only once older than the window (one conditional
upsert), so two codes scanned at once agree on the first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

Placement = Literal["poster", "shelf", "table_tent", "receipt", "window", "package", "other"]
TargetKind = Literal["home", "product", "store", "campaign"]
PLACEMENTS: tuple[str, ...] = get_args(Placement)
TARGET_KINDS: tuple[str, ...] = get_args(TargetKind)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class OfflineCode(Base):
    """A printed code: ``code`` (10 of 0-9A-Za-z) is the wxacode ``scene`` and the H5 ``?c=``;
    ``target_ref`` is the product, store or campaign id in decimal ('' for home)."""

    __tablename__ = "social_offline_code"
    __table_args__ = (
        UniqueConstraint("code"),
        CheckConstraint(_in("placement", PLACEMENTS), name="placement_known"),
        CheckConstraint(_in("target_kind", TARGET_KINDS), name="target_kind_known"),
        CheckConstraint(
            "scans >= 0 AND visitors >= 0 AND orders >= 0 AND order_amount >= 0",
            name="counters_positive",
        ),
        Index("ix_social_offline_code_store_id", "store_id"),
        Index("ix_social_offline_code_campaign_id", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(40))
    placement: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[int | None] = mapped_column(BigInteger)
    campaign_id: Mapped[int | None] = mapped_column(BigInteger)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_ref: Mapped[str] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    scans: Mapped[int] = mapped_column(Integer, default=0)
    visitors: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    order_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OfflineVisit(Base):
    """A visitor's first scan of a code: ``visitor_key`` is ``m:<member id>`` for a signed-in
    shopper, ``a:<id>`` for a guest's device id."""

    __tablename__ = "social_offline_visit"
    __table_args__ = (UniqueConstraint("code_id", "visitor_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code_id: Mapped[int] = mapped_column(BigInteger)
    visitor_key: Mapped[str] = mapped_column(String(64))
    visitor_member_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class OfflineAttribution(Base):
    """Which code brought this shopper (first touch within the window)."""

    __tablename__ = "social_offline_attribution"

    visitor_member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code_id: Mapped[int] = mapped_column(BigInteger)
    attributed_at: Mapped[datetime]


class OfflineConversion(Base):
    """An order paid by a shopper a code brought within the window: counted once per order."""

    __tablename__ = "social_offline_conversion"
    __table_args__ = (
        UniqueConstraint("order_no"),
        Index("ix_social_offline_conversion_code_id", "code_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32))
    code_id: Mapped[int] = mapped_column(BigInteger)
    visitor_member_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
