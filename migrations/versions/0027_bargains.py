"""social: bargains (砍价) — campaigns per SKU, shoppers' bargains, friends' cuts, daily cut
counters per IP and device

Revision ID: 0027_bargains
Revises: 0026_group_buys
Create Date: 2026-12-04 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0027_bargains"
down_revision: str | None = "0026_group_buys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "social_bargain_campaign",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("start_price", sa.BigInteger(), nullable=False),
        sa.Column("floor_price", sa.BigInteger(), nullable=False),
        sa.Column("helpers_needed", sa.Integer(), nullable=False),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=False),
        sa.Column("new_user_bonus_pct", sa.Integer(), nullable=False),
        sa.Column("per_member_limit", sa.Integer(), nullable=False),
        sa.Column("max_bargains", sa.Integer(), nullable=False),
        sa.Column("bargains_started", sa.Integer(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("subsidy_spent", sa.BigInteger(), nullable=False),
        sa.Column("free_shipping", sa.Boolean(), nullable=False),
        _when("starts_at"),
        _when("ends_at"),
        sa.Column("status", sa.String(length=16), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint(
            "status IN ('active', 'stopped')", name=op.f("ck_social_bargain_campaign_status_known")
        ),
        sa.CheckConstraint(
            "floor_price >= 1 AND floor_price < start_price",
            name=op.f("ck_social_bargain_campaign_floor_valid"),
        ),
        sa.CheckConstraint(
            "helpers_needed >= 1 AND helpers_needed <= start_price - floor_price",
            name=op.f("ck_social_bargain_campaign_helpers_valid"),
        ),
        sa.CheckConstraint(
            "time_limit_seconds >= 60", name=op.f("ck_social_bargain_campaign_time_limit_valid")
        ),
        sa.CheckConstraint(
            "new_user_bonus_pct >= 100", name=op.f("ck_social_bargain_campaign_bonus_valid")
        ),
        sa.CheckConstraint(
            "per_member_limit >= 1", name=op.f("ck_social_bargain_campaign_limit_positive")
        ),
        sa.CheckConstraint(
            "bargains_started >= 0 AND bargains_started <= max_bargains",
            name=op.f("ck_social_bargain_campaign_started_within_max"),
        ),
        sa.CheckConstraint(
            "subsidy_spent >= 0 AND subsidy_spent <= budget",
            name=op.f("ck_social_bargain_campaign_within_budget"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_social_bargain_campaign_ends_after_start")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_bargain_campaign")),
    )
    op.create_index(
        "ix_social_bargain_campaign_product_id", "social_bargain_campaign", ["product_id"]
    )
    op.create_table(
        "social_bargain",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("share_id", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("start_price", sa.BigInteger(), nullable=False),
        sa.Column("floor_price", sa.BigInteger(), nullable=False),
        sa.Column("current_price", sa.BigInteger(), nullable=False),
        sa.Column("helpers_needed", sa.Integer(), nullable=False),
        sa.Column("new_user_bonus_pct", sa.Integer(), nullable=False),
        sa.Column("helpers", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=True),
        _when("expires_at"),
        _when("ordered_at", nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint(
            "status IN ('open', 'ordered', 'paid', 'expired', 'cancelled')",
            name=op.f("ck_social_bargain_status_known"),
        ),
        sa.CheckConstraint(
            "current_price >= floor_price AND current_price <= start_price",
            name=op.f("ck_social_bargain_price_in_range"),
        ),
        sa.CheckConstraint("helpers >= 0", name=op.f("ck_social_bargain_helpers_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_bargain")),
        sa.UniqueConstraint("share_id", name=op.f("uq_social_bargain_share_id")),
        sa.UniqueConstraint("order_no", name=op.f("uq_social_bargain_order_no")),
    )
    op.create_index(
        "ix_social_bargain_status_expires_at", "social_bargain", ["status", "expires_at"]
    )
    op.create_index(
        "ix_social_bargain_campaign_id_member_id", "social_bargain", ["campaign_id", "member_id"]
    )
    op.create_index("ix_social_bargain_member_id_id", "social_bargain", ["member_id", "id"])
    op.create_table(
        "social_bargain_cut",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("bargain_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("helper_member_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("is_new_member", sa.Boolean(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        _when("created_at"),
        sa.CheckConstraint("amount >= 1", name=op.f("ck_social_bargain_cut_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_bargain_cut")),
        sa.UniqueConstraint(
            "bargain_id",
            "helper_member_id",
            name=op.f("uq_social_bargain_cut_bargain_id_helper_member_id"),
        ),
    )
    op.create_index("ix_social_bargain_cut_campaign_id", "social_bargain_cut", ["campaign_id"])
    op.create_table(
        "social_bargain_quota",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.CheckConstraint("used >= 0", name=op.f("ck_social_bargain_quota_used_positive")),
        sa.PrimaryKeyConstraint("scope", "day", name=op.f("pk_social_bargain_quota")),
    )


def downgrade() -> None:
    op.drop_table("social_bargain_quota")
    op.drop_table("social_bargain_cut")
    op.drop_table("social_bargain")
    op.drop_table("social_bargain_campaign")
