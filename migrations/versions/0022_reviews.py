"""review: product reviews, shoppers' review photos, each product's rating counters; loyalty:
the growth a review adds (review_growth)

Revision ID: 0022_reviews
Revises: 0021_member_packs
Create Date: 2026-12-04 17:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0022_reviews"
down_revision: str | None = "0021_member_packs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_review",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("spec_text", sa.String(length=200), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("content", sa.String(length=2000), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("has_photos", sa.Boolean(), nullable=False),
        sa.Column("is_anonymous", sa.Boolean(), nullable=False),
        sa.Column("nickname", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("is_flagged", sa.Boolean(), nullable=False),
        sa.Column("growth", sa.Integer(), nullable=False),
        sa.Column("reward_seq", sa.Integer(), nullable=False),
        sa.Column("reply", sa.String(length=2000), nullable=True),
        sa.Column("replied_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("followup", sa.String(length=2000), nullable=True),
        sa.Column("followup_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("moderated_by", sa.String(length=64), nullable=True),
        sa.Column("moderated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rating >= 1 AND rating <= 5", name=op.f("ck_review_review_rating_in_range")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'hidden')",
            name=op.f("ck_review_review_status_known"),
        ),
        sa.CheckConstraint(
            "growth >= 0 AND reward_seq >= 0", name=op.f("ck_review_review_reward_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_review")),
        sa.UniqueConstraint("line_id", name=op.f("uq_review_review_line_id")),
    )
    op.create_index(
        "ix_review_review_product_id_status_id", "review_review", ["product_id", "status", "id"]
    )
    op.create_index("ix_review_review_status_id", "review_review", ["status", "id"])
    op.create_index("ix_review_review_member_id_id", "review_review", ["member_id", "id"])
    op.create_table(
        "review_photo",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("image_set", sa.JSON(), nullable=True),
        sa.Column("review_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_photo")),
    )
    op.create_index("ix_review_photo_member_id_id", "review_photo", ["member_id", "id"])
    op.create_table(
        "review_product_stats",
        sa.Column("product_id", BigId, autoincrement=False, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.Column("bad", sa.Integer(), nullable=False),
        sa.Column("with_photos", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "total >= 0 AND good >= 0 AND neutral >= 0 AND bad >= 0 AND with_photos >= 0 "
            "AND rating_sum >= 0",
            name=op.f("ck_review_product_stats_counts_non_negative"),
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_review_product_stats")),
    )
    with op.batch_alter_table("loyalty_settings") as batch:
        batch.add_column(
            sa.Column("review_growth", sa.Integer(), server_default="5", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_loyalty_settings_review_growth_in_range"),
            "review_growth >= 0 AND review_growth <= 1000",
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_settings") as batch:
        batch.drop_constraint(op.f("ck_loyalty_settings_review_growth_in_range"), type_="check")
        batch.drop_column("review_growth")
    op.drop_table("review_product_stats")
    op.drop_index("ix_review_photo_member_id_id", table_name="review_photo")
    op.drop_table("review_photo")
    op.drop_index("ix_review_review_member_id_id", table_name="review_review")
    op.drop_index("ix_review_review_status_id", table_name="review_review")
    op.drop_index("ix_review_review_product_id_status_id", table_name="review_review")
    op.drop_table("review_review")
