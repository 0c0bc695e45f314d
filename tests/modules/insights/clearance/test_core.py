"""The clearance core on synthetic data: a planted elasticity is recovered within its interval,
a festival that coincided with the markdowns is taken out by its control, thin data leans on
the category, and the planner clears by the date at the best margin without
ever going under the floor (property test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplet.modules.insights.clearance import core
from shoplet.modules.insights.clearance.core import Problem


def synthetic(
    beta: float, weeks: int, *, seed: int, base: float = 40.0
) -> tuple[list[float], list[float]]:
    """Weeks at list price and at 10–40 % markdowns, Poisson sales around q0·(p/p0)^β."""
    rng = np.random.default_rng(seed)
    p0 = 9900.0
    prices = [p0 * (1 - 0.1 * int(rng.integers(0, 5))) for _ in range(weeks)]
    units = [float(rng.poisson(base * (p / p0) ** beta)) for p in prices]
    return prices, units


@pytest.mark.parametrize(("beta", "seed"), [(-2.0, 1), (-1.2, 2), (-3.0, 3), (-0.8, 4)])
def test_a_planted_elasticity_is_recovered_within_its_interval(beta: float, seed: int) -> None:
    prices, units = synthetic(beta, 52, seed=seed)
    found = core.estimate(prices, units, prior=-1.5)
    assert found.low <= beta <= found.high, found
    assert found.value == pytest.approx(beta, abs=0.35)
    assert found.weight > 0.8  # a year of varied prices: mostly the SKU's own data
    assert found.distinct_prices >= 4


def test_thin_data_leans_on_the_category() -> None:
    prices, units = synthetic(-3.0, 4, seed=5, base=3)
    thin = core.estimate(prices, units, prior=-1.2)
    rich = core.estimate(*synthetic(-3.0, 52, seed=5), prior=-1.2)
    assert thin.weight < rich.weight
    assert abs(thin.value - -1.2) < abs(rich.value - -1.2)
    # A price that never changed shows no slope: the category's elasticity, its prior width.
    flat = core.estimate([9900.0] * 10, [5.0] * 10, prior=-1.2)
    assert (flat.value, flat.own, flat.weight) == (-1.2, None, 0.0)
    assert flat.low == pytest.approx(-1.2 - 1.96 * core.PRIOR_SD, abs=1e-3)


def confounded(beta: float, *, seed: int) -> tuple[list[float], list[float], list[float]]:
    """A year where the markdowns fell in 双11-like weeks that sell 2.5× on their own: prices,
    units and the festival share of each week."""
    rng = np.random.default_rng(seed)
    p0 = 9900.0
    festival = [1.0 if i % 6 == 0 else 0.0 for i in range(52)]
    prices = [p0 * (0.6 if f else 1 - 0.1 * int(rng.integers(0, 3))) for f in festival]
    units = [
        float(rng.poisson(30 * (p / p0) ** beta * (2.5 if f else 1.0)))
        for p, f in zip(prices, festival, strict=True)
    ]
    return prices, units, festival


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_a_control_takes_out_a_festival_that_coincided_with_the_markdowns(seed: int) -> None:
    prices, units, festival = confounded(-1.5, seed=seed)
    naive = core.fit_loglog(prices, units)
    controlled = core.fit_loglog(prices, units, {"festival": festival})
    assert naive is not None
    assert controlled is not None
    # Price alone reads the festival's lift as price sensitivity: far too steep.
    assert naive.slope < -2.2
    assert abs(controlled.slope - -1.5) < 2 * controlled.se + 0.1
    assert controlled.controls["festival"] == pytest.approx(math.log(2.5), abs=0.35)
    found = core.estimate(prices, units, prior=-1.5, controls={"festival": festival})
    assert found.low <= -1.5 <= found.high
    assert set(found.controls) == {"festival"}


def test_controls_the_data_cannot_carry_are_left_out() -> None:
    prices = [9900.0, 8900.0, 9900.0, 7900.0, 8900.0, 9900.0]
    units = [10.0, 14.0, 9.0, 20.0, 13.0, 11.0]
    fit = core.fit_loglog(
        prices,
        units,
        {
            "promotion": [0.0] * 6,  # never varies
            "festival": [0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            "log_price_again": [math.log(p) for p in prices],  # spanned by the price
            "holiday": [0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
            "trend": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],  # no residual degrees of freedom left
        },
    )
    assert fit is not None
    assert list(fit.controls) == ["festival", "holiday"]
    with pytest.raises(ValueError, match="trend"):
        core.fit_loglog(prices, units, {"trend": [1.0, 2.0]})


def _problem(**extra: object) -> Problem:
    values: dict[str, object] = {
        "stock": 300,
        "weeks": 6,
        "price": 10000,
        "base_units": 20.0,
        "cost": 4000,
        "floor": 4400,
        "elasticity": -2.0,
        "steps": 3,
    }
    values.update(extra)
    return Problem(**values)  # type: ignore[arg-type]


def test_the_plan_clears_by_the_date_at_the_best_margin() -> None:
    problem = _problem()
    # At full price 6 weeks sell 120 of 300: a markdown is needed.
    assert core.weekly_units(problem, 10000) * 6 < 300
    found = core.plan(problem)
    assert found.clears
    assert [s.weeks for s in found.steps] == [2, 2, 2]
    prices = [s.price for s in found.steps]
    assert prices == sorted(prices, reverse=True)
    assert found.units == pytest.approx(300)
    assert sum(s.units for s in found.steps) == pytest.approx(found.units)
    assert found.revenue == pytest.approx(sum(s.units * s.price for s in found.steps))
    # No clearing path on the grid earns more.
    spans = [2, 2, 2]
    for path in [(10000, 7000, 5000), (6000, 6000, 6000), (8000, 7000, 6000)]:
        other = core._simulate(problem, path, spans)
        assert not other.clears or other.margin <= found.margin + 1e-6


def test_stock_that_sells_out_anyway_keeps_its_price() -> None:
    found = core.plan(_problem(stock=50))
    assert found.clears
    assert found.steps[0].price == 10000
    assert found.steps[0].discount_percent == 0


def test_when_nothing_clears_the_plan_leaves_the_fewest_units() -> None:
    found = core.plan(_problem(stock=100000))
    assert not found.clears
    assert all(s.price == found.floor for s in found.steps)


@given(
    stock=st.integers(min_value=1, max_value=5000),
    weeks=st.integers(min_value=1, max_value=12),
    price=st.integers(min_value=100, max_value=1_000_000),
    cost_share=st.floats(min_value=0.0, max_value=1.0),
    margin_share=st.floats(min_value=0.0, max_value=0.5),
    base=st.floats(min_value=0.0, max_value=500.0),
    elasticity=st.floats(min_value=-6.0, max_value=-0.1),
    steps=st.integers(min_value=1, max_value=4),
)
@settings(max_examples=150, deadline=None)
def test_the_planner_never_proposes_a_price_under_the_floor(  # noqa: PLR0917
    stock: int,
    weeks: int,
    price: int,
    cost_share: float,
    margin_share: float,
    base: float,
    elasticity: float,
    steps: int,
) -> None:
    cost = int(price * cost_share)
    floor = min(price, math.ceil(cost * (1 + margin_share)))
    problem = _problem(
        stock=stock,
        weeks=weeks,
        price=price,
        cost=cost,
        floor=floor,
        base_units=base,
        elasticity=elasticity,
        steps=steps,
    )
    found = core.plan(problem)
    assert all(floor <= s.price <= price for s in found.steps)
    assert sum(s.weeks for s in found.steps) == weeks
    assert 0 <= found.leftover <= stock
