"""stores: the store register (stores_store: address, position in micro-degrees, hours, staff,
pickup and same-city terms) and the store side of an order (stores_order: pickup code, window,
same-city distance, who handed it over)

Revision ID: 0048_stores
Revises: 0040_insights_forecast
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0048_stores"
down_revision: str | None = "0044_openapi_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stores_store",
        sa.Column("id", BigId, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("lat_e6", sa.Integer(), nullable=False),
        sa.Column("lng_e6", sa.Integer(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("staff_ids", sa.JSON(), nullable=False),
        sa.Column("pickup_enabled", sa.Boolean(), nullable=False),
        sa.Column("delivery_radius_m", sa.Integer(), nullable=False),
        sa.Column("fee_per_km", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "lat_e6 BETWEEN -90000000 AND 90000000", name=op.f("ck_stores_store_lat_in_range")
        ),
        sa.CheckConstraint(
            "lng_e6 BETWEEN -180000000 AND 180000000", name=op.f("ck_stores_store_lng_in_range")
        ),
        sa.CheckConstraint(
            "delivery_radius_m >= 0", name=op.f("ck_stores_store_radius_non_negative")
        ),
        sa.CheckConstraint("fee_per_km >= 0", name=op.f("ck_stores_store_fee_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores_store")),
    )
    op.create_index("ix_stores_store_lat_e6_lng_e6", "stores_store", ["lat_e6", "lng_e6"])
    op.create_table(
        "stores_order",
        sa.Column("id", BigId, nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("store_id", BigId, nullable=False),
        sa.Column("member_id", BigId, nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=True),
        sa.Column("window_start", UTCDateTime(timezone=True), nullable=True),
        sa.Column("window_end", UTCDateTime(timezone=True), nullable=True),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("picked_up_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("picked_up_by", BigId, nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "method IN ('pickup', 'same_city')", name=op.f("ck_stores_order_method_known")
        ),
        sa.CheckConstraint(
            "status IN ('awaiting', 'picked_up', 'cancelled')",
            name=op.f("ck_stores_order_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores_order")),
        sa.UniqueConstraint("order_no", name=op.f("uq_stores_order_order_no")),
    )
    op.create_index("ix_stores_order_store_id_id", "stores_order", ["store_id", "id"])
    op.create_index(
        "uq_stores_order_awaiting_code",
        "stores_order",
        ["code"],
        unique=True,
        sqlite_where=sa.text("status = 'awaiting'"),
        postgresql_where=sa.text("status = 'awaiting'"),
    )


def downgrade() -> None:
    op.drop_index("uq_stores_order_awaiting_code", table_name="stores_order")
    op.drop_index("ix_stores_order_store_id_id", table_name="stores_order")
    op.drop_table("stores_order")
    op.drop_index("ix_stores_store_lat_e6_lng_e6", table_name="stores_store")
    op.drop_table("stores_store")
