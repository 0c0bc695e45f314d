"""openapi: webhook subscriptions (openapi_webhook), one delivery per event and subscription
(openapi_webhook_delivery) and every attempt to send it (openapi_webhook_attempt)

Revision ID: 0044_openapi_webhooks
Revises: 0040_insights_forecast
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0044_openapi_webhooks"
down_revision: str | None = "0049_experiments_segments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "openapi_webhook",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("secret_hint", sa.String(length=8), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["openapi_app.id"], name=op.f("fk_openapi_webhook_app_id_openapi_app")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openapi_webhook")),
    )
    op.create_index("ix_openapi_webhook_app_id_id", "openapi_webhook", ["app_id", "id"])
    op.create_table(
        "openapi_webhook_delivery",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("webhook_id", sa.BigInteger(), nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("occurred_at", _TS, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("round_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=True),
        sa.Column("lease_token", sa.String(length=36), nullable=True),
        sa.Column("lease_until", _TS, nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_latency_ms", sa.Float(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("delivered_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'delivered', 'failed', 'dead')",
            name=op.f("ck_openapi_webhook_delivery_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["openapi_webhook.id"],
            name=op.f("fk_openapi_webhook_delivery_webhook_id_openapi_webhook"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openapi_webhook_delivery")),
        sa.UniqueConstraint(
            "webhook_id",
            "event_id",
            name=op.f("uq_openapi_webhook_delivery_webhook_id_event_id"),
        ),
    )
    op.create_index(
        "ix_openapi_webhook_delivery_due",
        "openapi_webhook_delivery",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        "ix_openapi_webhook_delivery_app_id_id", "openapi_webhook_delivery", ["app_id", "id"]
    )
    op.create_index(
        "ix_openapi_webhook_delivery_webhook_occurred",
        "openapi_webhook_delivery",
        ["webhook_id", "occurred_at"],
    )
    op.create_table(
        "openapi_webhook_attempt",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.String(length=36), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("response_excerpt", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('ok', 'retry', 'failed', 'dead', 'abandoned')",
            name=op.f("ck_openapi_webhook_attempt_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["openapi_webhook_delivery.id"],
            name=op.f("fk_openapi_webhook_attempt_delivery_id_openapi_webhook_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openapi_webhook_attempt")),
    )
    op.create_index(
        "ix_openapi_webhook_attempt_delivery_id_id",
        "openapi_webhook_attempt",
        ["delivery_id", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_openapi_webhook_attempt_delivery_id_id", table_name="openapi_webhook_attempt")
    op.drop_table("openapi_webhook_attempt")
    op.drop_index(
        "ix_openapi_webhook_delivery_webhook_occurred", table_name="openapi_webhook_delivery"
    )
    op.drop_index("ix_openapi_webhook_delivery_app_id_id", table_name="openapi_webhook_delivery")
    op.drop_index("ix_openapi_webhook_delivery_due", table_name="openapi_webhook_delivery")
    op.drop_table("openapi_webhook_delivery")
    op.drop_index("ix_openapi_webhook_app_id_id", table_name="openapi_webhook")
    op.drop_table("openapi_webhook")
