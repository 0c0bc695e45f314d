"""Achievement tables: the definitions a merchant edits, each member's unlocks, the backfill
jobs that evaluate a definition for existing members, and the shop's mascot (one row).

``achievements_unlock`` is unique per (member, definition): an unlock is one
``INSERT … ON CONFLICT DO NOTHING``, so however many evaluations run at once only one inserts
the row, and only that one grants the points (whose ledger ref is unique too) and publishes
``achievement.unlocked``.
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
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

RULE_KINDS = ("paid_orders", "approved_reviews", "signin_streak", "group_leader", "posts")
BADGE_ICONS = ("bag", "star", "flame", "team", "pen", "crown", "heart", "gift")
JOB_STATUSES = ("queued", "running", "done", "failed")
MASCOT_FIGURES = ("cat", "bear", "rabbit", "robot")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Definition(Base):
    """One achievement: reached when the member's figure of ``rule_kind`` (paid orders,
    approved reviews, longest sign-in streak, groups led to success, public posts) is at least
    ``threshold``; ``points`` (0: none) are credited once on unlock."""

    __tablename__ = "achievements_definition"
    __table_args__ = (
        UniqueConstraint("code"),
        CheckConstraint(_in("rule_kind", RULE_KINDS), name="rule_kind_known"),
        CheckConstraint(_in("badge_icon", BADGE_ICONS), name="badge_icon_known"),
        CheckConstraint("threshold >= 1 AND points >= 0", name="numbers_valid"),
        Index("ix_achievements_definition_rule_kind", "rule_kind"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(100))
    rule_kind: Mapped[str] = mapped_column(String(20))
    threshold: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer, default=0)
    badge_icon: Mapped[str] = mapped_column(String(16))
    badge_color: Mapped[str] = mapped_column(String(7))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Unlock(Base):
    """A member reached a definition (once: unique per member and definition). ``value`` is
    the member's figure when it was evaluated; ``seen_at`` when the storefront showed the
    celebration."""

    __tablename__ = "achievements_unlock"
    __table_args__ = (
        UniqueConstraint("member_id", "definition_id"),
        Index("ix_achievements_unlock_definition_id", "definition_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    definition_id: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(40))
    unlocked_at: Mapped[datetime]
    seen_at: Mapped[datetime | None]


class BackfillJob(Base):
    """Evaluating one definition for every existing member, a page of members at a time
    (``after_member_id`` is the cursor; ``processed`` of ``total`` the progress)."""

    __tablename__ = "achievements_backfill_job"
    __table_args__ = (
        CheckConstraint(_in("status", JOB_STATUSES), name="status_known"),
        Index("ix_achievements_backfill_job_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    definition_id: Mapped[int] = mapped_column(BigInteger)
    staff_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    unlocked: Mapped[int] = mapped_column(Integer, default=0)
    after_member_id: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class Mascot(Base):
    """The shop's mascot (one row, id 1; absent: the defaults): its name, a built-in figure
    and its colour, and the merchant's message per occasion."""

    __tablename__ = "achievements_mascot"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(_in("figure", MASCOT_FIGURES), name="figure_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(12))
    figure: Mapped[str] = mapped_column(String(16))
    color: Mapped[str] = mapped_column(String(7))
    messages: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]
