"""Membership tables: the tier table (console-edited; empty means the built-in defaults), the
settings row, each member's growth account, the append-only growth ledger and tier notices.

A member's tier is a *level* (0 = 普通会员); accounts refer to levels, not to tier rows, so the
console replaces the whole tier table at once. The ledger's unique (reason, ref) makes every
growth source count once: an event handled twice, or two concurrent requests with the same
ref, add one row. ``growth_total`` always equals the sum of the member's ledger.

``granted_level`` / ``granted_until`` are the opening for paid plans (黑卡): a plan may grant a
level for a time; the effective level is the higher of the two while the grant lasts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
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

REASONS = ("order_paid", "order_refund", "review", "signin", "adjust", "downgrade")
NOTICE_KINDS = ("downgrade_warning", "downgraded")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Tier(Base):
    """One tier and its benefits. ``threshold``: lifetime growth that reaches it;
    ``keep_threshold``: growth to earn within a tier period to keep it;
    ``discount_permille``: what goods cost (980 = 9.8 折, 1000 = no discount);
    ``free_shipping`` with ``free_shipping_threshold`` (fen of goods; None = always free);
    ``points_multiplier_permille`` (1000 = ×1)."""

    __tablename__ = "membership_tier"
    __table_args__ = (
        UniqueConstraint("code"),
        CheckConstraint("level >= 0 AND level <= 20", name="level_in_range"),
        CheckConstraint("threshold >= 0", name="threshold_non_negative"),
        CheckConstraint("keep_threshold >= 0", name="keep_non_negative"),
        CheckConstraint(
            "discount_permille >= 1 AND discount_permille <= 1000", name="discount_in_range"
        ),
        CheckConstraint("points_multiplier_permille >= 0", name="multiplier_non_negative"),
    )

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(20))
    threshold: Mapped[int] = mapped_column(BigInteger)
    keep_threshold: Mapped[int] = mapped_column(BigInteger)
    discount_permille: Mapped[int] = mapped_column(Integer)
    free_shipping: Mapped[bool] = mapped_column(Boolean)
    free_shipping_threshold: Mapped[int | None] = mapped_column(BigInteger)
    points_multiplier_permille: Mapped[int] = mapped_column(Integer)
    birthday_coupon_template_id: Mapped[int | None] = mapped_column(BigInteger)
    exclusive_coupon_template_ids: Mapped[list[int]] = mapped_column(JSON)
    priority_service: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]


class Settings(Base):
    """The one settings row (id 1); absent means the defaults (``rules.DEFAULT_SETTINGS``)."""

    __tablename__ = "membership_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("fen_per_growth >= 1", name="fen_per_growth_positive"),
        CheckConstraint("period_months >= 1", name="period_positive"),
        CheckConstraint("warn_days >= 0", name="warn_days_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    fen_per_growth: Mapped[int] = mapped_column(Integer)
    period_months: Mapped[int] = mapped_column(Integer)
    warn_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class Account(Base):
    """A member's growth account, created by their first growth. ``period_start``: the start of
    the current tier period (set on every upgrade and downgrade); the downgrade job looks at the
    growth earned from it to ``period_start + period_months``."""

    __tablename__ = "membership_account"
    __table_args__ = (
        CheckConstraint("level >= 0", name="level_non_negative"),
        Index("ix_membership_account_level_period_start", "level", "period_start"),
    )

    member_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    growth_total: Mapped[int] = mapped_column(BigInteger)
    level: Mapped[int] = mapped_column(Integer)
    tier_since: Mapped[datetime]
    period_start: Mapped[datetime]
    last_evaluated_at: Mapped[datetime | None]
    granted_level: Mapped[int | None] = mapped_column(Integer)
    granted_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class GrowthEntry(Base):
    """Append-only: one change of a member's growth (signed), counted once per (reason, ref)."""

    __tablename__ = "membership_growth_entry"
    __table_args__ = (
        UniqueConstraint("reason", "ref"),
        CheckConstraint(_in("reason", REASONS), name="reason_known"),
        CheckConstraint("amount <> 0", name="amount_non_zero"),
        Index("ix_membership_growth_entry_member_id_id", "member_id", "id"),
        Index("ix_membership_growth_entry_member_id_created_at", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId)
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Notice(Base):
    """A member-visible message about their tier: the warning before a downgrade, then the
    downgrade. ``period_end`` with the kind makes the job's re-runs write it once."""

    __tablename__ = "membership_notice"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "period_end"),
        CheckConstraint(_in("kind", NOTICE_KINDS), name="kind_known"),
        Index("ix_membership_notice_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(20))
    from_level: Mapped[int] = mapped_column(Integer)
    to_level: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[datetime]
    message: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
