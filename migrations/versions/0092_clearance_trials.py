"""insights: clearance trials (insights_clearance_trial and insights_clearance_trial_sku: a
clearance plan run as an experiment, its SKUs split into a plan arm and a control arm that keeps
its price; a SKU in one running trial at a time); insights_clearance_step.trial_id

Revision ID: 0092_clearance_trials
Revises: 0090_offline_codes
Create Date: 2026-12-06 07:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from shoplet.core.db import UTCDateTime

revision: str = "0092_clearance_trials"
down_revision: str | None = "0090_offline_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "insights_clearance_trial",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("min_margin_percent", sa.Float(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'stopped')",
            name=op.f("ck_insights_clearance_trial_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_clearance_trial")),
    )
    op.create_table(
        "insights_clearance_trial_sku",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("trial_id", BIG_ID, nullable=False),
        sa.Column("sku_id", BIG_ID, nullable=False),
        sa.Column("product_id", BIG_ID, nullable=False),
        sa.Column("arm", sa.String(length=8), nullable=False),
        sa.Column("pair", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("list_price", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("base_units", sa.Float(), nullable=False),
        sa.Column("projected_units", sa.Float(), nullable=False),
        sa.Column("released_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "arm IN ('plan', 'control')", name=op.f("ck_insights_clearance_trial_sku_arm_known")
        ),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["insights_clearance_trial.id"],
            name=op.f("fk_insights_clearance_trial_sku_trial_id_insights_clearance_trial"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_clearance_trial_sku")),
    )
    op.create_index(
        "ix_insights_clearance_trial_sku_trial_id", "insights_clearance_trial_sku", ["trial_id"]
    )
    op.create_index(
        "uq_insights_clearance_trial_sku_running",
        "insights_clearance_trial_sku",
        ["sku_id"],
        unique=True,
        postgresql_where=sa.text("released_at IS NULL"),
        sqlite_where=sa.text("released_at IS NULL"),
    )
    with op.batch_alter_table("insights_clearance_step") as batch:
        batch.add_column(sa.Column("trial_id", BIG_ID, nullable=True))
        batch.create_index(op.f("ix_insights_clearance_step_trial_id"), ["trial_id"])


def downgrade() -> None:
    with op.batch_alter_table("insights_clearance_step") as batch:
        batch.drop_index(op.f("ix_insights_clearance_step_trial_id"))
        batch.drop_column("trial_id")
    op.drop_index(
        "uq_insights_clearance_trial_sku_running", table_name="insights_clearance_trial_sku"
    )
    op.drop_index(
        "ix_insights_clearance_trial_sku_trial_id", table_name="insights_clearance_trial_sku"
    )
    op.drop_table("insights_clearance_trial_sku")
    op.drop_table("insights_clearance_trial")
