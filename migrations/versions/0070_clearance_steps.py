"""insights: applied clearance steps (insights_clearance_step: each 限时折扣 the clearance planner
scheduled, with the demand model and projection it was chosen under)

Revision ID: 0070_clearance_steps
Revises: 0068_notification_subjects
Create Date: 2026-12-05 17:55:13.828289
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from shoplet.core.db import UTCDateTime

revision: str = "0070_clearance_steps"
down_revision: str | None = "0068_notification_subjects"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insights_clearance_step",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sku_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "promotion_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("list_price", sa.Integer(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("base_units", sa.Float(), nullable=False),
        sa.Column("elasticity", sa.Float(), nullable=False),
        sa.Column("projected_units", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_insights_clearance_step_window")),
        sa.CheckConstraint(
            "price > 0 AND price < list_price", name=op.f("ck_insights_clearance_step_markdown")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_clearance_step")),
        sa.UniqueConstraint("promotion_id", name=op.f("uq_insights_clearance_step_promotion_id")),
    )
    op.create_index(
        op.f("ix_insights_clearance_step_sku_id"),
        "insights_clearance_step",
        ["sku_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_insights_clearance_step_sku_id"), table_name="insights_clearance_step")
    op.drop_table("insights_clearance_step")
