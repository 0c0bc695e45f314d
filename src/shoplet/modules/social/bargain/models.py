"""Bargain tables: campaigns per SKU, the bargains shoppers start, each friend's cut, and the
daily anti-abuse counters.

``social_bargain.current_price`` moves only through one conditional UPDATE (still open, before
its deadline, ``helpers`` as the cut was drawn for, never below ``floor_price``); a cut row is
unique per (bargain, helper), so one friend cuts once even when their requests race.
``social_bargain_campaign.bargains_started`` moves against ``max_bargains`` and
``subsidy_spent`` against ``budget`` the same way. ``social_bargain_quota`` counts cuts per IP
and per device per day with one upsert that refuses past the cap.
"""

from __future__ import annotations

from datetime import datetime

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

CAMPAIGN_STATUSES = ("active", "stopped")
BARGAIN_STATUSES = ("open", "ordered", "paid", "expired", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class BargainCampaign(Base):
    """A bargain offer on one SKU: from ``start_price`` (the SKU's price when the campaign was
    set up) down to ``floor_price`` in about ``helpers_needed`` friends' cuts, within
    ``time_limit_seconds`` of each bargain's start. ``subsidy_spent`` (start − paid price of
    every bargain ordered) never passes ``budget``; the campaign stops when it reaches it."""

    __tablename__ = "social_bargain_campaign"
    __table_args__ = (
        CheckConstraint(_in("status", CAMPAIGN_STATUSES), name="status_known"),
        CheckConstraint("floor_price >= 1 AND floor_price < start_price", name="floor_valid"),
        CheckConstraint(
            "helpers_needed >= 1 AND helpers_needed <= start_price - floor_price",
            name="helpers_valid",
        ),
        CheckConstraint("time_limit_seconds >= 60", name="time_limit_valid"),
        CheckConstraint("new_user_bonus_pct >= 100", name="bonus_valid"),
        CheckConstraint("per_member_limit >= 1", name="limit_positive"),
        CheckConstraint(
            "bargains_started >= 0 AND bargains_started <= max_bargains", name="started_within_max"
        ),
        CheckConstraint("subsidy_spent >= 0 AND subsidy_spent <= budget", name="within_budget"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_social_bargain_campaign_product_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    product_id: Mapped[int] = mapped_column(BigInteger)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    start_price: Mapped[int] = mapped_column(BigInteger)
    floor_price: Mapped[int] = mapped_column(BigInteger)
    helpers_needed: Mapped[int] = mapped_column(Integer)
    time_limit_seconds: Mapped[int] = mapped_column(Integer)
    new_user_bonus_pct: Mapped[int] = mapped_column(Integer, default=100)
    per_member_limit: Mapped[int] = mapped_column(Integer)
    max_bargains: Mapped[int] = mapped_column(Integer)
    bargains_started: Mapped[int] = mapped_column(Integer, default=0)
    budget: Mapped[int] = mapped_column(BigInteger)
    subsidy_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    free_shipping: Mapped[bool] = mapped_column(Boolean, default=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Bargain(Base):
    """One shopper's bargain. ``open`` while friends cut, ``ordered`` once the initiator placed
    the order at ``current_price`` (no more cuts), ``paid`` with that order, ``cancelled`` when
    the order was never paid (its subsidy goes back to the budget), ``expired`` past
    ``expires_at`` unordered. The terms are copied from the campaign when it starts."""

    __tablename__ = "social_bargain"
    __table_args__ = (
        UniqueConstraint("share_id"),
        UniqueConstraint("order_no"),
        CheckConstraint(_in("status", BARGAIN_STATUSES), name="status_known"),
        CheckConstraint(
            "current_price >= floor_price AND current_price <= start_price", name="price_in_range"
        ),
        CheckConstraint("helpers >= 0", name="helpers_positive"),
        Index("ix_social_bargain_status_expires_at", "status", "expires_at"),
        Index("ix_social_bargain_campaign_id_member_id", "campaign_id", "member_id"),
        Index("ix_social_bargain_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    share_id: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    start_price: Mapped[int] = mapped_column(BigInteger)
    floor_price: Mapped[int] = mapped_column(BigInteger)
    current_price: Mapped[int] = mapped_column(BigInteger)
    helpers_needed: Mapped[int] = mapped_column(Integer)
    new_user_bonus_pct: Mapped[int] = mapped_column(Integer)
    helpers: Mapped[int] = mapped_column(Integer, default=0)
    # The draws' seed (split.py); never leaves the server.
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    order_no: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime]
    ordered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BargainCut(Base):
    """A friend's cut: once per (bargain, helper). ``is_new_member``: the helper's account was
    created within a day of the cut (the report's new customers)."""

    __tablename__ = "social_bargain_cut"
    __table_args__ = (
        UniqueConstraint("bargain_id", "helper_member_id"),
        CheckConstraint("amount >= 1", name="amount_positive"),
        Index("ix_social_bargain_cut_campaign_id", "campaign_id"),
        # The risk score's signals: a helper's recent cuts, helpers per IP and device today.
        Index(
            "ix_social_bargain_cut_helper_member_id_created_at", "helper_member_id", "created_at"
        ),
        Index("ix_social_bargain_cut_ip_created_at", "ip", "created_at"),
        Index("ix_social_bargain_cut_device_id_created_at", "device_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bargain_id: Mapped[int] = mapped_column(BigInteger)
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    helper_member_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    is_new_member: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class BargainQuota(Base):
    """Cuts counted per scope (``ip:<address>`` / ``device:<id>``) and day (Asia/Shanghai)."""

    __tablename__ = "social_bargain_quota"
    __table_args__ = (CheckConstraint("used >= 0", name="used_positive"),)

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    used: Mapped[int] = mapped_column(Integer)
