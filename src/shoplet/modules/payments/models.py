"""Payments tables: payments (one per WeChat out_trade_no), refunds, their append-only event
history, and daily reconciliations against WeChat's trade bill.

``payments_payment.status`` and ``payments_refund.status`` are caches for queries; money is
counted only from ``payments_event`` (paid = sum of ``succeeded``, refunded = sum of
``refund_succeeded``), which is never updated or deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

PAYMENT_STATUSES = ("created", "prepaid", "succeeded", "closed", "failed")
# A payment the shopper may still pay through: at most one per (order, channel).
OPEN_PAYMENT_STATUSES = ("created", "prepaid")
REFUND_STATUSES = ("requested", "processing", "succeeded", "failed")
CHANNELS = ("wechat_jsapi", "wechat_h5")
EVENT_KINDS = (
    "created",
    "prepay_issued",
    "succeeded",
    "failed",
    "close_requested",
    "closed",
    "refund_requested",
    "refund_submitted",
    "refund_succeeded",
    "refund_failed",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# Literal SQL (no bound parameters): PostgreSQL must match ON CONFLICT … WHERE to the partial
# index also under a generic prepared-statement plan.
OPEN_WHERE = text(_in("status", OPEN_PAYMENT_STATUSES))
# Event kinds that happen at most once per payment.
ONCE_PER_PAYMENT = ("created", "succeeded", "closed")
ONCE_WHERE = text(_in("kind", ONCE_PER_PAYMENT))


class Payment(Base):
    """One WeChat Pay transaction (``payment_no`` is its ``out_trade_no``) for an order."""

    __tablename__ = "payments_payment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="status_known"),
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        # Idempotent prepay: concurrent requests for one order and channel share one payment.
        Index(
            "uq_payments_payment_open",
            "order_no",
            "channel",
            unique=True,
            postgresql_where=OPEN_WHERE,
            sqlite_where=OPEN_WHERE,
        ),
        Index("ix_payments_payment_status_prepaid_at", "status", "prepaid_at"),
        Index("ix_payments_payment_paid_at", "paid_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    payment_no: Mapped[str] = mapped_column(String(32), unique=True)
    order_no: Mapped[str] = mapped_column(String(64), index=True)
    member_id: Mapped[int] = mapped_column(BigInteger, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(127))
    payer_openid: Mapped[str | None] = mapped_column(String(128))
    payer_client_ip: Mapped[str | None] = mapped_column(String(45))
    prepay_id: Mapped[str | None] = mapped_column(String(64))
    h5_url: Mapped[str | None] = mapped_column(String(512))
    prepaid_at: Mapped[datetime | None]
    transaction_id: Mapped[str | None] = mapped_column(String(32))
    paid_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Refund(Base):
    """A refund of (part of) one payment; ``refund_no`` is WeChat's ``out_refund_no``."""

    __tablename__ = "payments_refund"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_in("status", REFUND_STATUSES), name="status_known"),
        # One live refund per after-sale: a retried request finds it instead of paying twice.
        Index(
            "uq_payments_refund_aftersale_no",
            "aftersale_no",
            unique=True,
            postgresql_where=text("aftersale_no IS NOT NULL AND status <> 'failed'"),
            sqlite_where=text("aftersale_no IS NOT NULL AND status <> 'failed'"),
        ),
        Index("ix_payments_refund_status_updated_at", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    refund_no: Mapped[str] = mapped_column(String(64), unique=True)
    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("payments_payment.id"), index=True)
    order_no: Mapped[str] = mapped_column(String(64), index=True)
    aftersale_no: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    wechat_refund_id: Mapped[str | None] = mapped_column(String(32))
    submitted_at: Mapped[datetime | None]
    succeeded_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PaymentEvent(Base):
    """Append-only history of payments and refunds; the only source of paid/refunded amounts.

    The partial unique indexes make a double success impossible even if two writers raced past
    the status checks.
    """

    __tablename__ = "payments_event"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind_known"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        Index("ix_payments_event_payment_id_id", "payment_id", "id"),
        Index("ix_payments_event_refund_id", "refund_id"),
        Index(
            "uq_payments_event_once",
            "payment_id",
            "kind",
            unique=True,
            postgresql_where=ONCE_WHERE,
            sqlite_where=ONCE_WHERE,
        ),
        Index(
            "uq_payments_event_refund_outcome",
            "refund_id",
            unique=True,
            postgresql_where=text("kind IN ('refund_succeeded', 'refund_failed')"),
            sqlite_where=text("kind IN ('refund_succeeded', 'refund_failed')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("payments_payment.id"))
    refund_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("payments_refund.id"))
    kind: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class Reconciliation(Base):
    """The comparison of one day's WeChat trade bill (China date) with Shoplet's records."""

    __tablename__ = "payments_reconciliation"
    __table_args__ = (CheckConstraint("status IN ('ok', 'differences')", name="status_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bill_date: Mapped[date] = mapped_column(Date, unique=True)
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    differences: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime]
