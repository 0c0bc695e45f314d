"""analytics: imported purchase history, RFM/CLV per customer, the runs that compute it

Revision ID: 0031_analytics
Revises: 0030_crowdfunding
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0031_analytics"
down_revision: str | None = "0030_crowdfunding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLASSES = (
    "'important_value', 'important_develop', 'important_keep', 'important_retain', "
    "'general_value', 'general_develop', 'general_keep', 'general_retain'"
)


def upgrade() -> None:
    op.create_table(
        "analytics_history_transactions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("external_customer_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount >= 0", name=op.f("ck_analytics_history_transactions_amount_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_history_transactions")),
    )
    op.create_index(
        "ix_analytics_history_transactions_customer",
        "analytics_history_transactions",
        ["external_customer_id", "day"],
    )
    op.create_index(
        "ix_analytics_history_transactions_member_id",
        "analytics_history_transactions",
        ["member_id"],
    )
    op.create_table(
        "analytics_member_rfm",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("customer_key", sa.String(length=80), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("external_customer_id", sa.String(length=64), nullable=True),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("recency", sa.Integer(), nullable=False),
        sa.Column("t_days", sa.Integer(), nullable=False),
        sa.Column("monetary_value", sa.BigInteger(), nullable=False),
        sa.Column("days_since_last", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("spend", sa.BigInteger(), nullable=False),
        sa.Column("r_score", sa.Integer(), nullable=False),
        sa.Column("f_score", sa.Integer(), nullable=False),
        sa.Column("m_score", sa.Integer(), nullable=False),
        sa.Column("rfm_class", sa.String(length=24), nullable=False),
        sa.Column("p_alive", sa.Float(), nullable=True),
        sa.Column("expected_purchases", sa.Float(), nullable=True),
        sa.Column("clv", sa.BigInteger(), nullable=True),
        sa.Column("last_purchase_on", sa.Date(), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"rfm_class IN ({CLASSES})", name=op.f("ck_analytics_member_rfm_rfm_class_known")
        ),
        sa.CheckConstraint(
            "r_score BETWEEN 1 AND 5 AND f_score BETWEEN 1 AND 5 AND m_score BETWEEN 1 AND 5",
            name=op.f("ck_analytics_member_rfm_scores_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_member_rfm")),
        sa.UniqueConstraint("customer_key", name=op.f("uq_analytics_member_rfm_customer_key")),
    )
    op.create_index(
        "ix_analytics_member_rfm_class_spend_id",
        "analytics_member_rfm",
        ["rfm_class", "spend", "id"],
    )
    op.create_index("ix_analytics_member_rfm_member_id", "analytics_member_rfm", ["member_id"])
    op.create_table(
        "analytics_rfm_run",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("open_slot", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("observation_end", sa.Date(), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_analytics_rfm_run_status_known"),
        ),
        sa.CheckConstraint(
            "progress >= 0 AND total >= 0", name=op.f("ck_analytics_rfm_run_counts")
        ),
        sa.CheckConstraint(
            "open_slot IS NULL OR open_slot = 1", name=op.f("ck_analytics_rfm_run_open_slot_one")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_rfm_run")),
        sa.UniqueConstraint("open_slot", name=op.f("uq_analytics_rfm_run_open_slot")),
    )
    op.create_index("ix_analytics_rfm_run_status_id", "analytics_rfm_run", ["status", "id"])


def downgrade() -> None:
    op.drop_table("analytics_rfm_run")
    op.drop_table("analytics_member_rfm")
    op.drop_table("analytics_history_transactions")
