"""promotions rules

Revision ID: 0007_promotions_rules
Revises: 0006_promotions_coupons
Create Date: 2026-12-03 15:06:28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db


revision: str = "0007_promotions_rules"
down_revision: str | None = "0006_promotions_coupons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite adds a CHECK only by recreating the table.
    with op.batch_alter_table("catalog_sku") as batch:
        batch.add_column(sa.Column("cost_price", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_catalog_sku_cost_non_negative"), "cost_price IS NULL OR cost_price >= 0"
        )
    with op.batch_alter_table("promotions_coupon_template") as batch:
        batch.add_column(
            sa.Column(
                "stackable_with_promotions", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
    op.create_table(
        "promotions_policy",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sku_discount_stacks", sa.Boolean(), nullable=False),
        sa.Column("combine_order_level", sa.Boolean(), nullable=False),
        sa.Column("max_discount_permille", sa.Integer(), nullable=True),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_promotions_policy_single_row")),
        sa.CheckConstraint(
            "max_discount_permille IS NULL OR (max_discount_permille >= 1 AND max_discount_permille <= 1000)",
            name=op.f("ck_promotions_policy_cap_in_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_policy")),
    )
    op.create_table(
        "promotions_promotion",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_ids", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("per_shopper_limit", sa.Integer(), nullable=True),
        sa.Column("starts_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('sku_discount', 'bundle', 'buy_n_get_m', 'full_reduction')",
            name=op.f("ck_promotions_promotion_kind_known"),
        ),
        sa.CheckConstraint(
            "scope IN ('all', 'products', 'categories')",
            name=op.f("ck_promotions_promotion_scope_known"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'stopped')",
            name=op.f("ck_promotions_promotion_status_known"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_promotions_promotion_ends_after_start")
        ),
        sa.CheckConstraint(
            "per_shopper_limit IS NULL OR per_shopper_limit >= 1",
            name=op.f("ck_promotions_promotion_limit_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_promotion")),
    )
    op.create_index(
        "ix_promotions_promotion_status_id", "promotions_promotion", ["status", "id"], unique=False
    )
    op.create_table(
        "promotions_order_rule",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column(
            "promotion_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("saving", sa.BigInteger(), nullable=False),
        sa.Column("trimmed", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("line_discounts", sa.JSON(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("returned_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "saving >= 0 AND trimmed >= 0 AND units >= 0",
            name=op.f("ck_promotions_order_rule_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions_promotion.id"],
            name=op.f("fk_promotions_order_rule_promotion_id_promotions_promotion"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_order_rule")),
        sa.UniqueConstraint(
            "order_no", "promotion_id", name=op.f("uq_promotions_order_rule_order_no_promotion_id")
        ),
    )
    op.create_index(
        op.f("ix_promotions_order_rule_order_no"),
        "promotions_order_rule",
        ["order_no"],
        unique=False,
    )
    op.create_index(
        op.f("ix_promotions_order_rule_promotion_id"),
        "promotions_order_rule",
        ["promotion_id"],
        unique=False,
    )
    op.create_table(
        "promotions_usage",
        sa.Column(
            "promotion_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("used >= 0", name=op.f("ck_promotions_usage_used_non_negative")),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions_promotion.id"],
            name=op.f("fk_promotions_usage_promotion_id_promotions_promotion"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("promotion_id", "member_id", name=op.f("pk_promotions_usage")),
    )


def downgrade() -> None:
    op.drop_table("promotions_usage")
    op.drop_index(op.f("ix_promotions_order_rule_promotion_id"), table_name="promotions_order_rule")
    op.drop_index(op.f("ix_promotions_order_rule_order_no"), table_name="promotions_order_rule")
    op.drop_table("promotions_order_rule")
    op.drop_index("ix_promotions_promotion_status_id", table_name="promotions_promotion")
    op.drop_table("promotions_promotion")
    op.drop_table("promotions_policy")
    with op.batch_alter_table("promotions_coupon_template") as batch:
        batch.drop_column("stackable_with_promotions")
    with op.batch_alter_table("catalog_sku") as batch:
        batch.drop_constraint(op.f("ck_catalog_sku_cost_non_negative"), type_="check")
        batch.drop_column("cost_price")
