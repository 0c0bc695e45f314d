"""membership: tiers, settings, growth accounts, the growth ledger and tier notices

Revision ID: 0009_membership_tiers
Revises: 0008_coupon_codes
Create Date: 2026-12-03 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db


revision: str = "0009_membership_tiers"
down_revision: str | None = "0008_coupon_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "membership_account",
        sa.Column(
            "member_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("growth_total", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("tier_since", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_start", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_evaluated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("granted_level", sa.Integer(), nullable=True),
        sa.Column("granted_until", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level >= 0", name=op.f("ck_membership_account_level_non_negative")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_membership_account")),
    )
    op.create_index(
        "ix_membership_account_level_period_start",
        "membership_account",
        ["level", "period_start"],
        unique=False,
    )
    op.create_table(
        "membership_growth_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reason IN ('order_paid', 'order_refund', 'review', 'signin', 'adjust', 'downgrade')",
            name=op.f("ck_membership_growth_entry_reason_known"),
        ),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_membership_growth_entry_amount_non_zero")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_growth_entry")),
        sa.UniqueConstraint("reason", "ref", name=op.f("uq_membership_growth_entry_reason_ref")),
    )
    op.create_index(
        "ix_membership_growth_entry_member_id_created_at",
        "membership_growth_entry",
        ["member_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_membership_growth_entry_member_id_id",
        "membership_growth_entry",
        ["member_id", "id"],
        unique=False,
    )
    op.create_table(
        "membership_notice",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_level", sa.Integer(), nullable=False),
        sa.Column("to_level", sa.Integer(), nullable=False),
        sa.Column("period_end", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('downgrade_warning', 'downgraded')",
            name=op.f("ck_membership_notice_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_notice")),
        sa.UniqueConstraint(
            "member_id",
            "kind",
            "period_end",
            name=op.f("uq_membership_notice_member_id_kind_period_end"),
        ),
    )
    op.create_index(
        "ix_membership_notice_member_id_id", "membership_notice", ["member_id", "id"], unique=False
    )
    op.create_table(
        "membership_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fen_per_growth", sa.Integer(), nullable=False),
        sa.Column("period_months", sa.Integer(), nullable=False),
        sa.Column("warn_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "fen_per_growth >= 1", name=op.f("ck_membership_settings_fen_per_growth_positive")
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_membership_settings_single_row")),
        sa.CheckConstraint(
            "period_months >= 1", name=op.f("ck_membership_settings_period_positive")
        ),
        sa.CheckConstraint(
            "warn_days >= 0", name=op.f("ck_membership_settings_warn_days_non_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_settings")),
    )
    op.create_table(
        "membership_tier",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.Column("keep_threshold", sa.BigInteger(), nullable=False),
        sa.Column("discount_permille", sa.Integer(), nullable=False),
        sa.Column("free_shipping", sa.Boolean(), nullable=False),
        sa.Column("free_shipping_threshold", sa.BigInteger(), nullable=True),
        sa.Column("points_multiplier_permille", sa.Integer(), nullable=False),
        sa.Column("birthday_coupon_template_id", sa.BigInteger(), nullable=True),
        sa.Column("exclusive_coupon_template_ids", sa.JSON(), nullable=False),
        sa.Column("priority_service", sa.Boolean(), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "discount_permille >= 1 AND discount_permille <= 1000",
            name=op.f("ck_membership_tier_discount_in_range"),
        ),
        sa.CheckConstraint(
            "keep_threshold >= 0", name=op.f("ck_membership_tier_keep_non_negative")
        ),
        sa.CheckConstraint(
            "level >= 0 AND level <= 20", name=op.f("ck_membership_tier_level_in_range")
        ),
        sa.CheckConstraint(
            "points_multiplier_permille >= 0",
            name=op.f("ck_membership_tier_multiplier_non_negative"),
        ),
        sa.CheckConstraint(
            "threshold >= 0", name=op.f("ck_membership_tier_threshold_non_negative")
        ),
        sa.PrimaryKeyConstraint("level", name=op.f("pk_membership_tier")),
        sa.UniqueConstraint("code", name=op.f("uq_membership_tier_code")),
    )


def downgrade() -> None:
    op.drop_table("membership_tier")
    op.drop_table("membership_settings")
    op.drop_index("ix_membership_notice_member_id_id", table_name="membership_notice")
    op.drop_table("membership_notice")
    op.drop_index("ix_membership_growth_entry_member_id_id", table_name="membership_growth_entry")
    op.drop_index(
        "ix_membership_growth_entry_member_id_created_at", table_name="membership_growth_entry"
    )
    op.drop_table("membership_growth_entry")
    op.drop_index("ix_membership_account_level_period_start", table_name="membership_account")
    op.drop_table("membership_account")
