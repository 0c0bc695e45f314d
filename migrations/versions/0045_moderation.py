"""moderation: the merchant's sensitive-word lexicon (moderation_word) and its version
counter (moderation_lexicon), user content in the pipeline (moderation_item), its images and
their WeChat trace ids (moderation_media), and every decision (moderation_decision)

Revision ID: 0045_moderation
Revises: 0040_insights_forecast
Create Date: 2026-12-05 07:18:53
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db


revision: str = "0045_moderation"
down_revision: str | None = "0048_stores"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "moderation_decision",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_decision")),
    )
    op.create_index(
        "ix_moderation_decision_item_id_id", "moderation_decision", ["item_id", "id"], unique=False
    )
    op.create_table(
        "moderation_item",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("filter_action", sa.String(length=16), nullable=True),
        sa.Column("text_state", sa.String(length=16), nullable=False),
        sa.Column("text_label", sa.Integer(), nullable=True),
        sa.Column("text_attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("appeal_reason", sa.String(length=500), nullable=True),
        sa.Column("appealed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('checking', 'held', 'approved', 'rejected')",
            name=op.f("ck_moderation_item_status_known"),
        ),
        sa.CheckConstraint(
            "text_state IN ('pending', 'pass', 'review', 'risky', 'skipped')",
            name=op.f("ck_moderation_item_text_state_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_item")),
        sa.UniqueConstraint(
            "subject_type", "subject_id", name=op.f("uq_moderation_item_subject_type_subject_id")
        ),
    )
    op.create_index(
        "ix_moderation_item_status_id", "moderation_item", ["status", "id"], unique=False
    )
    op.create_index(
        "ix_moderation_item_text_state_id", "moderation_item", ["text_state", "id"], unique=False
    )
    op.create_table(
        "moderation_lexicon",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_lexicon")),
    )
    op.create_table(
        "moderation_media",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("trace_id", sa.String(length=64), nullable=True),
        sa.Column("label", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('queued', 'sent', 'pass', 'review', 'risky', 'skipped')",
            name=op.f("ck_moderation_media_state_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_media")),
        sa.UniqueConstraint("trace_id", name=op.f("uq_moderation_media_trace_id")),
    )
    op.create_index("ix_moderation_media_item_id", "moderation_media", ["item_id"], unique=False)
    op.create_index(
        "ix_moderation_media_state_id", "moderation_media", ["state", "id"], unique=False
    )
    op.create_table(
        "moderation_word",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('block', 'hold', 'replace')", name=op.f("ck_moderation_word_action_known")
        ),
        sa.CheckConstraint(
            "category IN ('politics', 'porn', 'abuse', 'ads', 'illegal', 'fraud', 'other')",
            name=op.f("ck_moderation_word_category_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_word")),
        sa.UniqueConstraint("word", name=op.f("uq_moderation_word_word")),
    )


def downgrade() -> None:
    op.drop_table("moderation_word")
    op.drop_index("ix_moderation_media_state_id", table_name="moderation_media")
    op.drop_index("ix_moderation_media_item_id", table_name="moderation_media")
    op.drop_table("moderation_media")
    op.drop_table("moderation_lexicon")
    op.drop_index("ix_moderation_item_text_state_id", table_name="moderation_item")
    op.drop_index("ix_moderation_item_status_id", table_name="moderation_item")
    op.drop_table("moderation_item")
    op.drop_index("ix_moderation_decision_item_id_id", table_name="moderation_decision")
    op.drop_table("moderation_decision")
