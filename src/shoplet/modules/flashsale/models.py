"""Flash-sale tables: campaigns, their SKUs, and one ticket per accepted buy request.

Redis holds the live counters during a sale; these tables are the truth they are reconciled to:
``flashsale_item.stock`` is what was carved out of normal stock (an inventory reservation with
ref ``flash:<campaign>:<sku>``), and every ticket the consumers processed has a row here,
written in the same transaction as its order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

CAMPAIGN_STATUSES = ("scheduled", "cancelled")
TICKET_STATUSES = ("created", "failed", "returned", "released")


class Campaign(Base):
    """One flash-sale session. ``status`` is what the merchant decided (scheduled / cancelled);
    upcoming / live / sold out / ended follow from the clock and the counters."""

    __tablename__ = "flashsale_campaign"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
        CheckConstraint("payment_timeout_seconds > 0", name="payment_timeout_positive"),
        Index("ix_flashsale_campaign_settled_at_ends_at", "settled_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    payment_timeout_seconds: Mapped[int] = mapped_column(Integer)
    free_shipping: Mapped[bool] = mapped_column(Boolean)
    # The inventory holds expire then at the latest (the settle job releases them sooner).
    hold_expires_at: Mapped[datetime]
    warmed_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    reconciled_at: Mapped[datetime | None]
    # The last reconciliation report (see service.reconcile_campaign).
    reconciliation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CampaignItem(Base):
    """A SKU in a campaign: flash price (fen), the units carved out, the per-shopper limit, and
    the catalog snapshot shown on the flash-sale page and copied onto orders."""

    __tablename__ = "flashsale_item"
    __table_args__ = (
        UniqueConstraint("campaign_id", "sku_id"),
        CheckConstraint("flash_price > 0", name="flash_price_positive"),
        CheckConstraint("stock > 0", name="stock_positive"),
        CheckConstraint(
            "per_shopper_limit >= 1 AND per_shopper_limit <= stock", name="limit_within_stock"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("flashsale_campaign.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(200))
    spec_text: Mapped[str] = mapped_column(String(200))
    image: Mapped[str | None] = mapped_column(String(500))
    original_price: Mapped[int] = mapped_column(BigInteger)
    flash_price: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer)
    per_shopper_limit: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    """A buy request the Redis script accepted, once a consumer handled it: ``created`` (its
    order exists, same transaction), ``failed`` (no order could be made; units handed back), or
    ``returned`` (the order was cancelled or timed out; units handed back), or ``released`` (the
    order was cancelled after its hold had already expired into free stock: the units left the
    campaign, nothing goes back to the counter). ``synced_at`` is set once a hand-back reached
    the Redis counter (``None`` = still owed)."""

    __tablename__ = "flashsale_ticket"
    __table_args__ = (
        CheckConstraint(
            "status IN ('created', 'failed', 'returned', 'released')", name="status_known"
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_flashsale_ticket_campaign_id_sku_id", "campaign_id", "sku_id"),
        Index("ix_flashsale_ticket_status_synced_at", "status", "synced_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger, index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    order_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    reason: Mapped[str | None] = mapped_column(String(100))
    entry_id: Mapped[str] = mapped_column(String(32))
    queued_at: Mapped[datetime]
    synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
