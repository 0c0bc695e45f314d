"""Parsing a ``date,value`` series: frequencies, and every refusal with its code and line."""

from __future__ import annotations

from datetime import date

import pytest

from shoplet.modules.insights.forecast.series import (
    SeriesError,
    calendar_regressors,
    festival_day,
    parse_series,
    public_holiday,
)


def _rows(dates: list[str], values: list[str] | None = None) -> list[tuple[int, str, str]]:
    values = values or [str(i) for i in range(len(dates))]
    return [(i + 2, d, v) for i, (d, v) in enumerate(zip(dates, values, strict=True))]


def _monthly(n: int, start_year: int = 2020) -> list[str]:
    return [f"{start_year + i // 12}-{i % 12 + 1:02d}-01" for i in range(n)]


def test_frequencies() -> None:
    assert parse_series(_rows(_monthly(24)), season_length=12, horizon=12).frequency == "monthly"
    daily = [date(2024, 2, 24 + i).isoformat() for i in range(6)] + ["2024-03-01", "2024-03-02"]
    assert parse_series(_rows(daily), season_length=1, horizon=1).frequency == "daily"  # 29 Feb
    with pytest.raises(SeriesError) as exc:
        parse_series(_rows([*daily, "2024-03-02"]), season_length=1, horizon=1)
    assert (exc.value.code, exc.value.line) == ("insights.forecast_duplicate_date", 10)
    weekly = [date.fromordinal(date(2024, 1, 1).toordinal() + 7 * i).isoformat() for i in range(10)]
    series = parse_series(_rows(weekly), season_length=4, horizon=8)
    assert series.frequency == "weekly"
    assert series.future_dates(1) == [date(2024, 3, 11)]


@pytest.mark.parametrize(
    ("rows", "season", "horizon", "code", "line"),
    [
        (_rows(_monthly(23)), 12, 12, "insights.forecast_too_short", None),
        (_rows(_monthly(5)), 1, 1, "insights.forecast_too_short", None),
        (_rows(_monthly(24)), 12, 25, "insights.forecast_horizon_too_long", None),
        (_rows(_monthly(24)), 12, 0, "insights.forecast_horizon_too_long", None),
        (_rows(_monthly(24)), 0, 1, "insights.forecast_invalid_season", None),
        (_rows(_monthly(4) + _monthly(25)[5:]), 12, 12, "insights.forecast_gap", 6),
        (
            _rows(_monthly(24), ["1"] * 5 + ["abc"] + ["1"] * 18),
            12,
            12,
            "insights.forecast_invalid_value",
            7,
        ),
        (
            _rows(_monthly(24), ["1"] * 5 + ["nan"] + ["1"] * 18),
            12,
            12,
            "insights.forecast_invalid_value",
            7,
        ),
        (
            _rows([*_monthly(2), "2020-13-01", *_monthly(24)[3:]]),
            12,
            12,
            "insights.forecast_invalid_date",
            4,
        ),
        (
            _rows([*_monthly(2), "2020-02-01", *_monthly(24)[3:]]),
            12,
            12,
            "insights.forecast_duplicate_date",
            4,
        ),
    ],
)
def test_refusals(
    rows: list[tuple[int, str, str]], season: int, horizon: int, code: str, line: int | None
) -> None:
    with pytest.raises(SeriesError) as exc:
        parse_series(rows, season_length=season, horizon=horizon)
    assert (exc.value.code, exc.value.line) == (code, line)


def test_calendar() -> None:
    assert festival_day(date(2025, 11, 11))
    assert festival_day(date(2025, 6, 18))
    assert not festival_day(date(2025, 6, 19))
    assert public_holiday(date(2025, 10, 1))  # National Day
    assert not public_holiday(date(2025, 10, 11))  # a plain Saturday
    assert not public_holiday(date(2099, 1, 1))  # beyond the calendar's data
    ((holidays, festival),) = calendar_regressors([date(2025, 10, 1)], "monthly")
    assert holidays == pytest.approx(8 / 31)  # 1-8 October 2025
    assert festival == 0.0
