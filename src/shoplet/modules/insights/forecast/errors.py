"""Typed errors of forecasts (``insights.forecast_*``): one class per stable code, so the CLI's
and the endpoint's refusals say the same thing."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, NotFound

from .series import SeriesError


class ForecastInputError(BadRequest):
    code = "insights.forecast_invalid"
    title = "The series cannot be forecast"


class TooShort(ForecastInputError):
    code = "insights.forecast_too_short"
    title = "The series is too short"


class TooLong(ForecastInputError):
    code = "insights.forecast_too_long"
    title = "The series has too many points"


class HorizonTooLong(ForecastInputError):
    code = "insights.forecast_horizon_too_long"
    title = "The horizon is too long"


class InvalidSeason(ForecastInputError):
    code = "insights.forecast_invalid_season"
    title = "The season length is not valid"


class InvalidDate(ForecastInputError):
    code = "insights.forecast_invalid_date"
    title = "A date is not valid"


class InvalidValue(ForecastInputError):
    code = "insights.forecast_invalid_value"
    title = "A value is not a number"


class DuplicateDate(ForecastInputError):
    code = "insights.forecast_duplicate_date"
    title = "A date appears twice"


class Gap(ForecastInputError):
    code = "insights.forecast_gap"
    title = "The dates have a gap"


class InvalidSetting(BadRequest):
    code = "insights.forecast_invalid_setting"
    title = "The replenishment setting is not valid"


class SkuNotForecast(NotFound):
    code = "insights.forecast_sku_not_found"
    title = "No forecast for this SKU"


class RunNotFound(NotFound):
    code = "insights.forecast_run_not_found"
    title = "No such forecast run"


_BY_CODE: dict[str, type[ForecastInputError]] = {
    cls.code: cls
    for cls in (
        TooShort,
        TooLong,
        HorizonTooLong,
        InvalidSeason,
        InvalidDate,
        InvalidValue,
        DuplicateDate,
        Gap,
    )
}


def from_series_error(exc: SeriesError, *, unit: str = "point") -> ForecastInputError:
    cls = _BY_CODE.get(exc.code, ForecastInputError)
    detail = f"{unit} {exc.line}: {exc.message}" if exc.line is not None else exc.message
    if exc.line is not None:
        return cls(detail, line=exc.line)
    return cls(detail)
