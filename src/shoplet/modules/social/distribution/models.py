"""Distribution tables (``social_dist_*``).

Every count that can race is moved by one conditional statement: a binding is unique per
shopper (``INSERT … ON CONFLICT DO NOTHING``, an expired first touch replaced by a conditional
UPDATE), a commission is unique per (order line, level), a promoter's ``available`` balance
drops only through ``UPDATE … WHERE available >= :n`` (a withdrawal's claim), and a
commission's or withdrawal's status changes only from the status it was read in.
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

BECOME_MODES = ("apply", "auto")
BINDING_MODES = ("first_touch", "permanent")
RATE_SCOPES = ("category", "product")
PROMOTER_STATUSES = ("pending", "active", "rejected")
COMMISSION_STATUSES = ("frozen", "settled", "reversed")
WITHDRAWAL_STATUSES = ("requested", "paying", "paid", "failed", "rejected")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class DistSettings(Base):
    """The shop's distribution rules: one row (``id = 1``)."""

    __tablename__ = "social_dist_settings"
    __table_args__ = (
        CheckConstraint(_in("become_mode", BECOME_MODES), name="become_mode_known"),
        CheckConstraint(_in("binding_mode", BINDING_MODES), name="binding_mode_known"),
        CheckConstraint(
            "level1_bps >= 0 AND level2_bps >= 0 AND level1_bps + level2_bps <= 5000",
            name="rates_valid",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean)
    become_mode: Mapped[str] = mapped_column(String(16))
    auto_after_orders: Mapped[int] = mapped_column(Integer)
    binding_mode: Mapped[str] = mapped_column(String(16))
    binding_days: Mapped[int] = mapped_column(Integer)
    level1_bps: Mapped[int] = mapped_column(Integer)
    level2_bps: Mapped[int] = mapped_column(Integer)
    min_withdrawal: Mapped[int] = mapped_column(BigInteger)
    freeze_days: Mapped[int] = mapped_column(Integer)
    # None only in the defaults of a shop that never saved its settings (not stored).
    updated_at: Mapped[datetime | None]


class DistRate(Base):
    """A commission rate for one category or product, over the defaults."""

    __tablename__ = "social_dist_rate"
    __table_args__ = (
        UniqueConstraint("scope", "target_id"),
        CheckConstraint(_in("scope", RATE_SCOPES), name="scope_known"),
        CheckConstraint(
            "level1_bps >= 0 AND level2_bps >= 0 AND level1_bps + level2_bps <= 5000",
            name="rates_valid",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigInteger)
    level1_bps: Mapped[int] = mapped_column(Integer)
    level2_bps: Mapped[int] = mapped_column(Integer)


class Promoter(Base):
    """A shopper who earns commissions (推广员). ``available`` is what can be withdrawn now
    (fen; negative after a refund of commission already settled, until new earnings cover it)."""

    __tablename__ = "social_dist_promoter"
    __table_args__ = (
        UniqueConstraint("member_id"),
        UniqueConstraint("code"),
        CheckConstraint(_in("status", PROMOTER_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    available: Mapped[int] = mapped_column(BigInteger, default=0)
    withdrawn: Mapped[int] = mapped_column(BigInteger, default=0)
    applied_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Binding(Base):
    """Which promoter a shopper came through (one row per shopper). ``expires_at`` is None for
    a permanent binding; past it, the next promoter's link binds the shopper anew."""

    __tablename__ = "social_dist_binding"
    __table_args__ = (
        UniqueConstraint("member_id"),
        Index("ix_social_dist_binding_promoter_id", "promoter_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    promoter_id: Mapped[int] = mapped_column(BigInteger)
    bound_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]


class Commission(Base):
    """A promoter's commission on one order line at one level (1: the shopper's promoter, 2:
    that promoter's own promoter). ``frozen`` until the after-sales window after completion
    passes, then ``settled`` into the promoter's balance; ``reversed_amount`` grows with
    refunds of the line (``reversed`` once it equals ``amount``)."""

    __tablename__ = "social_dist_commission"
    __table_args__ = (
        UniqueConstraint("order_line_id", "level"),
        CheckConstraint(_in("status", COMMISSION_STATUSES), name="status_known"),
        CheckConstraint("level IN (1, 2)", name="level_known"),
        CheckConstraint(
            "amount >= 0 AND reversed_amount >= 0 AND reversed_amount <= amount",
            name="amounts_valid",
        ),
        Index("ix_social_dist_commission_promoter_id_id", "promoter_id", "id"),
        Index("ix_social_dist_commission_order_no", "order_no"),
        Index("ix_social_dist_commission_status_unfreeze_at", "status", "unfreeze_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    promoter_id: Mapped[int] = mapped_column(BigInteger)
    level: Mapped[int] = mapped_column(Integer)
    order_no: Mapped[str] = mapped_column(String(32))
    order_line_id: Mapped[int] = mapped_column(BigInteger)
    buyer_member_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(200))
    line_payable: Mapped[int] = mapped_column(BigInteger)
    rate_bps: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    reversed_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16))
    unfreeze_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Adjustment(Base):
    """A negative entry on a promoter's balance: a refund of commission already settled
    (already withdrawable, perhaps withdrawn). Unique per (commission, refunded total), so a
    redelivered refund adjusts once."""

    __tablename__ = "social_dist_adjustment"
    __table_args__ = (
        UniqueConstraint("commission_id", "reversed_to"),
        Index("ix_social_dist_adjustment_promoter_id", "promoter_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    promoter_id: Mapped[int] = mapped_column(BigInteger)
    commission_id: Mapped[int] = mapped_column(BigInteger)
    reversed_to: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Withdrawal(Base):
    """A promoter's withdrawal (提现): the amount leaves ``available`` when requested;
    ``paying`` once approved and sent as a WeChat merchant transfer (``withdrawal_no`` is its
    ``out_bill_no``); ``paid``, or ``failed`` / ``rejected`` with the money back."""

    __tablename__ = "social_dist_withdrawal"
    __table_args__ = (
        UniqueConstraint("withdrawal_no"),
        CheckConstraint(_in("status", WITHDRAWAL_STATUSES), name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_social_dist_withdrawal_promoter_id_id", "promoter_id", "id"),
        Index("ix_social_dist_withdrawal_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    withdrawal_no: Mapped[str] = mapped_column(String(32))
    promoter_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    transfer_bill_no: Mapped[str | None] = mapped_column(String(64))
    transfer_state: Mapped[str | None] = mapped_column(String(32))
    package_info: Mapped[str | None] = mapped_column(String(1000))
    fail_reason: Mapped[str | None] = mapped_column(String(200))
    # The payee's real name, which WeChat needs from ¥2,000 on: SM4-encrypted (the PII cipher),
    # and its masked form (``张**``) for screens.
    payee_name_encrypted: Mapped[str | None] = mapped_column(String(512))
    payee_name_masked: Mapped[str | None] = mapped_column(String(40))
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WithdrawalEvent(Base):
    """The audit trail of a withdrawal: every status change, who made it, why (append-only)."""

    __tablename__ = "social_dist_withdrawal_event"
    __table_args__ = (Index("ix_social_dist_withdrawal_event_withdrawal_id", "withdrawal_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    withdrawal_id: Mapped[int] = mapped_column(BigInteger)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
