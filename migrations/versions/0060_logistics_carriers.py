"""fulfillment: the carriers the shop ships with (fulfillment_carrier: 物流公司 edited in the
console, seeded from ``SHOPLET_LOGISTICS_CARRIERS`` by the first change)

Revision ID: 0060_logistics_carriers
Revises: 0064_notification_retry
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import UTCDateTime

revision: str = "0060_logistics_carriers"
down_revision: str | None = "0064_notification_retry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fulfillment_carrier",
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("customer_code", sa.String(64), nullable=True),
        sa.Column("account_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("tracking_adapter", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "tracking_adapter IN ('kuaidi100', 'none')",
            name=op.f("ck_fulfillment_carrier_adapter_known"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_fulfillment_carrier")),
    )


def downgrade() -> None:
    op.drop_table("fulfillment_carrier")
