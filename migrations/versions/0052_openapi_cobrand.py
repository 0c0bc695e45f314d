"""openapi co-branding: the partner's revenue share per app (openapi_app.revenue_share_bp),
the promotions objects partner apps created (openapi_cobrand_item) and the paid orders
attributed to them (openapi_cobrand_redemption)

Revision ID: 0052_openapi_cobrand
Revises: 0053_risk_engine
Create Date: 2026-12-05 10:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0052_openapi_cobrand"
down_revision: str | None = "0053_risk_engine"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("openapi_app") as batch:
        batch.add_column(
            sa.Column("revenue_share_bp", sa.Integer(), server_default="0", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_openapi_app_revenue_share_range"),
            "revenue_share_bp >= 0 AND revenue_share_bp <= 10000",
        )
    op.create_table(
        "openapi_cobrand_item",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("ref_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('bundle', 'coupon')", name=op.f("ck_openapi_cobrand_item_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["app_id"], ["openapi_app.id"], name=op.f("fk_openapi_cobrand_item_app_id_openapi_app")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openapi_cobrand_item")),
        sa.UniqueConstraint("kind", "ref_id", name=op.f("uq_openapi_cobrand_item_kind_ref_id")),
    )
    op.create_index("ix_openapi_cobrand_item_app_id_id", "openapi_cobrand_item", ["app_id", "id"])
    op.create_table(
        "openapi_cobrand_redemption",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("discount", sa.Integer(), nullable=False),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("paid_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount >= 0 AND discount >= 0 AND refunded >= 0",
            name=op.f("ck_openapi_cobrand_redemption_amounts_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["openapi_app.id"],
            name=op.f("fk_openapi_cobrand_redemption_app_id_openapi_app"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openapi_cobrand_redemption")),
        sa.UniqueConstraint(
            "app_id", "order_no", name=op.f("uq_openapi_cobrand_redemption_app_id_order_no")
        ),
    )
    op.create_index(
        "ix_openapi_cobrand_redemption_app_paid",
        "openapi_cobrand_redemption",
        ["app_id", "paid_at"],
    )
    op.create_index(
        "ix_openapi_cobrand_redemption_order_no", "openapi_cobrand_redemption", ["order_no"]
    )


def downgrade() -> None:
    op.drop_index("ix_openapi_cobrand_redemption_order_no", table_name="openapi_cobrand_redemption")
    op.drop_index("ix_openapi_cobrand_redemption_app_paid", table_name="openapi_cobrand_redemption")
    op.drop_table("openapi_cobrand_redemption")
    op.drop_index("ix_openapi_cobrand_item_app_id_id", table_name="openapi_cobrand_item")
    op.drop_table("openapi_cobrand_item")
    with op.batch_alter_table("openapi_app") as batch:
        batch.drop_constraint(op.f("ck_openapi_app_revenue_share_range"), type_="check")
        batch.drop_column("revenue_share_bp")
