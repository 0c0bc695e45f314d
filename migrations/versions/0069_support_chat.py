"""support: customer-service chat (在线客服): conversations (one open per shopper), messages and
quick replies

Revision ID: 0069_support_chat
Revises: 0067_campaigns
Create Date: 2026-12-05 17:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0069_support_chat"
down_revision: str | None = "0067_campaigns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "support_conversation",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("queued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_message_id", sa.BigInteger(), nullable=False),
        sa.Column("member_read_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_read_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'active', 'closed')",
            name=op.f("ck_support_conversation_status_known"),
        ),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 5)",
            name=op.f("ck_support_conversation_rating_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_conversation")),
    )
    op.create_index(
        "uq_support_conversation_open",
        "support_conversation",
        ["member_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'closed'"),
        sqlite_where=sa.text("status <> 'closed'"),
    )
    op.create_index(
        "ix_support_conversation_status_queue",
        "support_conversation",
        ["status", "priority", "queued_at"],
    )
    op.create_index(
        "ix_support_conversation_member_id_id", "support_conversation", ["member_id", "id"]
    )
    op.create_table(
        "support_message",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("sender", sa.String(8), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "sender IN ('member', 'staff', 'system')", name=op.f("ck_support_message_sender_known")
        ),
        sa.CheckConstraint(
            "kind IN ('text', 'image', 'order', 'product', 'event')",
            name=op.f("ck_support_message_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_message")),
    )
    op.create_index(
        "ix_support_message_conversation_id_id", "support_message", ["conversation_id", "id"]
    )
    op.create_table(
        "support_quick_reply",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("title", sa.String(50), nullable=False),
        sa.Column("content", sa.String(1000), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_quick_reply")),
    )


def downgrade() -> None:
    op.drop_table("support_quick_reply")
    op.drop_index("ix_support_message_conversation_id_id", table_name="support_message")
    op.drop_table("support_message")
    op.drop_index("ix_support_conversation_member_id_id", table_name="support_conversation")
    op.drop_index("ix_support_conversation_status_queue", table_name="support_conversation")
    op.drop_index("uq_support_conversation_open", table_name="support_conversation")
    op.drop_table("support_conversation")
