"""Membership tables: the tier table (console-edited; empty means the built-in defaults), the
settings row, each member's growth account, the append-only growth ledger and tier notices.

A member's tier is a *level* (0 = 普通会员); accounts refer to levels, not to tier rows, so the
console replaces the whole tier table at once. The ledger's unique (reason, ref) makes every
growth source count once: an event handled twice, or two concurrent requests with the same
ref, add one row. ``growth_total`` always equals the sum of the member's ledger.

``granted_level`` / ``granted_until`` let staff grant a level for a time; the effective level is
the higher of the two while the grant lasts.

Paid plans (SVIP 黑卡): ``membership_plan`` is what is sold (console-edited); every purchase is a
``membership_plan_period`` bought through a virtual order (unique ``order_no``: a paid event
handled twice starts one period); ``membership_subscription`` is one row per member that
serialises their periods (its row is locked while a period starts or is revoked) and keeps the
end of the last one; ``membership_plan_reminder`` records a renewal reminder once per end date.
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
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

REASONS = ("order_paid", "order_refund", "review", "signin", "adjust", "downgrade")
NOTICE_KINDS = ("downgrade_warning", "downgraded")
PERIOD_STATUSES = ("pending", "active", "revoked", "cancelled")


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
    # Who may get the tier's monthly exclusive pack: members who signed in within the last
    # ``pack_active_days`` days, at most ``pack_monthly_cap`` of them per calendar month (None:
    # no limit). V0 holds every shopper, so a V0 pack needs one of the two.
    pack_active_days: Mapped[int | None] = mapped_column(Integer)
    pack_monthly_cap: Mapped[int | None] = mapped_column(Integer)
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


class Plan(Base):
    """A paid membership plan on sale (月卡/季卡/年卡): ``price`` (fen) for ``months``, and the
    benefits it grants while it runs, in the tier benefits' shape (``discount_permille`` 950 =
    95折, free shipping with an optional goods threshold, points multiplier, coupon templates of
    the monthly pack). ``is_on_sale`` False: no longer sold, running periods keep their
    benefits (they are snapshotted on the period)."""

    __tablename__ = "membership_plan"
    __table_args__ = (
        UniqueConstraint("code"),
        CheckConstraint("price >= 1", name="price_positive"),
        CheckConstraint("months >= 1 AND months <= 36", name="months_in_range"),
        CheckConstraint(
            "discount_permille >= 1 AND discount_permille <= 1000", name="discount_in_range"
        ),
        CheckConstraint("points_multiplier_permille >= 0", name="multiplier_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(20))
    price: Mapped[int] = mapped_column(BigInteger)
    list_price: Mapped[int | None] = mapped_column(BigInteger)
    months: Mapped[int] = mapped_column(Integer)
    is_on_sale: Mapped[bool] = mapped_column(Boolean)
    sort: Mapped[int] = mapped_column(Integer)
    discount_permille: Mapped[int] = mapped_column(Integer)
    free_shipping: Mapped[bool] = mapped_column(Boolean)
    free_shipping_threshold: Mapped[int | None] = mapped_column(BigInteger)
    points_multiplier_permille: Mapped[int] = mapped_column(Integer)
    coupon_template_ids: Mapped[list[int]] = mapped_column(JSON)
    priority_service: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Subscription(Base):
    """One row per member who ever bought a plan: ``ends_at`` is the end of their last active
    period. Starting or revoking a period locks this row first (an upsert), so one member's
    periods are chained one after another even when two payments land at once."""

    __tablename__ = "membership_subscription"
    __table_args__ = (Index("ix_membership_subscription_ends_at", "ends_at"),)

    member_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    plan_id: Mapped[int | None] = mapped_column(BigInteger)
    ends_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class PlanPeriod(Base):
    """One purchase of a plan: created ``pending`` with its virtual order, ``active`` from the
    payment (``starts_at`` = now, or the end of the member's last period when renewing, plus
    ``months``), ``revoked`` by a refund (``ends_at`` brought back to the refund time),
    ``cancelled`` when the order was never paid. The plan's name, price, months and benefits
    are copied here: editing a plan never changes what was bought."""

    __tablename__ = "membership_plan_period"
    __table_args__ = (
        UniqueConstraint("order_no"),
        CheckConstraint(_in("status", PERIOD_STATUSES), name="status_known"),
        CheckConstraint("price >= 1 AND months >= 1", name="price_months_positive"),
        Index("ix_membership_plan_period_member_id_id", "member_id", "id"),
        Index("ix_membership_plan_period_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(BigId)
    plan_id: Mapped[int] = mapped_column(BigInteger)
    plan_name: Mapped[str] = mapped_column(String(20))
    price: Mapped[int] = mapped_column(BigInteger)
    months: Mapped[int] = mapped_column(Integer)
    benefits: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PlanReminder(Base):
    """A renewal reminder shown to the member (and sent as ``membership.renewal_due``), once
    per (member, end date): a re-run or a second worker writes nothing new."""

    __tablename__ = "membership_plan_reminder"
    __table_args__ = (
        UniqueConstraint("member_id", "ends_at"),
        Index("ix_membership_plan_reminder_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId)
    ends_at: Mapped[datetime]
    message: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class OrderBenefit(Base):
    """Append-only: the tier benefits an order was placed with (one row per order that got
    any), as it was: the tier, the member-price discount split over the lines ({sku_id: fen}),
    the shipping fee waived, and the points multiplier completion will use. Order lines carry
    the same fen in their ``discount``, so partial refunds stay exact."""

    __tablename__ = "membership_order_benefit"
    __table_args__ = (
        UniqueConstraint("order_no"),
        CheckConstraint(
            "goods_discount >= 0 AND shipping_discount >= 0", name="discounts_non_negative"
        ),
        Index("ix_membership_order_benefit_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(BigId)
    level: Mapped[int] = mapped_column(Integer)
    tier_code: Mapped[str] = mapped_column(String(8))
    tier_name: Mapped[str] = mapped_column(String(20))
    discount_permille: Mapped[int] = mapped_column(Integer)
    goods_discount: Mapped[int] = mapped_column(BigInteger)
    shipping_discount: Mapped[int] = mapped_column(BigInteger)
    points_multiplier_permille: Mapped[int] = mapped_column(Integer)
    line_discounts: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[datetime]


EXCLUSION_KINDS = ("product", "category")


class PriceExclusion(Base):
    """A product, or a category (the products filed under it or under its subcategories), that
    the member price skips: neither the tier discount nor a paid plan's price applies to it
    (goods already discounted). Staff replace the whole list at once."""

    __tablename__ = "membership_price_exclusion"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        CheckConstraint(_in("kind", EXCLUSION_KINDS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
