"""Replenishment maths, exact on hand-made cases, and its monotonicity as a property."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.insights.forecast import replenishment as r


def test_reorder_point_by_hand() -> None:
    daily = [10.0] * 28
    # D_L = 7 × 10 = 70; SS = z(0.95) × 4 × √7 = 1.6448536 × 10.583005 = 17.4075…
    ss = 1.6448536269514722 * 4 * math.sqrt(7)
    assert r.safety_stock(4, 7, 0.95) == pytest.approx(ss)
    assert r.reorder_point(daily, 4, 7, 0.95) == math.ceil(70 + ss) == 88
    plan = r.plan(daily, 4, available=80, lead_time_days=7, service_level=0.95, review_days=7)
    # Order up to 14 days of demand + SS = ceil(140 + 17.41) = 158; 158 − 80 = 78.
    assert plan.reorder_point == 88
    assert plan.order_up_to == 158
    assert plan.suggested_quantity == 78
    assert plan.days_until_stockout == 9  # 80 units last 8 days; day 9 needs the 81st
    assert plan.lead_time_demand == 70.0


def test_no_order_above_the_reorder_point() -> None:
    plan = r.plan([2.0] * 28, 0.0, available=100, lead_time_days=5, service_level=0.9)
    assert (plan.reorder_point, plan.suggested_quantity, plan.days_until_stockout) == (10, 0, None)


def test_a_lead_time_longer_than_the_forecast_repeats_its_mean() -> None:
    assert r.demand_over([1.0, 3.0], 5) == 1 + 3 + 3 * 2.0
    assert r.demand_over([], 5) == 0.0
    assert r.demand_over([-1.0, 2.0], 2) == 2.0


def test_days_until_stockout_edges() -> None:
    assert r.days_until_stockout([1.0, 1.0], 0) == 0
    assert r.days_until_stockout([5.0, 5.0], 5) == 2
    assert r.days_until_stockout([5.0, 5.0], 10) is None
    assert r.days_until_stockout([6.0], 5) == 1


def test_z_of_the_service_level() -> None:
    assert r.z_value(0.5) == 0.0
    assert r.z_value(0.95) == pytest.approx(1.6448536)
    assert r.z_value(0.99) == pytest.approx(2.3263479)
    with pytest.raises(ValueError, match="service level"):
        r.z_value(1.0)


daily_demand = st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=60)
sigmas = st.floats(0, 500, allow_nan=False)
levels = st.floats(r.MIN_SERVICE_LEVEL, r.MAX_SERVICE_LEVEL, allow_nan=False)
leads = st.integers(0, r.MAX_LEAD_TIME_DAYS)


@given(daily_demand, sigmas, leads, levels, levels)
def test_reorder_point_is_monotone_in_the_service_level(
    daily: list[float], sigma: float, lead: int, a: float, b: float
) -> None:
    low, high = sorted((a, b))
    assert r.reorder_point(daily, sigma, lead, low) <= r.reorder_point(daily, sigma, lead, high)


@given(daily_demand, sigmas, leads, leads, levels)
def test_reorder_point_is_monotone_in_the_lead_time(
    daily: list[float], sigma: float, a: int, b: int, level: float
) -> None:
    short, long = sorted((a, b))
    assert r.reorder_point(daily, sigma, short, level) <= r.reorder_point(daily, sigma, long, level)


@given(daily_demand, sigmas, leads, levels, st.integers(0, 10_000))
def test_an_order_brings_stock_above_the_reorder_point(
    daily: list[float], sigma: float, lead: int, level: float, available: int
) -> None:
    plan = r.plan(daily, sigma, available=available, lead_time_days=lead, service_level=level)
    assert plan.suggested_quantity >= 0
    if plan.suggested_quantity:
        assert available + plan.suggested_quantity >= plan.reorder_point
