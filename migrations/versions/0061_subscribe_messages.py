"""notification: subscribe messages (notification_template per event, notification_credit per
shopper and WeChat template, notification_send: the send log)

Revision ID: 0061_subscribe_messages
Revises: 0059_risk_challenges
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0061_subscribe_messages"
down_revision: str | None = "0059_risk_challenges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = (
    "payment_success",
    "shipped",
    "groupbuy_result",
    "price_drop",
    "back_in_stock",
    "points_expiring",
)
STATUSES = (
    "pending", "sending", "sent", "refused", "params_invalid", "template_invalid",
    "field_invalid", "no_credit", "no_openid", "failed",
)  # fmt: skip


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "notification_template",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("event", sa.String(30), nullable=False),
        sa.Column("template_id", sa.String(64), nullable=False),
        sa.Column("page", sa.String(128), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(200), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("event", EVENTS), name=op.f("ck_notification_template_event_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_template")),
        sa.UniqueConstraint("event", name=op.f("uq_notification_template_event")),
    )
    op.create_table(
        "notification_credit",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("member_id", BigId, nullable=False),
        sa.Column("template_id", sa.String(64), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("accepted_total", sa.Integer(), nullable=False),
        sa.Column("rejected_total", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "credits >= 0", name=op.f("ck_notification_credit_credits_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_credit")),
        sa.UniqueConstraint("member_id", "template_id", name="uq_notification_credit_member"),
    )
    op.create_table(
        "notification_send",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("event", sa.String(30), nullable=False),
        sa.Column("member_id", BigId, nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("template_id", sa.String(64), nullable=True),
        sa.Column("errcode", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("msgid", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_notification_send_status_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_send")),
        sa.UniqueConstraint("event", "member_id", "ref", name="uq_notification_send_ref"),
    )
    op.create_index("ix_notification_send_status", "notification_send", ["status", "id"])
    op.create_index(op.f("ix_notification_send_member_id"), "notification_send", ["member_id"])


def downgrade() -> None:
    op.drop_table("notification_send")
    op.drop_table("notification_credit")
    op.drop_table("notification_template")
