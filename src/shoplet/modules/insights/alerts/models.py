"""Tables of metric alerts (``insights_alerts_*``): channels, monitors, one check per monitor
and bucket (the stored series of what was evaluated), incidents with their timeline, one
notification per (incident, channel) and each attempt to send it, and each staff member's read
mark of the console inbox.

Uniqueness carries the idempotency: a check is unique per (monitor, bucket), so two workers
never evaluate a bucket twice; at most one incident per monitor is not resolved (a partial
unique index); a notification is unique per (incident, channel) and is claimed by a conditional
``UPDATE`` before it is sent, so one incident notifies each channel once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

Json = JSON().with_variant(JSONB(), "postgresql")

CHANNEL_KINDS = ("wecom", "dingtalk", "email", "webhook")
GRAINS = ("hour", "day")
INCIDENT_STATUSES = ("open", "acknowledged", "resolved")
NOTIFICATION_STATUSES = ("pending", "sending", "retry", "sent", "failed")
TIMELINE_KINDS = ("opened", "acknowledged", "resolved", "comment", "notified", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# Literal SQL: PostgreSQL matches ON CONFLICT … WHERE to the partial index only without params.
UNRESOLVED_WHERE = text("status <> 'resolved'")


class Channel(Base):
    """Where alerts go. ``target`` is what may be shown (recipients, a URL); ``secret`` holds the
    robot key, token and signing secret encrypted (SM4-GCM, ``ctx.pii``); ``secret_hint`` is its
    last four characters for the console."""

    __tablename__ = "insights_alerts_channel"
    __table_args__ = (CheckConstraint(_in("kind", CHANNEL_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(1000), default="")
    secret: Mapped[str | None] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(8), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Monitor(Base):
    """A metric watched by hour or by day under one rule (``rule``: ``{"kind": …, params}``),
    notifying ``channel_ids`` (and always the console inbox)."""

    __tablename__ = "insights_alerts_monitor"
    __table_args__ = (
        CheckConstraint(_in("grain", GRAINS), name="grain_known"),
        CheckConstraint("resolve_after >= 1 AND resolve_after <= 100", name="resolve_after_valid"),
        Index("ix_insights_alerts_monitor_is_active", "is_active"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    metric: Mapped[str] = mapped_column(String(32))
    grain: Mapped[str] = mapped_column(String(8))
    rule: Mapped[dict[str, Any]] = mapped_column(Json)
    resolve_after: Mapped[int] = mapped_column(Integer)
    channel_ids: Mapped[list[int]] = mapped_column(Json)
    silenced_until: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The last bucket evaluated (its start); the job evaluates each bucket once.
    last_bucket_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Check(Base):
    """One evaluation: the metric's value in a bucket, what the rule expected and its verdict."""

    __tablename__ = "insights_alerts_check"
    __table_args__ = (UniqueConstraint("monitor_id", "bucket_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    monitor_id: Mapped[int] = mapped_column(BigId, ForeignKey("insights_alerts_monitor.id"))
    bucket_at: Mapped[datetime]
    value: Mapped[float | None] = mapped_column(Float)
    expected: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    is_firing: Mapped[bool] = mapped_column(Boolean, default=False)
    is_muted: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(200), default="")
    checked_at: Mapped[datetime]


class Incident(Base):
    __tablename__ = "insights_alerts_incident"
    __table_args__ = (
        CheckConstraint(_in("status", INCIDENT_STATUSES), name="status_known"),
        Index(
            "uq_insights_alerts_incident_unresolved",
            "monitor_id",
            unique=True,
            postgresql_where=UNRESOLVED_WHERE,
            sqlite_where=UNRESOLVED_WHERE,
        ),
        Index("ix_insights_alerts_incident_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    monitor_id: Mapped[int] = mapped_column(BigId, ForeignKey("insights_alerts_monitor.id"))
    status: Mapped[str] = mapped_column(String(16))
    bucket_at: Mapped[datetime]
    value: Mapped[float | None] = mapped_column(Float)
    expected: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(200), default="")
    normal_streak: Mapped[int] = mapped_column(Integer, default=0)
    last_firing_at: Mapped[datetime]
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(BigId)
    resolved_at: Mapped[datetime | None]
    # None with resolved_at set: resolved by itself (enough normal points).
    resolved_by: Mapped[int | None] = mapped_column(BigId)


class Notification(Base):
    """The message of one incident to one channel."""

    __tablename__ = "insights_alerts_notification"
    __table_args__ = (
        UniqueConstraint("incident_id", "channel_id"),
        CheckConstraint(_in("status", NOTIFICATION_STATUSES), name="status_known"),
        Index("ix_insights_alerts_notification_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("insights_alerts_incident.id"))
    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("insights_alerts_channel.id"))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    # A claim older than this is a crashed sender's: it may be taken again.
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Attempt(Base):
    """Each try to send a notification, kept (append-only)."""

    __tablename__ = "insights_alerts_attempt"
    __table_args__ = (Index("ix_insights_alerts_attempt_notification_id", "notification_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("insights_alerts_notification.id")
    )
    number: Mapped[int] = mapped_column(Integer)
    is_success: Mapped[bool] = mapped_column(Boolean)
    code: Mapped[str] = mapped_column(String(40), default="")
    message: Mapped[str] = mapped_column(String(300), default="")
    attempted_at: Mapped[datetime]


class TimelineEntry(Base):
    """What happened to an incident: opened, acknowledged, resolved, a comment, a channel
    notified or given up on (append-only)."""

    __tablename__ = "insights_alerts_timeline"
    __table_args__ = (
        CheckConstraint(_in("kind", TIMELINE_KINDS), name="kind_known"),
        Index("ix_insights_alerts_timeline_incident_id_id", "incident_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("insights_alerts_incident.id"))
    kind: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(BigId)
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime]


class InboxRead(Base):
    """The newest incident a staff member has seen in the console inbox."""

    __tablename__ = "insights_alerts_inbox_read"

    staff_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    last_incident_id: Mapped[int] = mapped_column(BigId)
    updated_at: Mapped[datetime]
