"""wecom: broadcasts to customer groups

Revision ID: 0095_wecom_group_broadcasts
Revises: 0087_live_recordings
Create Date: 2026-12-20 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db


revision: str = "0095_wecom_group_broadcasts"
down_revision: str | None = "0087_live_recordings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("wecom_broadcast") as batch_op:
        batch_op.add_column(
            sa.Column("target", sa.String(length=16), server_default="customers", nullable=False)
        )
        batch_op.add_column(sa.Column("owners", sa.JSON(), nullable=True))
    with op.batch_alter_table("wecom_broadcast_msg") as batch_op:
        batch_op.add_column(
            sa.Column("chat_type", sa.String(length=8), server_default="single", nullable=False)
        )
    op.create_table(
        "wecom_broadcast_chat",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("broadcast_id", BIG_ID, nullable=False),
        sa.Column("msg_id", BIG_ID, nullable=True),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_broadcast_chat")),
        sa.UniqueConstraint("broadcast_id", "chat_id", name="uq_wecom_broadcast_chat"),
    )
    op.create_index("ix_wecom_broadcast_chat_msg", "wecom_broadcast_chat", ["msg_id"])
    op.create_table(
        "wecom_group_broadcast_quota",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("broadcast_id", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_group_broadcast_quota")),
        sa.UniqueConstraint("chat_id", "day", name="uq_wecom_group_broadcast_quota"),
    )


def downgrade() -> None:
    op.drop_table("wecom_group_broadcast_quota")
    op.drop_index("ix_wecom_broadcast_chat_msg", table_name="wecom_broadcast_chat")
    op.drop_table("wecom_broadcast_chat")
    with op.batch_alter_table("wecom_broadcast_msg") as batch_op:
        batch_op.drop_column("chat_type")
    with op.batch_alter_table("wecom_broadcast") as batch_op:
        batch_op.drop_column("owners")
        batch_op.drop_column("target")
