"""Parsing and checking a ``date,value`` series (pure): one place for the CLI and the endpoint,
so both refuse the same inputs with the same stable codes and the offending line.

Frequency is read from the dates: consecutive days (daily), 7-day steps (weekly) or consecutive
months on one day of the month (monthly). Calendar regressors (Chinese public holidays from
``chinese_calendar``, and the 618 / 双11 shopping festivals) are built here too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Frequency = Literal["daily", "weekly", "monthly"]

MIN_POINTS = 8
MAX_POINTS = 5000
MAX_HORIZON = 366
MAX_SEASON_LENGTH = 366


class SeriesError(ValueError):
    """A refused series: ``code`` is the stable reason, ``line`` the 1-based line (CSV) or
    point (JSON) it is about, when there is one."""

    def __init__(self, code: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


@dataclass(frozen=True, slots=True)
class Series:
    dates: tuple[date, ...]
    values: tuple[float, ...]
    frequency: Frequency

    def future_dates(self, horizon: int) -> list[date]:
        return [step(self.dates[-1], self.frequency, i) for i in range(1, horizon + 1)]


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, d.day)


def step(d: date, frequency: Frequency, n: int = 1) -> date:
    if frequency == "daily":
        return d + timedelta(days=n)
    if frequency == "weekly":
        return d + timedelta(days=7 * n)
    return _add_months(d, n)


def _frequency(first: date, second: date) -> Frequency | None:
    if second - first == timedelta(days=1):
        return "daily"
    if second - first == timedelta(days=7):
        return "weekly"
    if first.day <= 28 and second == _add_months(first, 1):
        return "monthly"
    return None


def parse_series(
    rows: Sequence[tuple[int, str, str | float | int]],
    *,
    season_length: int,
    horizon: int,
) -> Series:
    """Check ``(line, date text, value)`` rows, in the order given, and the asked season length
    and horizon; raise :class:`SeriesError` on the first problem."""
    if not 1 <= season_length <= MAX_SEASON_LENGTH:
        raise SeriesError(
            "insights.forecast_invalid_season",
            f"the season length must be 1..{MAX_SEASON_LENGTH}, not {season_length}",
        )
    if horizon < 1:
        raise SeriesError("insights.forecast_horizon_too_long", "the horizon must be at least 1")
    cap = min(MAX_HORIZON, 2 * season_length) if season_length > 1 else MIN_POINTS
    if horizon > cap:
        raise SeriesError(
            "insights.forecast_horizon_too_long",
            f"a horizon of {horizon} is too long: at most {cap} periods "
            f"(two seasons of {season_length}, capped at {MAX_HORIZON})",
        )
    if len(rows) > MAX_POINTS:
        raise SeriesError(
            "insights.forecast_too_long", f"at most {MAX_POINTS} points, got {len(rows)}"
        )
    dates: list[date] = []
    values: list[float] = []
    seen: dict[date, int] = {}
    for line, date_text, raw in rows:
        try:
            day = date.fromisoformat(date_text.strip())
        except ValueError:
            raise SeriesError(
                "insights.forecast_invalid_date",
                f"{date_text!r} is not a date (YYYY-MM-DD)",
                line,
            ) from None
        value = _number(raw, line)
        if day in seen:
            raise SeriesError(
                "insights.forecast_duplicate_date",
                f"{day.isoformat()} is already on line {seen[day]}",
                line,
            )
        seen[day] = line
        dates.append(day)
        values.append(value)
    need = max(MIN_POINTS, 2 * season_length)
    if len(dates) < need:
        raise SeriesError(
            "insights.forecast_too_short",
            f"{len(dates)} points are too few: at least {need} "
            f"(two seasons of {season_length} and at least {MIN_POINTS})",
        )
    frequency = _frequency(dates[0], dates[1])
    if frequency is None:
        raise SeriesError(
            "insights.forecast_gap",
            f"{dates[1].isoformat()} does not follow {dates[0].isoformat()} by a day, a week "
            "or a month",
            rows[1][0],
        )
    for i in range(1, len(dates)):
        expected = step(dates[0], frequency, i)
        if dates[i] != expected:
            problem = "a gap" if dates[i] > expected else "out of order"
            raise SeriesError(
                "insights.forecast_gap",
                f"{dates[i].isoformat()} is {problem}: the {frequency} series expects "
                f"{expected.isoformat()} here",
                rows[i][0],
            )
    return Series(tuple(dates), tuple(values), frequency)


def _number(raw: str | float | int, line: int) -> float:
    if isinstance(raw, bool):
        raise SeriesError("insights.forecast_invalid_value", f"{raw!r} is not a number", line)
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        try:
            value = float(raw.strip().replace(",", ""))
        except ValueError:
            raise SeriesError(
                "insights.forecast_invalid_value", f"{raw!r} is not a number", line
            ) from None
    if not math.isfinite(value) or abs(value) > 1e15:
        raise SeriesError(
            "insights.forecast_invalid_value", f"{raw!r} is not a finite number", line
        )
    return value


# -- calendar regressors ---------------------------------------------------------------------


def festival_day(d: date) -> bool:
    """The 618 (June 1-18) and 双11 (November 1-11) shopping festivals' sale windows."""
    return (d.month == 6 and d.day <= 18) or (d.month == 11 and d.day <= 11)


def public_holiday(d: date) -> bool:
    """A Chinese statutory holiday (not a plain weekend), from ``chinese_calendar``; a year it
    does not know yet counts as no holiday."""
    import chinese_calendar

    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return False
    return bool(on_holiday and name is not None)


def _period_days(d: date, frequency: Frequency) -> list[date]:
    end = step(d, frequency)
    return [d + timedelta(days=i) for i in range((end - d).days)]


def calendar_regressors(dates: Sequence[date], frequency: Frequency) -> list[tuple[float, float]]:
    """Per period, the share of its days that are public holidays and that are festival days."""
    out = []
    for d in dates:
        days = _period_days(d, frequency)
        out.append(
            (
                sum(public_holiday(x) for x in days) / len(days),
                sum(festival_day(x) for x in days) / len(days),
            )
        )
    return out
