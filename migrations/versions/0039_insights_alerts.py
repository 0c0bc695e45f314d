"""insights: metric alerts (insights_alerts_channel, _monitor, _check, _incident with one
unresolved incident per monitor, _notification unique per incident and channel, _attempt,
_timeline, _inbox_read)

Revision ID: 0039_insights_alerts
Revises: 0042_openapi_apps
Create Date: 2026-12-05 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0039_insights_alerts"
down_revision: str | None = "0042_openapi_apps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insights_alerts_channel",
        sa.Column("id", BigId, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=1000), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("secret_hint", sa.String(length=8), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('wecom', 'dingtalk', 'email', 'webhook')",
            name=op.f("ck_insights_alerts_channel_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_alerts_channel")),
    )
    op.create_table(
        "insights_alerts_inbox_read",
        sa.Column("staff_id", BigId, autoincrement=False, nullable=False),
        sa.Column("last_incident_id", BigId, nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_insights_alerts_inbox_read")),
    )
    op.create_table(
        "insights_alerts_monitor",
        sa.Column("id", BigId, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column(
            "rule",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("resolve_after", sa.Integer(), nullable=False),
        sa.Column(
            "channel_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("silenced_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("last_bucket_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", BigId, nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "grain IN ('hour', 'day')", name=op.f("ck_insights_alerts_monitor_grain_known")
        ),
        sa.CheckConstraint(
            "resolve_after >= 1 AND resolve_after <= 100",
            name=op.f("ck_insights_alerts_monitor_resolve_after_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_alerts_monitor")),
    )
    op.create_index(
        "ix_insights_alerts_monitor_is_active",
        "insights_alerts_monitor",
        ["is_active"],
        unique=False,
    )
    op.create_table(
        "insights_alerts_check",
        sa.Column("id", BigId, nullable=False),
        sa.Column("monitor_id", BigId, nullable=False),
        sa.Column("bucket_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("expected", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("is_firing", sa.Boolean(), nullable=False),
        sa.Column("is_muted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("checked_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["insights_alerts_monitor.id"],
            name=op.f("fk_insights_alerts_check_monitor_id_insights_alerts_monitor"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_alerts_check")),
        sa.UniqueConstraint(
            "monitor_id", "bucket_at", name=op.f("uq_insights_alerts_check_monitor_id_bucket_at")
        ),
    )
    op.create_table(
        "insights_alerts_incident",
        sa.Column("id", BigId, nullable=False),
        sa.Column("monitor_id", BigId, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bucket_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("expected", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("normal_streak", sa.Integer(), nullable=False),
        sa.Column("last_firing_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", BigId, nullable=True),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", BigId, nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'acknowledged', 'resolved')",
            name=op.f("ck_insights_alerts_incident_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["insights_alerts_monitor.id"],
            name=op.f("fk_insights_alerts_incident_monitor_id_insights_alerts_monitor"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_alerts_incident")),
    )
    op.create_index(
        "ix_insights_alerts_incident_status_id",
        "insights_alerts_incident",
        ["status", "id"],
        unique=False,
    )
    op.create_index(
        "uq_insights_alerts_incident_unresolved",
        "insights_alerts_incident",
        ["monitor_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'resolved'"),
        sqlite_where=sa.text("status <> 'resolved'"),
    )
    op.create_table(
        "insights_alerts_notification",
        sa.Column("id", BigId, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("channel_id", BigId, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'retry', 'sent', 'failed')",
            name=op.f("ck_insights_alerts_notification_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["insights_alerts_channel.id"],
            name=op.f("fk_insights_alerts_notification_channel_id_insights_alerts_channel"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["insights_alerts_incident.id"],
            name=op.f("fk_insights_alerts_notification_incident_id_insights_alerts_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_alerts_notification")),
        sa.UniqueConstraint(
            "incident_id",
            "channel_id",
            name=op.f("uq_insights_alerts_notification_incident_id_channel_id"),
        ),
    )
    op.create_index(
        "ix_insights_alerts_notification_status_next",
        "insights_alerts_notification",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_table(
        "insights_alerts_timeline",
        sa.Column("id", BigId, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("staff_id", BigId, nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('opened', 'acknowledged', 'resolved', 'comment', 'notified', 'failed')",
            name=op.f("ck_insights_alerts_timeline_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["insights_alerts_incident.id"],
            name=op.f("fk_insights_alerts_timeline_incident_id_insights_alerts_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_alerts_timeline")),
    )
    op.create_index(
        "ix_insights_alerts_timeline_incident_id_id",
        "insights_alerts_timeline",
        ["incident_id", "id"],
        unique=False,
    )
    op.create_table(
        "insights_alerts_attempt",
        sa.Column("id", BigId, nullable=False),
        sa.Column("notification_id", BigId, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("is_success", sa.Boolean(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("attempted_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["insights_alerts_notification.id"],
            name=op.f("fk_insights_alerts_attempt_notification_id_insights_alerts_notification"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_alerts_attempt")),
    )
    op.create_index(
        "ix_insights_alerts_attempt_notification_id",
        "insights_alerts_attempt",
        ["notification_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_insights_alerts_attempt_notification_id", table_name="insights_alerts_attempt"
    )
    op.drop_table("insights_alerts_attempt")
    op.drop_index(
        "ix_insights_alerts_timeline_incident_id_id", table_name="insights_alerts_timeline"
    )
    op.drop_table("insights_alerts_timeline")
    op.drop_index(
        "ix_insights_alerts_notification_status_next", table_name="insights_alerts_notification"
    )
    op.drop_table("insights_alerts_notification")
    op.drop_index(
        "uq_insights_alerts_incident_unresolved",
        table_name="insights_alerts_incident",
        postgresql_where=sa.text("status <> 'resolved'"),
        sqlite_where=sa.text("status <> 'resolved'"),
    )
    op.drop_index("ix_insights_alerts_incident_status_id", table_name="insights_alerts_incident")
    op.drop_table("insights_alerts_incident")
    op.drop_table("insights_alerts_check")
    op.drop_index("ix_insights_alerts_monitor_is_active", table_name="insights_alerts_monitor")
    op.drop_table("insights_alerts_monitor")
    op.drop_table("insights_alerts_inbox_read")
    op.drop_table("insights_alerts_channel")
