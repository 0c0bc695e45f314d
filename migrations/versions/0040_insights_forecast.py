"""insights: sales forecasts and replenishment (insights_forecast_run: one run per shop day
with its progress; insights_forecast_series: the latest daily forecast per SKU, category and
the shop; insights_forecast_setting: a SKU's lead time and service level)

Revision ID: 0040_insights_forecast
Revises: 0043_fulfillment_tracking
Create Date: 2026-12-05 03:31:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shoplet.core.db import BigId, UTCDateTime

revision: str = "0040_insights_forecast"
down_revision: str | None = "0043_fulfillment_tracking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insights_forecast_run",
        sa.Column("id", BigId, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_insights_forecast_run_status_known"),
        ),
        sa.CheckConstraint(
            "done >= 0 AND done <= total", name=op.f("ck_insights_forecast_run_progress_bounded")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_forecast_run")),
        sa.UniqueConstraint("day", name=op.f("uq_insights_forecast_run_day")),
    )
    op.create_table(
        "insights_forecast_series",
        sa.Column("id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", BigId, nullable=False),
        sa.Column("run_id", BigId, nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("forecast", sa.JSON(), nullable=False),
        sa.Column("lower", sa.JSON(), nullable=False),
        sa.Column("upper", sa.JSON(), nullable=False),
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("sigma", sa.Float(), nullable=False),
        sa.Column("accuracy", sa.JSON(), nullable=False),
        sa.Column("computed_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('sku', 'category', 'shop')",
            name=op.f("ck_insights_forecast_series_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_forecast_series")),
        sa.UniqueConstraint("kind", "ref_id", name="uq_insights_forecast_series_kind_ref_id"),
    )
    op.create_table(
        "insights_forecast_setting",
        sa.Column("sku_id", BigId, autoincrement=False, nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("service_level_permille", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "lead_time_days BETWEEN 1 AND 180",
            name=op.f("ck_insights_forecast_setting_lead_time_bounded"),
        ),
        sa.CheckConstraint(
            "service_level_permille BETWEEN 500 AND 999",
            name=op.f("ck_insights_forecast_setting_service_level_bounded"),
        ),
        sa.PrimaryKeyConstraint("sku_id", name=op.f("pk_insights_forecast_setting")),
    )


def downgrade() -> None:
    op.drop_table("insights_forecast_setting")
    op.drop_table("insights_forecast_series")
    op.drop_table("insights_forecast_run")
