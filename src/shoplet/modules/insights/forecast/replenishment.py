"""Replenishment maths (pure): reorder point, safety stock, order quantity, days of cover.

- lead-time demand ``D_L`` = the forecast's daily demand summed over the lead time (a forecast
  shorter than the lead time repeats its mean daily demand for the missing days);
- safety stock ``SS = z(service level) × σ × √L``, with σ the standard deviation of one-day
  forecast errors (from the backtest) and errors assumed independent from day to day;
- reorder point ``ROP = D_L + SS``, rounded up to whole units;
- suggested order: when available stock is at or below the reorder point, enough to bring it up
  to the demand over lead time + review period plus the safety stock, rounded up; else 0;
- days until stock-out: the first forecast day whose cumulative demand exceeds the available
  stock (``None`` when the horizon ends first).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist, fmean

MIN_SERVICE_LEVEL = 0.5
MAX_SERVICE_LEVEL = 0.999
DEFAULT_SERVICE_LEVEL = 0.95
DEFAULT_LEAD_TIME_DAYS = 7
DEFAULT_REVIEW_DAYS = 7
MAX_LEAD_TIME_DAYS = 180


@dataclass(frozen=True, slots=True)
class Replenishment:
    lead_time_demand: float
    safety_stock: float
    reorder_point: int
    order_up_to: int
    suggested_quantity: int
    days_until_stockout: int | None


def z_value(service_level: float) -> float:
    """The standard normal quantile of the cycle service level (0.95 → 1.6449)."""
    if not MIN_SERVICE_LEVEL <= service_level <= MAX_SERVICE_LEVEL:
        raise ValueError(
            f"service level must be in [{MIN_SERVICE_LEVEL}, {MAX_SERVICE_LEVEL}]: {service_level}"
        )
    return NormalDist().inv_cdf(service_level)


def demand_over(daily: Sequence[float], days: int) -> float:
    """Demand over the next ``days`` days: the forecast's days, then its mean for the rest."""
    if days <= 0:
        return 0.0
    known = [max(0.0, d) for d in daily[:days]]
    rest = days - len(known)
    mean = fmean(max(0.0, d) for d in daily) if daily else 0.0
    return sum(known) + rest * mean


def safety_stock(sigma: float, lead_time_days: int, service_level: float) -> float:
    return z_value(service_level) * max(0.0, sigma) * math.sqrt(max(0, lead_time_days))


def reorder_point(
    daily: Sequence[float], sigma: float, lead_time_days: int, service_level: float
) -> int:
    """``ceil(D_L + SS)``, never below zero (a service level under 50% would make SS negative,
    which the bounds refuse)."""
    value = demand_over(daily, lead_time_days) + safety_stock(sigma, lead_time_days, service_level)
    return max(0, math.ceil(round(value, 9)))


def days_until_stockout(daily: Sequence[float], available: int) -> int | None:
    """1-based day on which cumulative forecast demand first exceeds ``available``: 1 means
    the stock will not last through tomorrow; 0 when nothing is available already."""
    if available <= 0:
        return 0
    total = 0.0
    for day, demand in enumerate(daily, start=1):
        total += max(0.0, demand)
        if total > available + 1e-9:
            return day
    return None


def plan(
    daily: Sequence[float],
    sigma: float,
    *,
    available: int,
    lead_time_days: int = DEFAULT_LEAD_TIME_DAYS,
    service_level: float = DEFAULT_SERVICE_LEVEL,
    review_days: int = DEFAULT_REVIEW_DAYS,
) -> Replenishment:
    lead_demand = demand_over(daily, lead_time_days)
    ss = safety_stock(sigma, lead_time_days, service_level)
    rop = reorder_point(daily, sigma, lead_time_days, service_level)
    up_to = max(0, math.ceil(round(demand_over(daily, lead_time_days + review_days) + ss, 9)))
    suggested = max(0, up_to - available) if available <= rop else 0
    return Replenishment(
        lead_time_demand=round(lead_demand, 4),
        safety_stock=round(ss, 4),
        reorder_point=rop,
        order_up_to=up_to,
        suggested_quantity=suggested,
        days_until_stockout=days_until_stockout(daily, available),
    )
