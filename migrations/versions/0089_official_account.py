"""notification: the 公众号 (WeChat Official Account): its settings (notification_oa_account),
followers linked to members by unionid (notification_oa_follower), the template message per
event (notification_oa_template) and the template-message send log (notification_oa_send)

Revision ID: 0089_official_account
Revises: 0088_catalog_models
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shoplet.core.db

revision: str = "0089_official_account"
down_revision: str | None = "0088_catalog_models"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = shoplet.core.db.UTCDateTime(timezone=True)
_EVENTS = (
    "event IN ('payment_success', 'shipped', 'groupbuy_result', 'price_drop', "
    "'back_in_stock', 'points_expiring', 'live_start')"
)
_STATUSES = (
    "status IN ('pending', 'sending', 'sent', 'unfollowed', 'openid_invalid', "
    "'template_invalid', 'field_invalid', 'failed')"
)


def upgrade() -> None:
    op.create_table(
        "notification_oa_account",
        sa.Column("id", _ID, nullable=False),
        sa.Column("appid", sa.String(length=32), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=False),
        sa.Column("aes_key_encrypted", sa.Text(), nullable=True),
        sa.Column("secret_hint", sa.String(length=8), nullable=False),
        sa.Column("miniprogram_appid", sa.String(length=32), server_default="", nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_oa_account")),
    )
    op.create_table(
        "notification_oa_follower",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("unionid", sa.String(length=64), nullable=True),
        sa.Column("member_id", _ID, nullable=True),
        sa.Column("is_following", sa.Boolean(), nullable=False),
        sa.Column("event_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("openid", name=op.f("pk_notification_oa_follower")),
    )
    op.create_index(
        "ix_notification_oa_follower_member",
        "notification_oa_follower",
        ["member_id", "is_following"],
        unique=False,
    )
    op.create_index(
        op.f("ix_notification_oa_follower_unionid"),
        "notification_oa_follower",
        ["unionid"],
        unique=False,
    )
    op.create_table(
        "notification_oa_template",
        sa.Column("id", _ID, nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=256), nullable=False),
        sa.Column("pagepath", sa.String(length=128), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=200), nullable=True),
        sa.Column("updated_at", _AT, nullable=False),
        sa.CheckConstraint(_EVENTS, name=op.f("ck_notification_oa_template_event_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_oa_template")),
        sa.UniqueConstraint("event", name=op.f("uq_notification_oa_template_event")),
    )
    op.create_table(
        "notification_oa_send",
        sa.Column("id", _ID, nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=True),
        sa.Column("template_id", sa.String(length=64), nullable=True),
        sa.Column("errcode", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("msgid", sa.BigInteger(), nullable=True),
        sa.Column("delivery", sa.String(length=20), nullable=True),
        sa.Column("not_before", _AT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("sent_at", _AT, nullable=True),
        sa.Column("claimed_at", _AT, nullable=True),
        sa.CheckConstraint(_STATUSES, name=op.f("ck_notification_oa_send_status_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_oa_send")),
        sa.UniqueConstraint("event", "member_id", "ref", name="uq_notification_oa_send_ref"),
    )
    op.create_index(
        "ix_notification_oa_send_status", "notification_oa_send", ["status", "id"], unique=False
    )
    op.create_index(
        op.f("ix_notification_oa_send_member_id"),
        "notification_oa_send",
        ["member_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_notification_oa_send_msgid"), "notification_oa_send", ["msgid"], unique=False
    )


def downgrade() -> None:
    op.drop_table("notification_oa_send")
    op.drop_table("notification_oa_template")
    op.drop_table("notification_oa_follower")
    op.drop_table("notification_oa_account")
