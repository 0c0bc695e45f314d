"""experiments: each exposure keeps the unit's pre-period orders and revenue (CUPED)

Segment targeting needs no table: analytics answers membership through experiments' public
hook, cached per process.

Revision ID: 0049_experiments_segments
Revises: 0040_insights_forecast
Create Date: 2026-12-05 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0049_experiments_segments"
down_revision: str | None = "0047_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("experiments_exposure") as batch:
        batch.add_column(sa.Column("pre_orders", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(
            sa.Column("pre_revenue", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("experiments_exposure") as batch:
        batch.drop_column("pre_revenue")
        batch.drop_column("pre_orders")
