"""Experiment tables: layers, experiments and their arms, exposures, attributed orders, the
decision log, bandit allocations and the ruleset version; the feature flags' tables are in
``flags/models.py`` (``experiments_flags*``).

Counts on ``experiments_arm`` (visitors, conversions, orders, revenue, revenue_squares) move only
through atomic ``UPDATE … SET n = n + :d`` statements, after an ``INSERT … ON CONFLICT DO
NOTHING`` that proves the change is new: an exposure is unique per (experiment, unit), an
attributed order per (experiment, order_no). ``experiments_ruleset.version`` grows with every
change to what runs, so each process reloads its cached ruleset when it differs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId
from shoplet.modules.experiments.flags import models as flags_models  # noqa: F401

STATUSES = ("draft", "running", "paused", "stopped")
METRICS = ("conversion", "revenue_per_visitor", "aov")
ALLOCATIONS = ("fixed", "bandit")
POLICIES = ("thompson", "epsilon_greedy", "ucb1")
ACTIONS = ("create", "edit", "start", "pause", "stop", "ramp")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Layer(Base):
    """A domain of 1000 buckets; experiments in one layer own disjoint bucket ranges."""

    __tablename__ = "experiments_layer"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    salt: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class Experiment(Base):
    __tablename__ = "experiments_experiment"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("primary_metric", METRICS), name="metric_known"),
        CheckConstraint(_in("allocation", ALLOCATIONS), name="allocation_known"),
        CheckConstraint(_in("policy", POLICIES), name="policy_known"),
        CheckConstraint(
            "bucket_start >= 0 AND bucket_start < bucket_end AND bucket_end <= 1000",
            name="buckets_valid",
        ),
        CheckConstraint("traffic_percent >= 1 AND traffic_percent <= 100", name="traffic_valid"),
        CheckConstraint("holdout_percent >= 0 AND holdout_percent <= 50", name="holdout_valid"),
        Index("ix_experiments_experiment_layer_status", "layer_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    layer_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_layer.id"))
    name: Mapped[str] = mapped_column(String(60))
    slot: Mapped[str] = mapped_column(String(40))
    hypothesis: Mapped[str] = mapped_column(String(500))
    primary_metric: Mapped[str] = mapped_column(String(24))
    guardrail_metrics: Mapped[list[str]] = mapped_column(JSON)
    salt: Mapped[str] = mapped_column(String(40))
    bucket_start: Mapped[int] = mapped_column(Integer)
    bucket_end: Mapped[int] = mapped_column(Integer)
    traffic_percent: Mapped[int] = mapped_column(Integer)
    holdout_percent: Mapped[int] = mapped_column(Integer)
    targeting: Mapped[dict[str, Any]] = mapped_column(JSON)
    allocation: Mapped[str] = mapped_column(String(8))
    policy: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))
    winner_arm_id: Mapped[int | None] = mapped_column(BigInteger)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    started_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Arm(Base):
    """One variant. ``weight`` is in basis points (the arms of an experiment sum to 10 000);
    ``revenue`` and ``revenue_squares`` are Σ and Σ² of each exposed unit's attributed revenue
    (fen), for the revenue-per-visitor Welch test."""

    __tablename__ = "experiments_arm"
    __table_args__ = (
        UniqueConstraint("experiment_id", "key"),
        CheckConstraint("weight >= 0 AND weight <= 10000", name="weight_valid"),
        CheckConstraint("visitors >= 0 AND conversions >= 0 AND orders >= 0", name="counts_valid"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_experiment.id"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer)
    visitors: Mapped[int] = mapped_column(BigInteger, default=0)
    conversions: Mapped[int] = mapped_column(BigInteger, default=0)
    orders: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_squares: Mapped[float] = mapped_column(Float, default=0.0)


class Exposure(Base):
    """A unit saw its variant: once per (experiment, unit). ``pre_orders`` / ``pre_revenue``
    (fen) are what the unit bought in the CUPED pre-period (the N days before the experiment
    started), read once when the exposure is first logged (0 for a device)."""

    __tablename__ = "experiments_exposure"
    __table_args__ = (
        UniqueConstraint("experiment_id", "unit"),
        Index("ix_experiments_exposure_unit", "unit"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_experiment.id"))
    arm_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_arm.id"))
    unit: Mapped[str] = mapped_column(String(80))
    exposed_at: Mapped[datetime]
    pre_orders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pre_revenue: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class UnitMetric(Base):
    """What one exposed unit bought while in the experiment (its orders and revenue, fen)."""

    __tablename__ = "experiments_unit_metric"
    __table_args__ = (UniqueConstraint("experiment_id", "unit"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_experiment.id"))
    arm_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_arm.id"))
    unit: Mapped[str] = mapped_column(String(80))
    orders: Mapped[int] = mapped_column(Integer, default=0)
    revenue: Mapped[int] = mapped_column(BigInteger, default=0)


class AttributedOrder(Base):
    """An order counted in an experiment; ``amount`` is what is still counted (refunds lower it)."""

    __tablename__ = "experiments_order"
    __table_args__ = (
        UniqueConstraint("experiment_id", "order_no"),
        Index("ix_experiments_order_order_no", "order_no"),
        CheckConstraint("amount >= 0", name="amount_valid"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_experiment.id"))
    arm_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_arm.id"))
    unit: Mapped[str] = mapped_column(String(80))
    order_no: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(BigInteger)
    is_counted: Mapped[bool] = mapped_column(Boolean, default=True)
    paid_at: Mapped[datetime]


class Decision(Base):
    """Append-only log of what staff did to an experiment (create, edit, start, pause, stop)."""

    __tablename__ = "experiments_decision"
    __table_args__ = (
        CheckConstraint(_in("action", ACTIONS), name="action_known"),
        Index("ix_experiments_decision_experiment", "experiment_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_experiment.id"))
    action: Mapped[str] = mapped_column(String(8))
    from_status: Mapped[str | None] = mapped_column(String(8))
    to_status: Mapped[str] = mapped_column(String(8))
    winner_arm_id: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(500))
    staff_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Allocation(Base):
    """Append-only history of a bandit's arm weights ({arm id: basis points})."""

    __tablename__ = "experiments_allocation"
    __table_args__ = (Index("ix_experiments_allocation_experiment", "experiment_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_experiment.id"))
    policy: Mapped[str] = mapped_column(String(16))
    weights: Mapped[dict[str, int]] = mapped_column(JSON)
    computed_at: Mapped[datetime]


class Ruleset(Base):
    """One row: the version of what runs, bumped by every change (processes reload on it)."""

    __tablename__ = "experiments_ruleset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime]
