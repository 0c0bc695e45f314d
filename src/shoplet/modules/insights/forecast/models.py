"""Tables of forecasts (``insights_forecast_*``): the latest forecast per SKU and per category
(overwritten by each run), the runs with their progress, and per-SKU replenishment settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow


class ForecastRun(Base):
    """One run per Asia/Shanghai day (``day`` unique): the daily job and the console's 重新计算
    share it, so a rerun resumes the day's run rather than starting another."""

    __tablename__ = "insights_forecast_run"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("done >= 0 AND done <= total", name="progress_bounded"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ForecastSeries(Base):
    """The latest daily forecast of a SKU or a category: the recent history, the forecast and
    its band, the chosen model and its backtest against the seasonal naive."""

    __tablename__ = "insights_forecast_series"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id", name="uq_insights_forecast_series_kind_ref_id"),
        CheckConstraint("kind IN ('sku', 'category', 'shop')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(BigId)
    run_id: Mapped[int] = mapped_column(BigId)
    start_day: Mapped[date] = mapped_column(Date)  # first day of ``history``
    history: Mapped[list[float]] = mapped_column(JSON)
    forecast: Mapped[list[float]] = mapped_column(JSON)
    lower: Mapped[list[float]] = mapped_column(JSON)
    upper: Mapped[list[float]] = mapped_column(JSON)
    model: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(16))
    sigma: Mapped[float] = mapped_column(Float)
    accuracy: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplenishmentSetting(Base):
    """A SKU's lead time and cycle service level, edited in the console (defaults apply to a
    SKU without a row)."""

    __tablename__ = "insights_forecast_setting"
    __table_args__ = (
        CheckConstraint("lead_time_days BETWEEN 1 AND 180", name="lead_time_bounded"),
        CheckConstraint("service_level_permille BETWEEN 500 AND 999", name="service_level_bounded"),
    )

    sku_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    service_level_permille: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
