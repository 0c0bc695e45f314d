"""risk: rules, IP allow/deny lists, the decision log (with the review queue), devices per account

Revision ID: 0053_risk_engine
Revises: 0056_omnichannel
Create Date: 2026-12-05 10:41:33.675259
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shoplet.core.db

revision: str = "0053_risk_engine"
down_revision: str | None = "0056_omnichannel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_decision",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "signals",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("review_state", sa.String(length=10), nullable=True),
        sa.Column("reviewed_by", sa.String(length=60), nullable=True),
        sa.Column("reviewed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('allow', 'challenge', 'block', 'review')",
            name=op.f("ck_risk_decision_outcome_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_decision")),
    )
    op.create_index("ix_risk_decision_action_id", "risk_decision", ["action", "id"], unique=False)
    op.create_index(
        "ix_risk_decision_review_state_id", "risk_decision", ["review_state", "id"], unique=False
    )
    op.create_index("ix_risk_decision_subject_id", "risk_decision", ["subject", "id"], unique=False)
    op.create_table(
        "risk_device",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_device")),
        sa.UniqueConstraint("subject", "device", name="uq_risk_device_subject_device"),
    )
    op.create_table(
        "risk_list_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("network", sa.String(length=49), nullable=False),
        sa.Column("note", sa.String(length=120), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('allow', 'deny')", name=op.f("ck_risk_list_entry_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_list_entry")),
        sa.UniqueConstraint("kind", "network", name="uq_risk_list_entry_kind_network"),
    )
    op.create_table(
        "risk_rule",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "actions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "conditions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('allow', 'challenge', 'block', 'review')",
            name=op.f("ck_risk_rule_outcome_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rule")),
    )


def downgrade() -> None:
    op.drop_table("risk_rule")
    op.drop_table("risk_list_entry")
    op.drop_table("risk_device")
    op.drop_index("ix_risk_decision_subject_id", table_name="risk_decision")
    op.drop_index("ix_risk_decision_review_state_id", table_name="risk_decision")
    op.drop_index("ix_risk_decision_action_id", table_name="risk_decision")
    op.drop_table("risk_decision")
