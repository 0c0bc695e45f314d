"""content: product Q&A (content_question, content_answer), posts and topics (content_post,
content_post_image, content_topic, content_comment), likes unique per member (content_like),
answer notices (content_notice); moderation_item gets an index on (member_id, id) for 我的内容

Revision ID: 0057_content_posts
Revises: 0051_invoices
Create Date: 2026-12-05 10:41:17.667356
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import shoplet.core.db


revision: str = "0057_content_posts"
down_revision: str | None = "0051_invoices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_answer",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("question_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("is_merchant", sa.Boolean(), nullable=False),
        sa.Column("nickname", sa.String(length=32), nullable=False),
        sa.Column("content", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("like_count", sa.Integer(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'removed')",
            name=op.f("ck_content_answer_status_known"),
        ),
        sa.CheckConstraint(
            "like_count >= 0", name=op.f("ck_content_answer_like_count_non_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_answer")),
    )
    op.create_index(
        "ix_content_answer_member_id_id", "content_answer", ["member_id", "id"], unique=False
    )
    op.create_index(
        "ix_content_answer_question_id_status_id",
        "content_answer",
        ["question_id", "status", "id"],
        unique=False,
    )
    op.create_table(
        "content_comment",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("nickname", sa.String(length=32), nullable=False),
        sa.Column("content", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'removed')",
            name=op.f("ck_content_comment_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_comment")),
    )
    op.create_index(
        "ix_content_comment_member_id_id", "content_comment", ["member_id", "id"], unique=False
    )
    op.create_index(
        "ix_content_comment_post_id_status_id",
        "content_comment",
        ["post_id", "status", "id"],
        unique=False,
    )
    op.create_table(
        "content_like",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "subject_type IN ('answer', 'post')", name=op.f("ck_content_like_subject_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_like")),
        sa.UniqueConstraint(
            "subject_type",
            "subject_id",
            "member_id",
            name=op.f("uq_content_like_subject_type_subject_id_member_id"),
        ),
    )
    op.create_table(
        "content_notice",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.BigInteger(), nullable=False),
        sa.Column("question_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("is_read", sa.Boolean(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_notice")),
        sa.UniqueConstraint("kind", "ref_id", name=op.f("uq_content_notice_kind_ref_id")),
    )
    op.create_index(
        "ix_content_notice_member_id_id", "content_notice", ["member_id", "id"], unique=False
    )
    op.create_table(
        "content_post",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("nickname", sa.String(length=32), nullable=False),
        sa.Column("topic_id", sa.BigInteger(), nullable=True),
        sa.Column("content", sa.String(length=2000), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("is_pinned", sa.Boolean(), nullable=False),
        sa.Column("like_count", sa.Integer(), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("hot_score", sa.Float(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'removed')",
            name=op.f("ck_content_post_status_known"),
        ),
        sa.CheckConstraint(
            "like_count >= 0 AND comment_count >= 0",
            name=op.f("ck_content_post_counts_non_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_post")),
    )
    op.create_index(
        "ix_content_post_member_id_id", "content_post", ["member_id", "id"], unique=False
    )
    op.create_index(
        "ix_content_post_status_hot_score", "content_post", ["status", "hot_score"], unique=False
    )
    op.create_index("ix_content_post_status_id", "content_post", ["status", "id"], unique=False)
    op.create_index(
        "ix_content_post_topic_id_status_id",
        "content_post",
        ["topic_id", "status", "id"],
        unique=False,
    )
    op.create_table(
        "content_post_image",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_post_image")),
    )
    op.create_index(
        "ix_content_post_image_member_id_id",
        "content_post_image",
        ["member_id", "id"],
        unique=False,
    )
    op.create_table(
        "content_question",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("nickname", sa.String(length=32), nullable=False),
        sa.Column("content", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer_count", sa.Integer(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'removed')",
            name=op.f("ck_content_question_status_known"),
        ),
        sa.CheckConstraint(
            "answer_count >= 0", name=op.f("ck_content_question_answer_count_non_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_question")),
    )
    op.create_index(
        "ix_content_question_member_id_id", "content_question", ["member_id", "id"], unique=False
    )
    op.create_index(
        "ix_content_question_product_id_status_id",
        "content_question",
        ["product_id", "status", "id"],
        unique=False,
    )
    op.create_table(
        "content_topic",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("post_count", sa.Integer(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "post_count >= 0", name=op.f("ck_content_topic_post_count_non_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_topic")),
        sa.UniqueConstraint("name", name=op.f("uq_content_topic_name")),
    )
    op.create_index(
        "ix_moderation_item_member_id_id", "moderation_item", ["member_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_moderation_item_member_id_id", table_name="moderation_item")
    op.drop_table("content_topic")
    op.drop_index("ix_content_question_product_id_status_id", table_name="content_question")
    op.drop_index("ix_content_question_member_id_id", table_name="content_question")
    op.drop_table("content_question")
    op.drop_index("ix_content_post_image_member_id_id", table_name="content_post_image")
    op.drop_table("content_post_image")
    op.drop_index("ix_content_post_topic_id_status_id", table_name="content_post")
    op.drop_index("ix_content_post_status_id", table_name="content_post")
    op.drop_index("ix_content_post_status_hot_score", table_name="content_post")
    op.drop_index("ix_content_post_member_id_id", table_name="content_post")
    op.drop_table("content_post")
    op.drop_index("ix_content_notice_member_id_id", table_name="content_notice")
    op.drop_table("content_notice")
    op.drop_table("content_like")
    op.drop_index("ix_content_comment_post_id_status_id", table_name="content_comment")
    op.drop_index("ix_content_comment_member_id_id", table_name="content_comment")
    op.drop_table("content_comment")
    op.drop_index("ix_content_answer_question_id_status_id", table_name="content_answer")
    op.drop_index("ix_content_answer_member_id_id", table_name="content_answer")
    op.drop_table("content_answer")
