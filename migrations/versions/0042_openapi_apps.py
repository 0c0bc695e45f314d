"""openapi: partner apps (openapi_app), their encrypted signing secrets (openapi_secret), OAuth2
bearer tokens by hash (openapi_token), idempotent writes' first answers (openapi_idempotency)
and the partner access log (openapi_access_log)

Revision ID: 0042_openapi_apps
Revises: 0037_analytics_profiles
Create Date: 2026-12-05 03:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0042_openapi_apps"
down_revision: str | None = "0037_analytics_profiles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "openapi_app",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("app_key", sa.String(length=40), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=False),
        sa.Column("ip_allowlist", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rate_limit_per_minute >= 1", name=op.f("ck_openapi_app_rate_limit_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openapi_app")),
        sa.UniqueConstraint("app_key", name=op.f("uq_openapi_app_app_key")),
    )
    op.create_table(
        "openapi_secret",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"], ["openapi_app.id"], name=op.f("fk_openapi_secret_app_id_openapi_app")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openapi_secret")),
    )
    op.create_index("ix_openapi_secret_app_id_id", "openapi_secret", ["app_id", "id"])
    op.create_table(
        "openapi_token",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["openapi_app.id"], name=op.f("fk_openapi_token_app_id_openapi_app")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openapi_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_openapi_token_token_hash")),
    )
    op.create_index("ix_openapi_token_expires_at", "openapi_token", ["expires_at"])
    op.create_table(
        "openapi_idempotency",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openapi_idempotency")),
        sa.UniqueConstraint("app_id", "key", name=op.f("uq_openapi_idempotency_app_id_key")),
    )
    op.create_index("ix_openapi_idempotency_created_at", "openapi_idempotency", ["created_at"])
    op.create_table(
        "openapi_access_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openapi_access_log")),
    )
    op.create_index("ix_openapi_access_log_app_id_id", "openapi_access_log", ["app_id", "id"])
    op.create_index("ix_openapi_access_log_created_at", "openapi_access_log", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_openapi_access_log_created_at", table_name="openapi_access_log")
    op.drop_index("ix_openapi_access_log_app_id_id", table_name="openapi_access_log")
    op.drop_table("openapi_access_log")
    op.drop_index("ix_openapi_idempotency_created_at", table_name="openapi_idempotency")
    op.drop_table("openapi_idempotency")
    op.drop_index("ix_openapi_token_expires_at", table_name="openapi_token")
    op.drop_table("openapi_token")
    op.drop_index("ix_openapi_secret_app_id_id", table_name="openapi_secret")
    op.drop_table("openapi_secret")
    op.drop_table("openapi_app")
