"""Inventory tables: stock per SKU, reservations per (ref, SKU), the append-only ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId


class Stock(Base):
    """One row per SKU. ``available`` is ``on_hand - reserved``; the CHECKs are the last line of
    defence behind the conditional updates in the repository."""

    __tablename__ = "inventory_stock"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0", name="reserved_non_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    sku_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    on_hand: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class Reservation(Base):
    """Units held for ``ref`` (an order no.) until committed (sold) or released."""

    __tablename__ = "inventory_reservation"
    __table_args__ = (
        UniqueConstraint("ref", "sku_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("status IN ('active', 'committed', 'released')", name="status_known"),
        Index("ix_inventory_reservation_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64))
    sku_id: Mapped[int] = mapped_column(BigId)
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LedgerEntryRow(Base):
    """Append-only: every stock change writes one row in the same transaction, so the sum of the
    deltas of a SKU always equals its current ``on_hand`` / ``reserved``."""

    __tablename__ = "inventory_ledger"
    __table_args__ = (
        Index("ix_inventory_ledger_sku_id_id", "sku_id", "id"),
        # A restock is identified by its ref (e.g. a refund no.): retries must not add stock twice.
        Index(
            "uq_inventory_ledger_restock",
            "sku_id",
            "ref",
            unique=True,
            sqlite_where=text("kind = 'restock'"),
            postgresql_where=text("kind = 'restock'"),
        ),
        CheckConstraint(
            "kind IN ('adjust', 'reserve', 'release', 'commit', 'restock', 'initial')",
            name="kind_known",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(16))
    delta_on_hand: Mapped[int] = mapped_column(Integer)
    delta_reserved: Mapped[int] = mapped_column(Integer)
    on_hand_after: Mapped[int] = mapped_column(Integer)
    reserved_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    ref: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
