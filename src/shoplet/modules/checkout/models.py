"""Checkout tables: the merchant's shipping rules (one row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base

RULES_ROW_ID = 1


class CheckoutShippingRules(Base):
    """At most one row (id 1). Fees in fen; ``region_fees`` is ``{"65": 2000, "5401": 1500}``."""

    __tablename__ = "checkout_shipping_rules"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("flat_fee >= 0", name="flat_fee_non_negative"),
        CheckConstraint(
            "free_threshold IS NULL OR free_threshold >= 0", name="free_threshold_non_negative"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    flat_fee: Mapped[int] = mapped_column(Integer)
    free_threshold: Mapped[int | None] = mapped_column(Integer)
    region_fees: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))
