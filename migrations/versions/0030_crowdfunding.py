"""social: crowdfunding (campaigns per SKU, pledges), the per-shopper quota of group buys and
crowdfunding as claimed counters (social_quota, filled from the seats held now), and campaign
budgets (budget, subsidy spent and over, each seat's subsidy and whether it brought a new
customer)

Revision ID: 0030_crowdfunding
Revises: 0029_distribution
Create Date: 2026-12-04 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0030_crowdfunding"
down_revision: str | None = "0029_distribution"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("social_campaign", sa.Column("stopped_reason", sa.String(16), nullable=True))
    op.add_column("social_campaign", sa.Column("budget", sa.BigInteger(), nullable=True))
    for name in ("subsidy_spent", "subsidy_over"):
        op.add_column(
            "social_campaign",
            sa.Column(name, sa.BigInteger(), server_default="0", nullable=False),
        )
    op.add_column(
        "social_member", sa.Column("subsidy", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.add_column(
        "social_member",
        sa.Column("subsidy_state", sa.String(8), server_default="none", nullable=False),
    )
    op.add_column(
        "social_member",
        sa.Column("is_new_customer", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "social_quota",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("play", sa.String(length=16), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "play IN ('groupbuy', 'crowdfunding')", name=op.f("ck_social_quota_play_known")
        ),
        sa.CheckConstraint("used >= 0", name=op.f("ck_social_quota_used_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_quota")),
        sa.UniqueConstraint(
            "play",
            "campaign_id",
            "member_id",
            name=op.f("uq_social_quota_play_campaign_id_member_id"),
        ),
    )
    # The seats held now count against their shoppers' limits from the start.
    op.execute(
        "INSERT INTO social_quota (play, campaign_id, member_id, used) "
        "SELECT 'groupbuy', campaign_id, member_id, COUNT(*) FROM social_member "
        "WHERE status IN ('pending', 'joined', 'succeeded') GROUP BY campaign_id, member_id"
    )
    op.create_table(
        "social_crowdfunding",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("pledge_price", sa.BigInteger(), nullable=False),
        sa.Column("target_quantity", sa.Integer(), nullable=False),
        sa.Column("max_quantity", sa.Integer(), nullable=False),
        sa.Column("per_member_limit", sa.Integer(), nullable=False),
        sa.Column("claimed_units", sa.Integer(), nullable=False),
        sa.Column("pledged_units", sa.Integer(), nullable=False),
        sa.Column("backers", sa.Integer(), nullable=False),
        sa.Column("free_shipping", sa.Boolean(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stopped_reason", sa.String(length=16), nullable=True),
        sa.Column("budget", sa.BigInteger(), nullable=True),
        sa.Column("subsidy_spent", sa.BigInteger(), nullable=False),
        sa.Column("subsidy_over", sa.BigInteger(), nullable=False),
        sa.Column("settled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'stopped', 'succeeded', 'failed')",
            name=op.f("ck_social_crowdfunding_status_known"),
        ),
        sa.CheckConstraint(
            "pledge_price > 0", name=op.f("ck_social_crowdfunding_pledge_price_positive")
        ),
        sa.CheckConstraint(
            "target_quantity >= 1", name=op.f("ck_social_crowdfunding_target_positive")
        ),
        sa.CheckConstraint(
            "max_quantity >= target_quantity",
            name=op.f("ck_social_crowdfunding_max_covers_target"),
        ),
        sa.CheckConstraint(
            "per_member_limit >= 1", name=op.f("ck_social_crowdfunding_limit_positive")
        ),
        sa.CheckConstraint(
            "claimed_units >= 0 AND claimed_units <= max_quantity",
            name=op.f("ck_social_crowdfunding_claimed_within_max"),
        ),
        sa.CheckConstraint(
            "pledged_units >= 0 AND pledged_units <= claimed_units",
            name=op.f("ck_social_crowdfunding_paid_held"),
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_social_crowdfunding_ends_after_start")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_crowdfunding")),
    )
    op.create_index("ix_social_crowdfunding_product_id", "social_crowdfunding", ["product_id"])
    op.create_index(
        "ix_social_crowdfunding_status_ends_at", "social_crowdfunding", ["status", "ends_at"]
    )
    op.create_table(
        "social_pledge",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("subsidy", sa.BigInteger(), nullable=False),
        sa.Column("subsidy_state", sa.String(length=8), nullable=False),
        sa.Column("is_new_customer", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("paid_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'succeeded', 'refunded', 'cancelled')",
            name=op.f("ck_social_pledge_status_known"),
        ),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_social_pledge_quantity_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_pledge")),
        sa.UniqueConstraint("order_no", name=op.f("uq_social_pledge_order_no")),
    )
    op.create_index(
        "ix_social_pledge_campaign_id_status", "social_pledge", ["campaign_id", "status"]
    )
    op.create_index("ix_social_pledge_member_id", "social_pledge", ["member_id"])


def downgrade() -> None:
    op.drop_table("social_pledge")
    op.drop_table("social_crowdfunding")
    op.drop_table("social_quota")
    with op.batch_alter_table("social_member") as batch:
        for name in ("is_new_customer", "subsidy_state", "subsidy"):
            batch.drop_column(name)
    with op.batch_alter_table("social_campaign") as batch:
        for name in ("subsidy_over", "subsidy_spent", "budget", "stopped_reason"):
            batch.drop_column(name)
