"""Console tables: staff accounts and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow

DetailJSON = JSON().with_variant(JSONB(), "postgresql")


class Staff(Base):
    __tablename__ = "console_staff"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'operator', 'support')", name="role"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # TOTP secrets are encrypted with the PII key (SM4-GCM); the pending one awaits confirmation.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255), default=None)
    totp_pending_encrypted: Mapped[str | None] = mapped_column(String(255), default=None)
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Highest 30-second TOTP step accepted so far: a code is never accepted twice (replay guard).
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditLog(Base):
    """Who did what, when, from where. Rows are only ever inserted."""

    __tablename__ = "console_audit_log"
    __table_args__ = (
        Index("ix_console_audit_log_staff_id_id", "staff_id", "id"),
        Index("ix_console_audit_log_action_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("console_staff.id"))
    # The acting (or, for refused sign-ins, the attempted) username, kept even if renamed later.
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(DetailJSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExportJob(Base):
    """A CSV export the console asked for, written in the background (console/exports.py).

    The export resumes where it stopped: ``cursor_id`` is the last row id written and ``parts``
    the number of part files stored (``<file_key>/part-00001.csv`` …), both advanced together in
    one transaction after each part is stored, so a crashed run neither loses nor repeats rows.
    """

    __tablename__ = "console_export_job"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'expired')", name="status"
        ),
        CheckConstraint("progress >= 0 AND total >= 0 AND parts >= 0", name="counts"),
        Index("ix_console_export_job_status_id", "status", "id"),
        Index("ix_console_export_job_staff_id_id", "staff_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    staff_id: Mapped[int] = mapped_column(BigId, ForeignKey("console_staff.id"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # Filters as given (JSON values: ISO datetimes), so the job can be re-run as asked.
    filters: Mapped[dict[str, Any]] = mapped_column(DetailJSON, default=dict)
    # Decided when the job is created (owners see full phone numbers, everyone else masked).
    mask_phones: Mapped[bool] = mapped_column(Boolean, default=True)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    parts: Mapped[int] = mapped_column(default=0)
    cursor_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    file_key: Mapped[str | None] = mapped_column(String(255), default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    # Heartbeat of the run writing it: a running job not touched for a while is resumed.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
