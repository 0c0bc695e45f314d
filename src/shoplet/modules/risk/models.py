"""Risk tables: the merchant's rules, the IP allow/deny lists, the decision log (with the review
queue: decisions whose outcome is ``review``) and the devices each account has used.

Velocity counters are not tables: they live in Redis (one Lua script per assessment) or, when
embedded, in process memory (``risk/velocity.py``).
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
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

OUTCOMES = ("allow", "challenge", "block", "review")
LIST_KINDS = ("allow", "deny")
REVIEW_STATES = ("pending", "approved", "rejected")

DetailJSON = JSON().with_variant(JSONB(), "postgresql")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RiskRule(Base):
    """One rule: when every condition holds for one of its actions, the outcome applies. Rules
    are tried by ``position`` (then id); the first that matches decides."""

    __tablename__ = "risk_rule"
    __table_args__ = (CheckConstraint(_in("outcome", OUTCOMES), name="outcome_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)
    actions: Mapped[list[str]] = mapped_column(DetailJSON)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(DetailJSON)
    outcome: Mapped[str] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RiskListEntry(Base):
    """A merchant-managed network (CIDR) on the allow list or the deny list."""

    __tablename__ = "risk_list_entry"
    __table_args__ = (
        CheckConstraint(_in("kind", LIST_KINDS), name="kind_known"),
        UniqueConstraint("kind", "network", name="uq_risk_list_entry_kind_network"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(5))
    network: Mapped[str] = mapped_column(String(49))
    note: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]


class RiskDecision(Base):
    """One assessment: who did what from where, the signals, the rules that fired and the
    outcome. ``review_state`` is set for ``review`` outcomes (the console's queue)."""

    __tablename__ = "risk_decision"
    __table_args__ = (
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome_known"),
        Index("ix_risk_decision_action_id", "action", "id"),
        Index("ix_risk_decision_subject_id", "subject", "id"),
        Index("ix_risk_decision_review_state_id", "review_state", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    action: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(80))
    member_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ip: Mapped[str] = mapped_column(String(45))
    device: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reasons: Mapped[list[str]] = mapped_column(DetailJSON)
    signals: Mapped[dict[str, Any]] = mapped_column(DetailJSON)
    review_state: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]


class RiskDevice(Base):
    """A device fingerprint an account has used: the first use of a new one is a signal."""

    __tablename__ = "risk_device"
    __table_args__ = (UniqueConstraint("subject", "device", name="uq_risk_device_subject_device"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject: Mapped[str] = mapped_column(String(80))
    device: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class RiskChallenge(Base):
    """A challenge a shopper was asked to pass (``challenge_id`` in the 403): the SMS code sent
    for it (hashed), its attempts and, once verified, the grant (hashed) that lets the same
    member on the same device do the same action once. The grant is claimed by one conditional
    UPDATE (``grant_used_at IS NULL``), so one grant lets exactly one retry through."""

    __tablename__ = "risk_challenge"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    action: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(80))
    member_id: Mapped[int] = mapped_column(BigInteger)
    device: Mapped[str] = mapped_column(String(64), default="")
    decision_id: Mapped[int] = mapped_column(BigInteger)
    code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    grant_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    grant_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    grant_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]


class RiskAnomalySample(Base):
    """The behaviour features of one allowed shopper action, sampled (``SHOPLET_RISK_SAMPLE_RATE``)
    as ordinary traffic for the anomaly model's next fit; kept ``SAMPLE_DAYS`` days."""

    __tablename__ = "risk_anomaly_sample"
    __table_args__ = (Index("ix_risk_anomaly_sample_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    features: Mapped[list[float]] = mapped_column(DetailJSON)
    created_at: Mapped[datetime]


class RiskAnomalyModel(Base):
    """A fitted anomaly model as plain arrays (``anomaly.export_forest``): every process scores
    with the newest row, without scikit-learn and without unpickling anything."""

    __tablename__ = "risk_anomaly_model"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version: Mapped[str] = mapped_column(String(80), unique=True)
    samples: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(DetailJSON)
    fitted_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime]
