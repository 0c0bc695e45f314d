"""campaigns: a campaign chooses its channel (subscribe / official_account / auto) and each
touch records the channel it messaged through

Revision ID: 0096_campaign_channels
Revises: 0093_store_prices
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0096_campaign_channels"
down_revision: str | None = "0093_store_prices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns_campaign") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="subscribe")
        )
        batch.create_check_constraint(
            op.f("ck_campaigns_campaign_channel_known"),
            "channel IN ('subscribe', 'official_account', 'auto')",
        )
    with op.batch_alter_table("campaigns_touch") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
        batch.create_check_constraint(
            op.f("ck_campaigns_touch_channel_known"),
            "channel IS NULL OR channel IN ('subscribe', 'official_account')",
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns_touch") as batch:
        batch.drop_constraint(op.f("ck_campaigns_touch_channel_known"), type_="check")
        batch.drop_column("channel")
    with op.batch_alter_table("campaigns_campaign") as batch:
        batch.drop_constraint(op.f("ck_campaigns_campaign_channel_known"), type_="check")
        batch.drop_column("channel")
