"""catalog: price history of SKUs (written by product imports that change prices)

Revision ID: 0024_catalog_price_history
Revises: 0031_analytics
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import UTCDateTime

revision: str = "0024_catalog_price_history"
down_revision: str | None = "0031_analytics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_price_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("price_before", sa.Integer(), nullable=False),
        sa.Column("price_after", sa.Integer(), nullable=False),
        sa.Column("original_price_before", sa.Integer(), nullable=False),
        sa.Column("original_price_after", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_price_history")),
    )
    op.create_index(
        "ix_catalog_price_history_sku_id_changed_at",
        "catalog_price_history",
        ["sku_id", "changed_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_catalog_price_history_sku_id_changed_at", table_name="catalog_price_history")
    op.drop_table("catalog_price_history")
