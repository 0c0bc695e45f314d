"""campaigns: dormant-shopper campaigns (唤醒活动): the campaign, one touch per shopper and
campaign (its group, state and attribution window), each shopper's last touch (the frequency
cap across campaigns)

Revision ID: 0067_campaigns
Revises: 0070_clearance_steps
Create Date: 2026-12-05 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0067_campaigns"
down_revision: str | None = "0070_clearance_steps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns_campaign",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("audience_kind", sa.String(12), nullable=False),
        sa.Column("audience_value", sa.String(64), nullable=False),
        sa.Column("message_event", sa.String(30), nullable=True),
        sa.Column("message_data", sa.JSON(), nullable=False),
        sa.Column("coupon_template_id", BigId, nullable=True),
        sa.Column("trigger", sa.String(8), nullable=False),
        sa.Column("start_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("holdout_percent", sa.Integer(), nullable=False),
        sa.Column("cap_days", sa.Integer(), nullable=False),
        sa.Column("quiet_start_minute", sa.Integer(), nullable=False),
        sa.Column("quiet_end_minute", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("next_run_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'scheduled', 'running', 'done', 'cancelled')",
            name=op.f("ck_campaigns_campaign_status_known"),
        ),
        sa.CheckConstraint(
            "audience_kind IN ('segment', 'rfm_class', 'tag', 'dormant')",
            name=op.f("ck_campaigns_campaign_audience_known"),
        ),
        sa.CheckConstraint(
            "trigger IN ('once', 'daily')", name=op.f("ck_campaigns_campaign_trigger_known")
        ),
        sa.CheckConstraint(
            "holdout_percent BETWEEN 0 AND 50", name=op.f("ck_campaigns_campaign_holdout_range")
        ),
        sa.CheckConstraint("cap_days >= 1", name=op.f("ck_campaigns_campaign_cap_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns_campaign")),
    )
    op.create_index("ix_campaigns_campaign_due", "campaigns_campaign", ["status", "next_run_at"])
    op.create_table(
        "campaigns_touch",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("campaign_id", BigId, nullable=False),
        sa.Column("member_id", BigId, nullable=False),
        sa.Column("grp", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("assigned_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_deferred", sa.Boolean(), nullable=False),
        sa.Column("touched_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_messaged", sa.Boolean(), nullable=False),
        sa.Column("is_coupon_issued", sa.Boolean(), nullable=False),
        sa.Column("attributed_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("attributed_until", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "grp IN ('treated', 'holdout')", name=op.f("ck_campaigns_touch_group_known")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'capped', 'no_credit', 'holdout', 'cancelled')",
            name=op.f("ck_campaigns_touch_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns_touch")),
        sa.UniqueConstraint("campaign_id", "member_id", name="uq_campaigns_touch_member"),
    )
    op.create_index(
        "ix_campaigns_touch_due", "campaigns_touch", ["campaign_id", "status", "due_at"]
    )
    op.create_table(
        "campaigns_contact",
        sa.Column("member_id", BigId, autoincrement=False, nullable=False),
        sa.Column("campaign_id", BigId, nullable=False),
        sa.Column("last_touch_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_campaigns_contact")),
    )


def downgrade() -> None:
    op.drop_table("campaigns_contact")
    op.drop_index("ix_campaigns_touch_due", table_name="campaigns_touch")
    op.drop_table("campaigns_touch")
    op.drop_index("ix_campaigns_campaign_due", table_name="campaigns_campaign")
    op.drop_table("campaigns_campaign")
