"""Open-platform tables.

``openapi_app`` is a partner app (a later slice subscribes apps to webhooks on it).
``openapi_secret`` holds an app's signing secrets, SM4-encrypted (``core.security.PiiCipher``):
several are valid at once only during a rotation's overlap, until the old one's ``expires_at``.
``openapi_token`` keeps only the SHA-256 of each OAuth2 bearer token. ``openapi_idempotency``
remembers the first answer to each ``Idempotency-Key`` of an app; the unique key makes a
concurrent retry wait for the first one's commit and then replay it. ``openapi_access_log`` is
append-only, written in batches after the responses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId


class App(Base):
    __tablename__ = "openapi_app"
    __table_args__ = (
        UniqueConstraint("app_key"),
        CheckConstraint("rate_limit_per_minute >= 1", name="rate_limit_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    app_key: Mapped[str] = mapped_column(String(40))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer)
    ip_allowlist: Mapped[list[str]] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Secret(Base):
    __tablename__ = "openapi_secret"
    __table_args__ = (Index("ix_openapi_secret_app_id_id", "app_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("openapi_app.id"))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    # The last four characters, so the console can tell secrets apart without showing them.
    hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    # None: valid until a rotation sets it; a secret is accepted while ``now < expires_at``.
    expires_at: Mapped[datetime | None]


class Token(Base):
    __tablename__ = "openapi_token"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        Index("ix_openapi_token_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("openapi_app.id"))
    token_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class IdempotentRequest(Base):
    __tablename__ = "openapi_idempotency"
    __table_args__ = (
        UniqueConstraint("app_id", "key"),
        Index("ix_openapi_idempotency_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(100))
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class AccessLog(Base):
    __tablename__ = "openapi_access_log"
    __table_args__ = (
        Index("ix_openapi_access_log_app_id_id", "app_id", "id"),
        Index("ix_openapi_access_log_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    app_id: Mapped[int | None] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)
    ip: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
