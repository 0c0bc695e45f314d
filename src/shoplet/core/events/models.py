"""Tables of the event plumbing: the outbox, handler idempotency and handler retries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow


class OutboxEvent(Base):
    """An event written in the same transaction as the state change it announces.

    The relay picks rows with ``published_at IS NULL`` (never a high-water mark on ``id``: on
    PostgreSQL a lower id can commit after a higher one) and marks them published once they are on
    the bus. ``attempts``/``last_error`` count relay rounds and the last relay failure.
    """

    __tablename__ = "core_outbox_event"
    __table_args__ = (
        # Only unpublished rows are ever scanned: keep that index tiny.
        Index(
            "ix_core_outbox_event_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
        Index("ix_core_outbox_event_published_at", "published_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    key: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    # W3C traceparent of the span that published the event (tracing on): the relay and the
    # handlers continue that trace.
    trace_context: Mapped[str | None] = mapped_column(String(100))


class ProcessedEvent(Base):
    """``(handler, event_id)`` committed together with the handler's own writes.

    A redelivered event finds its row and is skipped: handlers are idempotent by construction.
    """

    __tablename__ = "core_processed_event"
    __table_args__ = (UniqueConstraint("handler", "event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    handler: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str] = mapped_column(String(36))
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class EventRetry(Base):
    """A failed delivery of one event to one handler, retried with exponential backoff.

    After ``events_max_attempts`` the row is parked (``parked_at`` set) and left for an operator
    (``retry_parked``). A successful retry deletes the row in the handler's transaction.
    """

    __tablename__ = "core_event_retry"
    __table_args__ = (
        UniqueConstraint("handler", "event_id"),
        Index(
            "ix_core_event_retry_due",
            "next_attempt_at",
            postgresql_where=text("parked_at IS NULL"),
            sqlite_where=text("parked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    handler: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str] = mapped_column(String(36))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    parked_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
