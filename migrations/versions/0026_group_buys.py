"""social: group buys (campaigns per SKU, groups, members' seats); orders: ship_hold, what keeps
a paid order from shipping until its group is complete

Revision ID: 0026_group_buys
Revises: 0023_recommend_views
Create Date: 2026-12-04 18:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0026_group_buys"
down_revision: str | None = "0023_recommend_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders_order", sa.Column("ship_hold", sa.String(length=64), nullable=True))
    op.create_table(
        "social_campaign",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("group_price", sa.BigInteger(), nullable=False),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=False),
        sa.Column("per_member_limit", sa.Integer(), nullable=False),
        sa.Column("max_groups", sa.Integer(), nullable=False),
        sa.Column("groups_opened", sa.Integer(), nullable=False),
        sa.Column("free_shipping", sa.Boolean(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'stopped')", name=op.f("ck_social_campaign_status_known")
        ),
        sa.CheckConstraint(
            "group_size >= 2 AND group_size <= 50",
            name=op.f("ck_social_campaign_group_size_valid"),
        ),
        sa.CheckConstraint("group_price > 0", name=op.f("ck_social_campaign_group_price_positive")),
        sa.CheckConstraint(
            "time_limit_seconds >= 60", name=op.f("ck_social_campaign_time_limit_valid")
        ),
        sa.CheckConstraint("per_member_limit >= 1", name=op.f("ck_social_campaign_limit_positive")),
        sa.CheckConstraint(
            "groups_opened >= 0 AND groups_opened <= max_groups",
            name=op.f("ck_social_campaign_groups_within_max"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_social_campaign_ends_after_start")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_campaign")),
    )
    op.create_index("ix_social_campaign_sku_id", "social_campaign", ["sku_id"])
    op.create_index("ix_social_campaign_product_id", "social_campaign", ["product_id"])
    op.create_table(
        "social_group",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("share_id", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("leader_member_id", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filled", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'open', 'succeeded', 'failed')",
            name=op.f("ck_social_group_status_known"),
        ),
        sa.CheckConstraint(
            "filled >= 0 AND filled <= size", name=op.f("ck_social_group_filled_within_size")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_group")),
        sa.UniqueConstraint("share_id", name=op.f("uq_social_group_share_id")),
    )
    op.create_index("ix_social_group_status_expires_at", "social_group", ["status", "expires_at"])
    op.create_index("ix_social_group_campaign_id_id", "social_group", ["campaign_id", "id"])
    op.create_table(
        "social_member",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("is_leader", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("joined_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'joined', 'succeeded', 'refunded', 'cancelled')",
            name=op.f("ck_social_member_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_member")),
        sa.UniqueConstraint(
            "group_id", "member_id", name=op.f("uq_social_member_group_id_member_id")
        ),
        sa.UniqueConstraint("order_no", name=op.f("uq_social_member_order_no")),
    )
    op.create_index(
        "ix_social_member_campaign_id_member_id", "social_member", ["campaign_id", "member_id"]
    )


def downgrade() -> None:
    op.drop_table("social_member")
    op.drop_table("social_group")
    op.drop_table("social_campaign")
    with op.batch_alter_table("orders_order") as batch:
        batch.drop_column("ship_hold")
