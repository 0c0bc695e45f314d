"""membership: limits on a tier's exclusive pack and member-price exclusions; promotions: the
monthly pack cap's counters

Revision ID: 0021_member_packs
Revises: 0020_search_clicks
Create Date: 2026-12-04 17:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0021_member_packs"
down_revision: str | None = "0020_search_clicks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("membership_tier", sa.Column("pack_active_days", sa.Integer(), nullable=True))
    op.add_column("membership_tier", sa.Column("pack_monthly_cap", sa.Integer(), nullable=True))
    op.create_table(
        "membership_price_exclusion",
        sa.Column("id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('product', 'category')",
            name=op.f("ck_membership_price_exclusion_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_price_exclusion")),
        sa.UniqueConstraint(
            "kind", "ref_id", name=op.f("uq_membership_price_exclusion_kind_ref_id")
        ),
    )
    op.create_table(
        "promotions_pack_count",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.CheckConstraint("taken >= 0", name=op.f("ck_promotions_pack_count_taken_non_negative")),
        sa.PrimaryKeyConstraint("level", "period", name=op.f("pk_promotions_pack_count")),
    )
    op.create_table(
        "promotions_pack_slot",
        sa.Column("id", BigId, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("member_id", BigId, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions_pack_slot")),
        sa.UniqueConstraint(
            "level",
            "period",
            "member_id",
            name=op.f("uq_promotions_pack_slot_level_period_member_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("promotions_pack_slot")
    op.drop_table("promotions_pack_count")
    op.drop_table("membership_price_exclusion")
    with op.batch_alter_table("membership_tier") as batch:
        batch.drop_column("pack_monthly_cap")
        batch.drop_column("pack_active_days")
