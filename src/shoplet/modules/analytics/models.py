"""Analytics tables: imported purchase history, the computed RFM/CLV per customer, and the runs
that compute it.

- ``analytics_history_transactions``: purchases from another platform (``customer_id,date,
  amount`` CSV), keyed by the merchant's external customer id; RFM runs over members' paid
  orders plus these rows. ``member_id`` is set when a row could be matched to a member.
- ``analytics_member_rfm``: one row per customer of the last run (``customer_key`` is
  ``m:<member id>`` for members, ``x:<external id>`` for history-only customers), upserted by
  key, so a rerun converges; rows the run did not write are deleted at its end.
- ``analytics_rfm_run``: a computation, queued by the console or the daily job, worked by the
  worker with its progress. ``open_slot`` is 1 while queued or running and NULL after: its
  unique index lets at most one run be open, claimed by ``INSERT … ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow
from shoplet.modules.analytics.profiles import models as profiles_models  # noqa: F401
from shoplet.modules.analytics.replay import models as replay_models  # noqa: F401

RUN_STATUSES = ("queued", "running", "done", "failed")
RFM_CLASSES = (
    "important_value",
    "important_develop",
    "important_keep",
    "important_retain",
    "general_value",
    "general_develop",
    "general_keep",
    "general_retain",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class HistoryTransaction(Base):
    """One purchase imported from another platform (a day and an amount in fen)."""

    __tablename__ = "analytics_history_transactions"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_analytics_history_transactions_customer", "external_customer_id", "day"),
        Index("ix_analytics_history_transactions_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_customer_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    day: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class MemberRfm(Base):
    """A customer's RFM in both conventions, CLV and P(alive), as of its run."""

    __tablename__ = "analytics_member_rfm"
    __table_args__ = (
        CheckConstraint(_in("rfm_class", RFM_CLASSES), name="rfm_class_known"),
        CheckConstraint(
            "r_score BETWEEN 1 AND 5 AND f_score BETWEEN 1 AND 5 AND m_score BETWEEN 1 AND 5",
            name="scores_valid",
        ),
        Index("ix_analytics_member_rfm_class_spend_id", "rfm_class", "spend", "id"),
        Index("ix_analytics_member_rfm_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_key: Mapped[str] = mapped_column(String(80), unique=True)
    member_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    external_customer_id: Mapped[str | None] = mapped_column(String(64), default=None)
    frequency: Mapped[int] = mapped_column(Integer)
    recency: Mapped[int] = mapped_column(Integer)
    t_days: Mapped[int] = mapped_column(Integer)
    monetary_value: Mapped[int] = mapped_column(BigInteger)  # fen, mean of repeat days
    days_since_last: Mapped[int] = mapped_column(Integer)
    orders: Mapped[int] = mapped_column(Integer)
    spend: Mapped[int] = mapped_column(BigInteger)  # fen, net of refunds
    r_score: Mapped[int] = mapped_column(Integer)
    f_score: Mapped[int] = mapped_column(Integer)
    m_score: Mapped[int] = mapped_column(Integer)
    rfm_class: Mapped[str] = mapped_column(String(24))
    p_alive: Mapped[float | None] = mapped_column(Float, default=None)
    expected_purchases: Mapped[float | None] = mapped_column(Float, default=None)  # next 365 d
    clv: Mapped[int | None] = mapped_column(BigInteger, default=None)  # fen, 12 months
    last_purchase_on: Mapped[date] = mapped_column(Date)
    run_id: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class RfmRun(Base):
    """One computation of ``analytics_member_rfm``: who asked, how far it got, the fitted
    models (JSON text) or why it failed."""

    __tablename__ = "analytics_rfm_run"
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="status_known"),
        CheckConstraint("progress >= 0 AND total >= 0", name="counts"),
        CheckConstraint("open_slot IS NULL OR open_slot = 1", name="open_slot_one"),
        Index("ix_analytics_rfm_run_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    open_slot: Mapped[int | None] = mapped_column(Integer, unique=True, default=1)
    trigger: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    observation_end: Mapped[date | None] = mapped_column(Date, default=None)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str | None] = mapped_column(Text, default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
