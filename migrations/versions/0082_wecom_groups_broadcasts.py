"""wecom: welcome messages, customer groups and broadcasts

Revision ID: 0082_wecom_groups_broadcasts
Revises: 0085_cart_line_price_source
Create Date: 2026-12-06 03:49:32.107407
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import shoplet.core.db


revision: str = "0082_wecom_groups_broadcasts"
down_revision: str | None = "0085_cart_line_price_source"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wecom_broadcast",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column(
            "segment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("campaign", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("miniprogram", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("capped", sa.Integer(), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("results_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_broadcast")),
    )
    op.create_table(
        "wecom_broadcast_msg",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "broadcast_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("staff_userid", sa.String(length=64), nullable=False),
        sa.Column("msgid", sa.String(length=64), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("errcode", sa.Integer(), nullable=True),
        sa.Column("is_sent", sa.Boolean(), nullable=False),
        sa.Column("is_final", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_broadcast_msg")),
        sa.UniqueConstraint("msgid", name=op.f("uq_wecom_broadcast_msg_msgid")),
    )
    op.create_index(
        "ix_wecom_broadcast_msg_broadcast", "wecom_broadcast_msg", ["broadcast_id"], unique=False
    )
    op.create_table(
        "wecom_broadcast_quota",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "broadcast_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_broadcast_quota")),
        sa.UniqueConstraint("external_userid", "day", name="uq_wecom_broadcast_quota"),
    )
    op.create_table(
        "wecom_broadcast_recipient",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "broadcast_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("msg_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("staff_userid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_broadcast_recipient")),
        sa.UniqueConstraint("broadcast_id", "external_userid", name="uq_wecom_broadcast_recipient"),
    )
    op.create_index(
        "ix_wecom_broadcast_recipient_msg", "wecom_broadcast_recipient", ["msg_id"], unique=False
    )
    op.create_table(
        "wecom_group",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("campaign", sa.String(length=16), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("customer_count", sa.Integer(), nullable=False),
        sa.Column("group_created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dismissed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("changed_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_group")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_wecom_group_chat_id")),
    )
    op.create_index("ix_wecom_group_store", "wecom_group", ["store_id"], unique=False)
    op.create_table(
        "wecom_group_member",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("join_scene", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("campaign", sa.String(length=16), nullable=True),
        sa.Column("joined_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_group_member")),
        sa.UniqueConstraint("chat_id", "userid", name="uq_wecom_group_member"),
    )
    op.create_table(
        "wecom_join_way",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("config_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("campaign", sa.String(length=16), nullable=True),
        sa.Column("chat_ids", sa.JSON(), nullable=False),
        sa.Column("is_auto_create_room", sa.Boolean(), nullable=False),
        sa.Column("room_base_name", sa.String(length=40), nullable=False),
        sa.Column("qr_code", sa.String(length=500), nullable=False),
        sa.Column("remark", sa.String(length=30), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_join_way")),
        sa.UniqueConstraint("config_id", name=op.f("uq_wecom_join_way_config_id")),
    )
    op.create_index(op.f("ix_wecom_join_way_state"), "wecom_join_way", ["state"], unique=False)
    op.create_index("ix_wecom_join_way_store", "wecom_join_way", ["store_id"], unique=False)
    op.create_table(
        "wecom_welcome_send",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("welcome_code", sa.String(length=128), nullable=False),
        sa.Column("way_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("external_userid", sa.String(length=64), nullable=False),
        sa.Column("staff_userid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("errcode", sa.Integer(), nullable=True),
        sa.Column("received_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wecom_welcome_send")),
        sa.UniqueConstraint("welcome_code", name=op.f("uq_wecom_welcome_send_welcome_code")),
    )
    op.create_index(
        "ix_wecom_welcome_send_status",
        "wecom_welcome_send",
        ["status", "received_at"],
        unique=False,
    )
    op.add_column("wecom_contact_way", sa.Column("welcome_text", sa.Text(), nullable=True))
    op.add_column("wecom_contact_way", sa.Column("welcome_miniprogram", sa.JSON(), nullable=True))
    op.add_column(
        "wecom_contact_way",
        sa.Column("welcome_updated_at", shoplet.core.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("wecom_contact_way") as batch_op:
        batch_op.drop_column("welcome_updated_at")
        batch_op.drop_column("welcome_miniprogram")
        batch_op.drop_column("welcome_text")
    op.drop_index("ix_wecom_welcome_send_status", table_name="wecom_welcome_send")
    op.drop_table("wecom_welcome_send")
    op.drop_index("ix_wecom_join_way_store", table_name="wecom_join_way")
    op.drop_index(op.f("ix_wecom_join_way_state"), table_name="wecom_join_way")
    op.drop_table("wecom_join_way")
    op.drop_table("wecom_group_member")
    op.drop_index("ix_wecom_group_store", table_name="wecom_group")
    op.drop_table("wecom_group")
    op.drop_index("ix_wecom_broadcast_recipient_msg", table_name="wecom_broadcast_recipient")
    op.drop_table("wecom_broadcast_recipient")
    op.drop_table("wecom_broadcast_quota")
    op.drop_index("ix_wecom_broadcast_msg_broadcast", table_name="wecom_broadcast_msg")
    op.drop_table("wecom_broadcast_msg")
    op.drop_table("wecom_broadcast")
