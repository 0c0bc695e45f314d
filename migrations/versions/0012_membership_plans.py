"""membership: paid plans (SVIP), plan periods bought through virtual orders, subscriptions,
renewal reminders; orders: the ``is_virtual`` flag

Revision ID: 0012_membership_plans
Revises: 0011_catalog_import
Create Date: 2026-12-03 18:23:47
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db


revision: str = "0012_membership_plans"
down_revision: str | None = "0011_catalog_import"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "membership_plan",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("list_price", sa.BigInteger(), nullable=True),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("is_on_sale", sa.Boolean(), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("discount_permille", sa.Integer(), nullable=False),
        sa.Column("free_shipping", sa.Boolean(), nullable=False),
        sa.Column("free_shipping_threshold", sa.BigInteger(), nullable=True),
        sa.Column("points_multiplier_permille", sa.Integer(), nullable=False),
        sa.Column("coupon_template_ids", sa.JSON(), nullable=False),
        sa.Column("priority_service", sa.Boolean(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "discount_permille >= 1 AND discount_permille <= 1000",
            name=op.f("ck_membership_plan_discount_in_range"),
        ),
        sa.CheckConstraint(
            "months >= 1 AND months <= 36", name=op.f("ck_membership_plan_months_in_range")
        ),
        sa.CheckConstraint(
            "points_multiplier_permille >= 0",
            name=op.f("ck_membership_plan_multiplier_non_negative"),
        ),
        sa.CheckConstraint("price >= 1", name=op.f("ck_membership_plan_price_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_plan")),
        sa.UniqueConstraint("code", name=op.f("uq_membership_plan_code")),
    )
    op.create_table(
        "membership_plan_period",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("plan_name", sa.String(length=20), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("benefits", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("starts_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paid_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'revoked', 'cancelled')",
            name=op.f("ck_membership_plan_period_status_known"),
        ),
        sa.CheckConstraint(
            "price >= 1 AND months >= 1",
            name=op.f("ck_membership_plan_period_price_months_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_plan_period")),
        sa.UniqueConstraint("order_no", name=op.f("uq_membership_plan_period_order_no")),
    )
    op.create_index(
        "ix_membership_plan_period_member_id_id",
        "membership_plan_period",
        ["member_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_membership_plan_period_status_id",
        "membership_plan_period",
        ["status", "id"],
        unique=False,
    )
    op.create_table(
        "membership_plan_reminder",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("ends_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_plan_reminder")),
        sa.UniqueConstraint(
            "member_id", "ends_at", name=op.f("uq_membership_plan_reminder_member_id_ends_at")
        ),
    )
    op.create_index(
        "ix_membership_plan_reminder_member_id_id",
        "membership_plan_reminder",
        ["member_id", "id"],
        unique=False,
    )
    op.create_table(
        "membership_subscription",
        sa.Column(
            "member_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("plan_id", sa.BigInteger(), nullable=True),
        sa.Column("ends_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_membership_subscription")),
    )
    op.create_index(
        "ix_membership_subscription_ends_at", "membership_subscription", ["ends_at"], unique=False
    )
    with op.batch_alter_table("orders_order") as batch:
        batch.add_column(
            sa.Column("is_virtual", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("orders_order") as batch:
        batch.drop_column("is_virtual")
    op.drop_index("ix_membership_subscription_ends_at", table_name="membership_subscription")
    op.drop_table("membership_subscription")
    op.drop_index("ix_membership_plan_reminder_member_id_id", table_name="membership_plan_reminder")
    op.drop_table("membership_plan_reminder")
    op.drop_index("ix_membership_plan_period_status_id", table_name="membership_plan_period")
    op.drop_index("ix_membership_plan_period_member_id_id", table_name="membership_plan_period")
    op.drop_table("membership_plan_period")
    op.drop_table("membership_plan")
