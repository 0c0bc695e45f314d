"""Loyalty tables: the append-only points ledger, one account per member, the programme's
settings (one row) and daily sign-ins.

``loyalty_points_account.balance`` always equals the sum of the member's ledger ``points`` and
the sum of ``remaining`` over their positive entries (the batches spending consumes, earliest
expiry first). It moves only through conditional UPDATEs in ``repository.py`` and never goes
below 0 (CHECK). Every write to a member's entries happens under their account row's lock.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

ENTRY_KINDS = ("earn", "spend", "expire", "reverse", "adjust")
REASONS = (
    "order",  # earn: an order completed; spend: points used on an order
    "signin",  # earn: daily sign-in
    "refund",  # reverse: an order (partly) refunded after it earned points
    "spend_return",  # reverse: points spent on a cancelled or refunded order came back
    "expiry",  # expire
    "staff",  # adjust
    "mall",  # spend: a points-mall exchange (a coupon)
    "review",  # earn: a product review; reverse: the review was hidden
    "achievement",  # earn: an achievement unlocked (once per member and achievement)
    "challenge",  # earn: a topic challenge's prize (once per challenge and rank)
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PointsAccount(Base):
    __tablename__ = "loyalty_points_account"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_non_negative"),
        CheckConstraint(
            "lifetime_earned >= 0 AND lifetime_spent >= 0", name="lifetime_non_negative"
        ),
    )

    member_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime]


class PointsEntry(Base):
    """Append-only, except ``remaining`` of a positive entry (a batch), which spending, reversal
    and expiry consume. ``ref`` names what caused the entry (an order number, a sign-in day, an
    after-sale, a batch id, a staff adjustment); (kind, ref) is unique, which makes every handler
    idempotent. ``shortfall``: points a reversal could not take back because they were spent."""

    __tablename__ = "loyalty_points_entry"
    __table_args__ = (
        UniqueConstraint("kind", "ref"),
        CheckConstraint(_in("kind", ENTRY_KINDS), name="kind_known"),
        CheckConstraint(_in("reason", REASONS), name="reason_known"),
        CheckConstraint("remaining >= 0", name="remaining_non_negative"),
        CheckConstraint(
            "(points > 0 AND remaining <= points) OR (points <= 0 AND remaining = 0)",
            name="remaining_within_points",
        ),
        CheckConstraint("shortfall >= 0", name="shortfall_non_negative"),
        Index("ix_loyalty_points_entry_member_id_id", "member_id", "id"),
        Index("ix_loyalty_points_entry_order_no", "order_no"),
        Index("ix_loyalty_points_entry_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(BigInteger)
    ref: Mapped[str] = mapped_column(String(80))
    order_no: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime | None]
    remaining: Mapped[int] = mapped_column(BigInteger, default=0)
    shortfall: Mapped[int] = mapped_column(BigInteger, default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class PointsConsumption(Base):
    """Which batches a debit took its points from (FIFO), so a cancelled order's points go back
    to the very batches they came from, with their original expiry."""

    __tablename__ = "loyalty_points_consumption"
    __table_args__ = (
        UniqueConstraint("entry_id", "batch_id"),
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_loyalty_points_consumption_batch_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(BigId)
    batch_id: Mapped[int] = mapped_column(BigId)
    points: Mapped[int] = mapped_column(BigInteger)


class LoyaltySettings(Base):
    """The programme's rules, one row (id 1; absent: the defaults in ``rules.py``)."""

    __tablename__ = "loyalty_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("earn_per_yuan >= 0 AND earn_per_yuan <= 100", name="earn_in_range"),
        CheckConstraint("points_per_yuan >= 1 AND points_per_yuan <= 10000", name="value_in_range"),
        CheckConstraint(
            "max_share_permille >= 0 AND max_share_permille <= 1000", name="share_in_range"
        ),
        CheckConstraint("expiry_days IS NULL OR expiry_days >= 1", name="expiry_days_positive"),
        CheckConstraint(
            "signin_base >= 0 AND signin_bonus >= 0 AND signin_bonus_every >= 2",
            name="signin_in_range",
        ),
        CheckConstraint(
            "signin_growth >= 0 AND signin_growth <= 1000", name="signin_growth_in_range"
        ),
        CheckConstraint(
            "review_growth >= 0 AND review_growth <= 1000", name="review_growth_in_range"
        ),
        CheckConstraint(
            "review_points >= 0 AND review_points <= 10000", name="review_points_in_range"
        ),
        CheckConstraint(
            "review_points_daily >= 1 AND review_points_daily <= 50",
            name="review_points_daily_in_range",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(Boolean)
    earn_per_yuan: Mapped[int] = mapped_column(Integer)
    points_per_yuan: Mapped[int] = mapped_column(Integer)
    max_share_permille: Mapped[int] = mapped_column(Integer)
    expiry_days: Mapped[int | None] = mapped_column(Integer)
    signin_base: Mapped[int] = mapped_column(Integer)
    signin_bonus: Mapped[int] = mapped_column(Integer)
    signin_bonus_every: Mapped[int] = mapped_column(Integer)
    signin_growth: Mapped[int] = mapped_column(Integer, server_default="1")
    review_growth: Mapped[int] = mapped_column(Integer, server_default="5")
    review_points: Mapped[int] = mapped_column(Integer, server_default="10")
    review_points_daily: Mapped[int] = mapped_column(Integer, server_default="3")
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class SignIn(Base):
    """One per member and Asia/Shanghai day (unique): two sign-ins at once give one reward."""

    __tablename__ = "loyalty_signin"
    __table_args__ = (
        UniqueConstraint("member_id", "day"),
        CheckConstraint("streak >= 1 AND points >= 0", name="values_in_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId)
    day: Mapped[date] = mapped_column(Date)
    streak: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
