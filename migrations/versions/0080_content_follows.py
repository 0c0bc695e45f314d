"""content: favourites of posts (content_post_favorite, content_post.favorite_count) and
follows of authors (content_follow, never oneself)

Revision ID: 0080_content_follows
Revises: 0078_order_line_price_source
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0080_content_follows"
down_revision: str | None = "0078_order_line_price_source"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("content_post") as batch:
        batch.add_column(
            sa.Column("favorite_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_content_post_favorite_count_non_negative"), "favorite_count >= 0"
        )
    op.create_table(
        "content_post_favorite",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_post_favorite")),
        sa.UniqueConstraint(
            "member_id", "post_id", name=op.f("uq_content_post_favorite_member_id_post_id")
        ),
    )
    op.create_index(
        "ix_content_post_favorite_member_id_id",
        "content_post_favorite",
        ["member_id", "id"],
        unique=False,
    )
    op.create_table(
        "content_follow",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("follower_id", sa.BigInteger(), nullable=False),
        sa.Column("followee_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("follower_id <> followee_id", name=op.f("ck_content_follow_not_self")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_follow")),
        sa.UniqueConstraint(
            "follower_id", "followee_id", name=op.f("uq_content_follow_follower_id_followee_id")
        ),
    )
    op.create_index(
        "ix_content_follow_followee_id", "content_follow", ["followee_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_content_follow_followee_id", table_name="content_follow")
    op.drop_table("content_follow")
    op.drop_index("ix_content_post_favorite_member_id_id", table_name="content_post_favorite")
    op.drop_table("content_post_favorite")
    with op.batch_alter_table("content_post") as batch:
        batch.drop_constraint(op.f("ck_content_post_favorite_count_non_negative"), type_="check")
        batch.drop_column("favorite_count")
