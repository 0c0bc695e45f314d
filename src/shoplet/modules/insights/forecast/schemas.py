"""Requests and responses of forecasts and replenishment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import RequestModel, ResponseModel

from .series import MAX_POINTS

SeriesKind = Literal["sku", "category", "shop"]


class SeriesPoint(RequestModel):
    date: Annotated[str, StringConstraints(max_length=32)]
    # A string is accepted and checked like a CSV cell, so a non-number is a 400 with the
    # point's number (insights.forecast_invalid_value), as in the CLI.
    value: int | float | Annotated[str, StringConstraints(max_length=64)]


class ForecastRequest(RequestModel):
    series: Annotated[list[SeriesPoint], Field(max_length=MAX_POINTS)]
    season_length: int = Field(description="periods in a season: 7 daily, 52 weekly, 12 monthly")
    horizon: int = Field(description="periods to forecast, at most two seasons (and 366)")
    level: Literal[80, 90, 95] = 95
    calendar: bool = Field(
        default=True,
        description="Chinese public holidays and 618/双11 as AutoARIMA regressors",
    )


class AccuracyOut(ResponseModel):
    mape: float | None = Field(description="percent; zero actuals left out")
    smape: float | None = Field(description="percent")
    mase: float | None = Field(description="against the in-sample seasonal naive")
    folds: int


class BaselineOut(ResponseModel):
    model: str
    forecast: list[float]
    accuracy: AccuracyOut


class ForecastOut(ResponseModel):
    """A forecast with its prediction interval at ``level`` %, the model chosen by the backtest
    (rolling origin, lowest MASE) and the seasonal naive beside it."""

    frequency: Literal["daily", "weekly", "monthly"]
    dates: list[date]
    forecast: list[float]
    lower: list[float]
    upper: list[float]
    level: int
    model: str
    method: Literal["smooth", "intermittent"]
    accuracy: AccuracyOut
    baseline: BaselineOut
    candidates: dict[str, float | None]
    uses_calendar: bool


class StoredSeries(ResponseModel):
    """The latest stored daily forecast of a SKU, a category or the whole shop."""

    kind: SeriesKind
    ref_id: int
    name: str
    history_dates: list[date]
    history: list[float]
    dates: list[date]
    forecast: list[float]
    lower: list[float]
    upper: list[float]
    model: str
    method: str
    accuracy: AccuracyOut
    baseline_accuracy: AccuracyOut
    computed_at: datetime


class SeriesSummary(ResponseModel):
    kind: SeriesKind
    ref_id: int
    name: str
    model: str
    mase: float | None
    baseline_mase: float | None
    next_28_days: float


class SeriesPage(ResponseModel):
    items: list[SeriesSummary]
    next_cursor: str | None


class Run(ResponseModel):
    id: int
    day: date
    status: str
    total: int
    done: int
    requested_by: str
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ReplenishmentRow(ResponseModel):
    """One SKU: its stock against its forecast. ``days_until_stockout`` is null when the stock
    outlasts the forecast horizon; quantities are whole units."""

    sku_id: int
    product_id: int
    name: str
    spec_text: str
    available: int
    demand_7_days: float
    demand_28_days: float
    lead_time_days: int
    service_level: float
    safety_stock: float
    reorder_point: int
    suggested_quantity: int
    days_until_stockout: int | None
    model: str


class ReplenishmentList(ResponseModel):
    items: list[ReplenishmentRow]
    computed_at: datetime | None


class SettingUpdate(RequestModel):
    lead_time_days: int = Field(ge=1, le=180)
    service_level: float = Field(ge=0.5, le=0.999)


class Setting(ResponseModel):
    sku_id: int
    lead_time_days: int
    service_level: float
    updated_by: str | None
    updated_at: datetime | None


class PlannedPromotion(ResponseModel):
    id: int
    name: str
    label: str
    status: str
    starts_at: datetime
    ends_at: datetime


class CampaignWindowOut(ResponseModel):
    """A campaign of a module above promotions (``kind`` ``flashsale``), read through the
    provider it registered with promotions at start-up."""

    kind: str
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime


class PromotionPlan(ResponseModel):
    """The shop's daily forecast over the horizon with the store-wide promotions and the
    flash-sale sessions whose window overlaps it."""

    series: StoredSeries | None
    promotions: list[PlannedPromotion]
    flash_sales: list[CampaignWindowOut]
    festival_days: list[date]
    holidays: list[date]
