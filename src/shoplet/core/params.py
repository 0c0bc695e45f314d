"""Reusable path and query parameter types: ids fit a signed 64-bit column; calendar days of
the shop's timezone (console date-range filters).

Control characters in any path or query parameter are refused before routing
(``core.input_safety.InputSafetyMiddleware``); these types bound what is left: numbers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Path, Query

from shoplet.core.errors import BadRequest
from shoplet.core.input_safety import MAX_ID

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


# -- calendar-day ranges ---------------------------------------------------------------------

SHOP_TZ = ZoneInfo("Asia/Shanghai")
"""The shop's timezone: console date filters count whole days here."""

QueryDay = Annotated[
    str | None,
    Query(
        min_length=10,
        max_length=10,
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="a calendar day YYYY-MM-DD in the shop's timezone (Asia/Shanghai), included",
    ),
]


class InvalidDateRange(BadRequest):
    code = "request.invalid_date_range"
    title = "Invalid date range"


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidDateRange(f"{name} is not a calendar day (YYYY-MM-DD): {value!r}") from None


def day_range(
    created_from: str | None, created_to: str | None
) -> tuple[datetime | None, datetime | None]:
    """Aware UTC ``[start of created_from, end of created_to)`` for the shop's calendar days,
    both days included; 400 ``request.invalid_date_range`` for an impossible day (2026-02-30)
    or ``created_from`` after ``created_to``."""
    first, last = _day(created_from, "created_from"), _day(created_to, "created_to")
    if first is not None and last is not None and first > last:
        raise InvalidDateRange("created_from must not be after created_to")
    start = datetime.combine(first, time.min, SHOP_TZ).astimezone(UTC) if first else None
    end = (
        datetime.combine(last + timedelta(days=1), time.min, SHOP_TZ).astimezone(UTC)
        if last
        else None
    )
    return start, end
