"""Applied clearance steps (``insights_clearance_step``): each 限时折扣 the planner scheduled,
with the demand model it was chosen under and its projection, so the step can be measured
against what it was expected to sell; clearance trials (``insights_clearance_trial`` and its
SKUs): plans run as experiments against SKUs that keep their price."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Index, Integer, String, text
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
    # The trial whose plan arm this step belongs to (none for a step applied by hand).
    trial_id: Mapped[int | None] = mapped_column(BigId, default=None, index=True)


class ClearanceTrial(Base):
    """A clearance plan run as an experiment (清仓实验): the chosen SKUs are split into matched
    pairs by weeks of stock cover, one of each pair follows its markdown plan (``plan``), the
    other keeps its price (``control``), and the arms' sell-through and margin are compared from
    the day it started. ``status`` is ``running`` until stopped (the plan arm's promotions end)."""

    __tablename__ = "insights_clearance_trial"
    __table_args__ = (CheckConstraint("status IN ('running', 'stopped')", name="status_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(8), default="running")
    target_date: Mapped[date]
    min_margin_percent: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(64))


class ClearanceTrialSku(Base):
    """A SKU of a trial, with what it was at the start: its available stock, list price, cost,
    base weekly sales at that price and the arm it drew. A SKU is in at most one running trial
    (``released_at`` is set when the trial stops): claimed by ``INSERT … ON CONFLICT DO NOTHING``
    on the partial unique index, so two trials started at once never share a SKU."""

    __tablename__ = "insights_clearance_trial_sku"
    __table_args__ = (
        CheckConstraint("arm IN ('plan', 'control')", name="arm_known"),
        Index(
            "uq_insights_clearance_trial_sku_running",
            "sku_id",
            unique=True,
            postgresql_where=text("released_at IS NULL"),
            sqlite_where=text("released_at IS NULL"),
        ),
        Index("ix_insights_clearance_trial_sku_trial_id", "trial_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    trial_id: Mapped[int] = mapped_column(BigId, ForeignKey("insights_clearance_trial.id"))
    sku_id: Mapped[int] = mapped_column(BigId)
    product_id: Mapped[int] = mapped_column(BigId)
    arm: Mapped[str] = mapped_column(String(8))
    pair: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer)
    list_price: Mapped[int] = mapped_column(Integer)
    cost: Mapped[int] = mapped_column(Integer)
    base_units: Mapped[float] = mapped_column(Float)
    projected_units: Mapped[float] = mapped_column(Float, default=0.0)
    released_at: Mapped[datetime | None] = mapped_column(default=None)
