"""stores: 门店价 (stores_price: a store's own price per SKU for 扫码购, with an optional
validity window; one row per store and SKU)

Revision ID: 0093_store_prices
Revises: 0095_wecom_group_broadcasts
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0093_store_prices"
down_revision: str | None = "0095_wecom_group_broadcasts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stores_price",
        sa.Column("id", BigId, nullable=False),
        sa.Column("store_id", BigId, nullable=False),
        sa.Column("sku_id", BigId, nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price >= 1", name=op.f("ck_stores_price_price_positive")),
        sa.CheckConstraint(
            "starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at",
            name=op.f("ck_stores_price_window_ordered"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores_price")),
        sa.UniqueConstraint("store_id", "sku_id", name=op.f("uq_stores_price_store_id_sku_id")),
    )


def downgrade() -> None:
    op.drop_table("stores_price")
