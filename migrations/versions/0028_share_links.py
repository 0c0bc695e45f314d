"""social: share links (scenes of mini-program codes and short links), their visits, each
shopper's first-touch attribution to a sharer, and the orders it converted

Revision ID: 0028_share_links
Revises: 0027_bargains
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0028_share_links"
down_revision: str | None = "0027_bargains"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "social_share_link",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("sharer_member_id", sa.BigInteger(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_ref", sa.String(length=32), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("order_amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "target_kind IN ('product', 'group', 'bargain', 'campaign')",
            name=op.f("ck_social_share_link_target_kind_known"),
        ),
        sa.CheckConstraint(
            "visits >= 0 AND orders >= 0 AND order_amount >= 0",
            name=op.f("ck_social_share_link_counters_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_share_link")),
        sa.UniqueConstraint("code", name=op.f("uq_social_share_link_code")),
        sa.UniqueConstraint(
            "sharer_member_id",
            "target_kind",
            "target_ref",
            name=op.f("uq_social_share_link_sharer_member_id_target_kind_target_ref"),
        ),
    )
    op.create_index(
        "ix_social_share_link_target_kind_target_ref",
        "social_share_link",
        ["target_kind", "target_ref"],
    )
    op.create_table(
        "social_share_visit",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("link_id", sa.BigInteger(), nullable=False),
        sa.Column("visitor_key", sa.String(length=64), nullable=False),
        sa.Column("visitor_member_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_share_visit")),
        sa.UniqueConstraint(
            "link_id", "visitor_key", name=op.f("uq_social_share_visit_link_id_visitor_key")
        ),
    )
    op.create_index(
        "ix_social_share_visit_visitor_member_id", "social_share_visit", ["visitor_member_id"]
    )
    op.create_table(
        "social_share_attribution",
        sa.Column("visitor_member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("link_id", sa.BigInteger(), nullable=False),
        sa.Column("sharer_member_id", sa.BigInteger(), nullable=False),
        sa.Column("attributed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("visitor_member_id", name=op.f("pk_social_share_attribution")),
    )
    op.create_table(
        "social_share_conversion",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("link_id", sa.BigInteger(), nullable=False),
        sa.Column("sharer_member_id", sa.BigInteger(), nullable=False),
        sa.Column("visitor_member_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_share_conversion")),
        sa.UniqueConstraint("order_no", name=op.f("uq_social_share_conversion_order_no")),
    )
    op.create_index("ix_social_share_conversion_link_id", "social_share_conversion", ["link_id"])
    op.create_index(
        "ix_social_share_conversion_sharer_member_id",
        "social_share_conversion",
        ["sharer_member_id"],
    )


def downgrade() -> None:
    op.drop_table("social_share_conversion")
    op.drop_table("social_share_attribution")
    op.drop_table("social_share_visit")
    op.drop_table("social_share_link")
