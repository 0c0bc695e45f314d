"""Offline codes (线下码): the shop's printed mini-program and H5 codes per placement, store
and/or campaign, each visitor's first scan, the shopper's first-touch attribution and the orders
each code converted.

Revision ID: 0090_offline_codes
Revises: 0086_content_videos
Create Date: 2026-12-06 07:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0090_offline_codes"
down_revision: str | None = "0086_content_videos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = shoplet.core.db.UTCDateTime(timezone=True)
PLACEMENTS = "'poster', 'shelf', 'table_tent', 'receipt', 'window', 'package', 'other'"
TARGET_KINDS = "'home', 'product', 'store', 'campaign'"


def upgrade() -> None:
    op.create_table(
        "social_offline_code",
        sa.Column("id", _ID, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("placement", sa.String(length=16), nullable=False),
        sa.Column("store_id", sa.BigInteger(), nullable=True),
        sa.Column("campaign_id", sa.BigInteger(), nullable=True),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_ref", sa.String(length=32), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("order_amount", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.CheckConstraint(
            f"placement IN ({PLACEMENTS})", name=op.f("ck_social_offline_code_placement_known")
        ),
        sa.CheckConstraint(
            f"target_kind IN ({TARGET_KINDS})",
            name=op.f("ck_social_offline_code_target_kind_known"),
        ),
        sa.CheckConstraint(
            "scans >= 0 AND visitors >= 0 AND orders >= 0 AND order_amount >= 0",
            name=op.f("ck_social_offline_code_counters_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_offline_code")),
        sa.UniqueConstraint("code", name=op.f("uq_social_offline_code_code")),
    )
    op.create_index("ix_social_offline_code_store_id", "social_offline_code", ["store_id"])
    op.create_index("ix_social_offline_code_campaign_id", "social_offline_code", ["campaign_id"])
    op.create_table(
        "social_offline_visit",
        sa.Column("id", _ID, nullable=False),
        sa.Column("code_id", sa.BigInteger(), nullable=False),
        sa.Column("visitor_key", sa.String(length=64), nullable=False),
        sa.Column("visitor_member_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_offline_visit")),
        sa.UniqueConstraint(
            "code_id", "visitor_key", name=op.f("uq_social_offline_visit_code_id_visitor_key")
        ),
    )
    op.create_table(
        "social_offline_attribution",
        sa.Column("visitor_member_id", sa.BigInteger(), nullable=False),
        sa.Column("code_id", sa.BigInteger(), nullable=False),
        sa.Column("attributed_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("visitor_member_id", name=op.f("pk_social_offline_attribution")),
    )
    op.create_table(
        "social_offline_conversion",
        sa.Column("id", _ID, nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("code_id", sa.BigInteger(), nullable=False),
        sa.Column("visitor_member_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_offline_conversion")),
        sa.UniqueConstraint("order_no", name=op.f("uq_social_offline_conversion_order_no")),
    )
    op.create_index(
        "ix_social_offline_conversion_code_id", "social_offline_conversion", ["code_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_social_offline_conversion_code_id", table_name="social_offline_conversion")
    op.drop_table("social_offline_conversion")
    op.drop_table("social_offline_attribution")
    op.drop_table("social_offline_visit")
    op.drop_index("ix_social_offline_code_campaign_id", table_name="social_offline_code")
    op.drop_index("ix_social_offline_code_store_id", table_name="social_offline_code")
    op.drop_table("social_offline_code")
