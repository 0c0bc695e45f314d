"""support: the mini program's native customer service (客服消息): a conversation's channel
(``app`` or ``wechat``: where staff replies go) and a pushed message's WeChat ``MsgId`` (unique:
WeChat retries a push it did not see answered); cart: the price a favourite was saved at (收藏's
降价 line)

Revision ID: 0073_wechat_kf
Revises: 0071_live_sessions
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0073_wechat_kf"
down_revision: str | None = "0071_live_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("support_conversation") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(8), nullable=False, server_default=sa.text("'app'"))
        )
        batch.create_check_constraint("channel_known", "channel IN ('app', 'wechat')")
    with op.batch_alter_table("support_message") as batch:
        batch.add_column(sa.Column("wechat_msgid", sa.BigInteger(), nullable=True))
    op.create_index(
        "uq_support_message_wechat_msgid",
        "support_message",
        ["wechat_msgid"],
        unique=True,
        postgresql_where=sa.text("wechat_msgid IS NOT NULL"),
        sqlite_where=sa.text("wechat_msgid IS NOT NULL"),
    )
    with op.batch_alter_table("cart_favorite") as batch:
        batch.add_column(sa.Column("price_at_favorite", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cart_favorite") as batch:
        batch.drop_column("price_at_favorite")
    op.drop_index("uq_support_message_wechat_msgid", table_name="support_message")
    with op.batch_alter_table("support_message") as batch:
        batch.drop_column("wechat_msgid")
    with op.batch_alter_table("support_conversation") as batch:
        batch.drop_constraint("channel_known", type_="check")
        batch.drop_column("channel")
