"""Short videos in 种草 posts and reviews: the uploaded videos (file, cover, frames screened by
moderation) of each module, a post's or review's ``video``, and ``review_review.has_video`` for
the 有视频 filter; ``moderation_item.video_url`` so the queue plays the video it decides on.

Revision ID: 0086_content_videos
Revises: 0083_content_challenges
Create Date: 2026-12-06 07:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0086_content_videos"
down_revision: str | None = "0083_content_challenges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _video_table(name: str, owner: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("cover_url", sa.String(length=500), nullable=False),
        sa.Column("frame_urls", sa.JSON(), nullable=False),
        sa.Column("codec", sa.String(length=16), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(owner, sa.BigInteger(), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_member_id_id", name, ["member_id", "id"], unique=False)


def upgrade() -> None:
    _video_table("content_post_video", "post_id")
    _video_table("review_video", "review_id")
    op.add_column("content_post", sa.Column("video", sa.JSON(), nullable=True))
    op.add_column("moderation_item", sa.Column("video_url", sa.String(length=500), nullable=True))
    op.add_column("review_review", sa.Column("video", sa.JSON(), nullable=True))
    op.add_column(
        "review_review",
        sa.Column("has_video", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("review_review") as batch_op:
        batch_op.drop_column("has_video")
        batch_op.drop_column("video")
    with op.batch_alter_table("moderation_item") as batch_op:
        batch_op.drop_column("video_url")
    with op.batch_alter_table("content_post") as batch_op:
        batch_op.drop_column("video")
    op.drop_index("ix_review_video_member_id_id", table_name="review_video")
    op.drop_table("review_video")
    op.drop_index("ix_content_post_video_member_id_id", table_name="content_post_video")
    op.drop_table("content_post_video")
