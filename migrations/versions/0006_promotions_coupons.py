"""promotions: coupon templates, coupons and redemptions

Revision ID: 0006_promotions_coupons
Revises: 0005_catalog_bulk_jobs
Create Date: 2026-12-03 11:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db


revision: str = "0006_promotions_coupons"
down_revision: str | None = "0005_catalog_bulk_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotions_coupon_template",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("rate_permille", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_ids", sa.JSON(), nullable=False),
        sa.Column("is_new_customer_only", sa.Boolean(), nullable=False),
        sa.Column("valid_from", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_to", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("total_quota", sa.Integer(), nullable=False),
        sa.Column("per_shopper_limit", sa.Integer(), nullable=False),
        sa.Column("is_claimable", sa.Boolean(), nullable=False),
        sa.Column("claimed", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('threshold', 'discount', 'no_threshold', 'shipping')",
            name=op.f("ck_promotions_coupon_template_kind_known"),
        ),
        sa.CheckConstraint(
            "scope IN ('all', 'products', 'categories')",
            name=op.f("ck_promotions_coupon_template_scope_known"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'stopped')",
            name=op.f("ck_promotions_coupon_template_status_known"),
        ),
        sa.CheckConstraint(
            "amount IS NULL OR amount > 0",
            name=op.f("ck_promotions_coupon_template_amount_positive"),
        ),
        sa.CheckConstraint(
            "claimed >= 0 AND claimed <= total_quota",
            name=op.f("ck_promotions_coupon_template_claimed_within_quota"),
        ),
        sa.CheckConstraint(
            "per_shopper_limit >= 1", name=op.f("ck_promotions_coupon_template_limit_positive")
        ),
        sa.CheckConstraint(
            "rate_permille IS NULL OR (rate_permille >= 1 AND rate_permille <= 999)",
            name=op.f("ck_promotions_coupon_template_rate_in_range"),
        ),
        sa.CheckConstraint(
            "threshold >= 0", name=op.f("ck_promotions_coupon_template_threshold_non_negative")
        ),
        sa.CheckConstraint(
            "total_quota >= 1", name=op.f("ck_promotions_coupon_template_quota_positive")
        ),
        sa.CheckConstraint(
            "used >= 0 AND used <= claimed",
            name=op.f("ck_promotions_coupon_template_used_within_claimed"),
        ),
        sa.CheckConstraint(
            "valid_days IS NOT NULL OR (valid_from IS NOT NULL AND valid_to IS NOT NULL)",
            name=op.f("ck_promotions_coupon_template_validity_given"),
        ),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to > valid_from",
            name=op.f("ck_promotions_coupon_template_valid_to_after_from"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_coupon_template")),
    )
    op.create_index(
        "ix_promotions_coupon_template_status_id",
        "promotions_coupon_template",
        ["status", "id"],
        unique=False,
    )
    op.create_table(
        "promotions_coupon",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "template_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("valid_from", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=True),
        sa.Column("issued_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(state IN ('locked', 'used')) = (order_no IS NOT NULL)",
            name=op.f("ck_promotions_coupon_order_when_spent"),
        ),
        sa.CheckConstraint(
            "source IN ('claim', 'issue')", name=op.f("ck_promotions_coupon_source_known")
        ),
        sa.CheckConstraint(
            "state IN ('unused', 'locked', 'used', 'expired', 'void')",
            name=op.f("ck_promotions_coupon_state_known"),
        ),
        sa.CheckConstraint(
            "valid_to > valid_from", name=op.f("ck_promotions_coupon_valid_to_after_from")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["promotions_coupon_template.id"],
            name=op.f("fk_promotions_coupon_template_id_promotions_coupon_template"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_coupon")),
        sa.UniqueConstraint(
            "template_id",
            "member_id",
            "seq",
            name=op.f("uq_promotions_coupon_template_id_member_id_seq"),
        ),
    )
    op.create_index(
        "ix_promotions_coupon_member_id_state_id",
        "promotions_coupon",
        ["member_id", "state", "id"],
        unique=False,
    )
    op.create_index(
        "ix_promotions_coupon_order_no", "promotions_coupon", ["order_no"], unique=False
    )
    op.create_index(
        "ix_promotions_coupon_template_id_id",
        "promotions_coupon",
        ["template_id", "id"],
        unique=False,
    )
    op.create_table(
        "promotions_redemption",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "coupon_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.Column("shipping_discount", sa.BigInteger(), nullable=False),
        sa.Column("line_discounts", sa.JSON(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("returned_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "discount >= 0 AND shipping_discount >= 0",
            name=op.f("ck_promotions_redemption_amounts_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["coupon_id"],
            ["promotions_coupon.id"],
            name=op.f("fk_promotions_redemption_coupon_id_promotions_coupon"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_redemption")),
        sa.UniqueConstraint("order_no", name=op.f("uq_promotions_redemption_order_no")),
    )
    op.create_index(
        op.f("ix_promotions_redemption_coupon_id"),
        "promotions_redemption",
        ["coupon_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_promotions_redemption_coupon_id"), table_name="promotions_redemption")
    op.drop_table("promotions_redemption")
    op.drop_index("ix_promotions_coupon_template_id_id", table_name="promotions_coupon")
    op.drop_index("ix_promotions_coupon_order_no", table_name="promotions_coupon")
    op.drop_index("ix_promotions_coupon_member_id_state_id", table_name="promotions_coupon")
    op.drop_table("promotions_coupon")
    op.drop_index(
        "ix_promotions_coupon_template_status_id", table_name="promotions_coupon_template"
    )
    op.drop_table("promotions_coupon_template")
