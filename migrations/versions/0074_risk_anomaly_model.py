"""The anomaly model shared by every process and the ordinary traffic sampled for its fits.

Revision ID: 0074_risk_anomaly_model
Revises: 0073_wechat_kf
Create Date: 2026-12-05 21:32:05.323713
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shoplet.core.db

revision: str = "0074_risk_anomaly_model"
down_revision: str | None = "0073_wechat_kf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_anomaly_model",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fitted_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_anomaly_model")),
        sa.UniqueConstraint("version", name=op.f("uq_risk_anomaly_model_version")),
    )
    op.create_table(
        "risk_anomaly_sample",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "features",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_anomaly_sample")),
    )
    op.create_index(
        "ix_risk_anomaly_sample_created_at", "risk_anomaly_sample", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_risk_anomaly_sample_created_at", table_name="risk_anomaly_sample")
    op.drop_table("risk_anomaly_sample")
    op.drop_table("risk_anomaly_model")
