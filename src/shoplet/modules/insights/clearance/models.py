"""Applied clearance steps (``insights_clearance_step``): each 限时折扣 the planner scheduled,
with the demand model it was chosen under and its projection, so the step can be measured
against what it was expected to sell."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow


class ClearanceStepRun(Base):
    __tablename__ = "insights_clearance_step"
    __table_args__ = (
        CheckConstraint("price > 0 AND price < list_price", name="markdown"),
        CheckConstraint("ends_at > starts_at", name="window"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku_id: Mapped[int] = mapped_column(BigId, index=True)
    product_id: Mapped[int] = mapped_column(BigId)
    promotion_id: Mapped[int] = mapped_column(BigId, unique=True)
    list_price: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(Integer)
    cost: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    stock: Mapped[int] = mapped_column(Integer)  # available when the step was applied
    base_units: Mapped[float] = mapped_column(Float)  # a week, at the list price
    elasticity: Mapped[float] = mapped_column(Float)
    projected_units: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
