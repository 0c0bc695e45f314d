"""Tables of feature flags (``experiments_flags*``): the flags, one ruleset version row that
every change bumps (processes poll it), the append-only change history, and gray releases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow

Json = JSON().with_variant(JSONB(), "postgresql")


class Flag(Base):
    __tablename__ = "experiments_flags"
    __table_args__ = (
        CheckConstraint("kind IN ('boolean', 'string')", name="kind_known"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(16))
    # variant name -> value (bool for boolean flags, str for string flags).
    variants: Mapped[dict[str, Any]] = mapped_column(Json)
    default_variant: Mapped[str] = mapped_column(String(64))
    off_variant: Mapped[str] = mapped_column(String(64))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlagRuleset(Base):
    """One row (id 1): the ruleset's version, bumped by every flag change in the same
    transaction; each process polls it and reloads when it moved."""

    __tablename__ = "experiments_flags_ruleset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigId, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlagChange(Base):
    """Who changed which flag, when, and the flag before and after. Only ever inserted."""

    __tablename__ = "experiments_flags_change"
    __table_args__ = (Index("ix_experiments_flags_change_flag_id_id", "flag_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    flag_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_flags.id"))
    action: Mapped[str] = mapped_column(String(32))
    # The staff username, or "release" for the gray-release job.
    actor: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(BigId)
    before: Mapped[dict[str, Any] | None] = mapped_column(Json)
    after: Mapped[dict[str, Any]] = mapped_column(Json)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlagRelease(Base):
    """A gray release: the flag's release rule (a percentage rule serving ``variant``) grows
    through ``steps`` while the guardrails hold, or drops to 0 % on a breach."""

    __tablename__ = "experiments_flags_release"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'completed', 'rolled_back')", name="status_known"),
        Index("ix_experiments_flags_release_flag_id_id", "flag_id", "id"),
        Index("ix_experiments_flags_release_status", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    flag_id: Mapped[int] = mapped_column(BigId, ForeignKey("experiments_flags.id"))
    variant: Mapped[str] = mapped_column(String(64))
    steps: Mapped[list[float]] = mapped_column(Json)
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    hold_seconds: Mapped[int] = mapped_column(Integer)
    # {"error_rate": 0.02, "payment_failure_rate": 0.05, "latency_p99_ms": 800}
    guardrails: Mapped[dict[str, float]] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(16), default="running")
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    step_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
