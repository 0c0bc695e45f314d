"""membership: tier benefits on orders; promotions: tier gifts; loyalty: sign-in growth

Revision ID: 0013_membership_benefits
Revises: 0012_membership_plans
Create Date: 2026-12-03 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0013_membership_benefits"
down_revision: str | None = "0012_membership_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "membership_order_benefit",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("member_id", BIG_ID, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("tier_code", sa.String(length=8), nullable=False),
        sa.Column("tier_name", sa.String(length=20), nullable=False),
        sa.Column("discount_permille", sa.Integer(), nullable=False),
        sa.Column("goods_discount", sa.BigInteger(), nullable=False),
        sa.Column("shipping_discount", sa.BigInteger(), nullable=False),
        sa.Column("points_multiplier_permille", sa.Integer(), nullable=False),
        sa.Column("line_discounts", sa.JSON(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "goods_discount >= 0 AND shipping_discount >= 0",
            name=op.f("ck_membership_order_benefit_discounts_non_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_order_benefit")),
        sa.UniqueConstraint("order_no", name=op.f("uq_membership_order_benefit_order_no")),
    )
    op.create_index(
        "ix_membership_order_benefit_member_id",
        "membership_order_benefit",
        ["member_id"],
        unique=False,
    )
    op.create_table(
        "promotions_member_gift",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("member_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("template_id", BIG_ID, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("coupon_id", BIG_ID, nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('birthday', 'exclusive')", name=op.f("ck_promotions_member_gift_kind_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_member_gift")),
        sa.UniqueConstraint(
            "member_id",
            "kind",
            "period",
            "template_id",
            name=op.f("uq_promotions_member_gift_member_id_kind_period_template_id"),
        ),
    )
    with op.batch_alter_table("loyalty_settings") as batch:
        batch.add_column(
            sa.Column("signin_growth", sa.Integer(), server_default="1", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_loyalty_settings_signin_growth_in_range"),
            "signin_growth >= 0 AND signin_growth <= 1000",
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_settings") as batch:
        batch.drop_constraint(op.f("ck_loyalty_settings_signin_growth_in_range"), type_="check")
        batch.drop_column("signin_growth")
    op.drop_table("promotions_member_gift")
    op.drop_index("ix_membership_order_benefit_member_id", table_name="membership_order_benefit")
    op.drop_table("membership_order_benefit")
