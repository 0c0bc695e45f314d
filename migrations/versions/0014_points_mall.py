"""pointsmall: items, per-shopper usage, exchanges; loyalty's ledger learns the reason 'mall'

Revision ID: 0014_points_mall
Revises: 0013_membership_benefits
Create Date: 2026-12-03 18:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0014_points_mall"
down_revision: str | None = "0013_membership_benefits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = shoplet.core.db.UTCDateTime(timezone=True)
REASONS_BEFORE = "reason IN ('order', 'signin', 'refund', 'spend_return', 'expiry', 'staff')"
REASONS_AFTER = "reason IN ('order', 'signin', 'refund', 'spend_return', 'expiry', 'staff', 'mall')"


def upgrade() -> None:
    op.create_table(
        "pointsmall_item",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("image", sa.String(length=500), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("template_id", sa.BigInteger(), nullable=True),
        sa.Column("sku_id", sa.BigInteger(), nullable=True),
        sa.Column("points_price", sa.BigInteger(), nullable=False),
        sa.Column("cash_price", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column("per_member_limit", sa.Integer(), nullable=False),
        sa.Column("limit_period", sa.String(length=8), nullable=False),
        sa.Column("starts_at", WHEN, nullable=True),
        sa.Column("ends_at", WHEN, nullable=True),
        sa.Column("free_shipping", sa.Boolean(), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.CheckConstraint(
            "kind IN ('coupon', 'product')", name=op.f("ck_pointsmall_item_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'on_sale', 'off_sale')",
            name=op.f("ck_pointsmall_item_status_known"),
        ),
        sa.CheckConstraint(
            "limit_period IN ('total', 'day', 'week', 'month')",
            name=op.f("ck_pointsmall_item_limit_period_known"),
        ),
        sa.CheckConstraint(
            "(kind = 'coupon' AND template_id IS NOT NULL AND sku_id IS NULL) OR "
            "(kind = 'product' AND sku_id IS NOT NULL AND template_id IS NULL)",
            name=op.f("ck_pointsmall_item_target_matches_kind"),
        ),
        sa.CheckConstraint(
            "points_price > 0 AND cash_price >= 0", name=op.f("ck_pointsmall_item_prices_valid")
        ),
        sa.CheckConstraint(
            "sold >= 0 AND sold <= stock", name=op.f("ck_pointsmall_item_sold_within_stock")
        ),
        sa.CheckConstraint("per_member_limit >= 1", name=op.f("ck_pointsmall_item_limit_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pointsmall_item")),
    )
    op.create_index(
        "ix_pointsmall_item_status_sort", "pointsmall_item", ["status", "sort", "id"], unique=False
    )
    op.create_table(
        "pointsmall_usage",
        sa.Column("item_id", BIG_ID, nullable=False),
        sa.Column("member_id", BIG_ID, nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_pointsmall_usage_quantity_non_negative")),
        sa.PrimaryKeyConstraint("item_id", "member_id", "period", name=op.f("pk_pointsmall_usage")),
    )
    op.create_table(
        "pointsmall_exchange",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("exchange_no", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("cash", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.CheckConstraint(
            "status IN ('issued', 'pending_payment', 'paid', 'cancelled', 'refunded')",
            name=op.f("ck_pointsmall_exchange_status_known"),
        ),
        sa.CheckConstraint(
            "quantity >= 1 AND points > 0 AND cash >= 0",
            name=op.f("ck_pointsmall_exchange_amounts_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pointsmall_exchange")),
        sa.UniqueConstraint("exchange_no", name=op.f("uq_pointsmall_exchange_exchange_no")),
        sa.UniqueConstraint(
            "member_id", "request_id", name=op.f("uq_pointsmall_exchange_member_id_request_id")
        ),
    )
    op.create_index(
        "ix_pointsmall_exchange_member_id_id",
        "pointsmall_exchange",
        ["member_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_pointsmall_exchange_order_no", "pointsmall_exchange", ["order_no"], unique=False
    )
    with op.batch_alter_table("loyalty_points_entry") as batch:
        batch.drop_constraint(op.f("ck_loyalty_points_entry_reason_known"), type_="check")
        batch.create_check_constraint(op.f("ck_loyalty_points_entry_reason_known"), REASONS_AFTER)


def downgrade() -> None:
    # The ledger is append-only: mall spends stay, relabelled as the nearest older reason.
    op.execute("UPDATE loyalty_points_entry SET reason = 'order' WHERE reason = 'mall'")
    with op.batch_alter_table("loyalty_points_entry") as batch:
        batch.drop_constraint(op.f("ck_loyalty_points_entry_reason_known"), type_="check")
        batch.create_check_constraint(op.f("ck_loyalty_points_entry_reason_known"), REASONS_BEFORE)
    op.drop_index("ix_pointsmall_exchange_order_no", table_name="pointsmall_exchange")
    op.drop_index("ix_pointsmall_exchange_member_id_id", table_name="pointsmall_exchange")
    op.drop_table("pointsmall_exchange")
    op.drop_table("pointsmall_usage")
    op.drop_index("ix_pointsmall_item_status_sort", table_name="pointsmall_item")
    op.drop_table("pointsmall_item")
