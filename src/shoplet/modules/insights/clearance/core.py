"""Clearance pricing, pure (no database): a SKU's price elasticity from weeks of (price, units),
shrunk towards its category's when the data is thin, and the markdown path that clears a stock
by a date at the best margin, never under a price floor.

Demand is constant-elasticity: ``units(p) = q0 · (p / p0)^β`` a week (β < 0), the curve a
log-log regression fits. The estimate is an ordinary least squares fit of
``log(units + ½) = a + β · log(price) + γ · controls`` (statsmodels, with its standard error),
where the controls take out what moves sales besides the list price — the trend, the weeks'
share of public holidays and of 618/双11 days, and how deep promotions cut what shoppers paid —
so a markdown that happened to fall in 双11 is not read as a steep demand curve. It is combined
with the category's β as a normal prior (precision-weighted: a SKU with few price changes leans
on its category, one with many on itself).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# The prior's standard deviation around the category's elasticity: how far a SKU may plausibly
# differ from its category (β between −0.5 and −2.5 around a category at −1.5).
PRIOR_SD = 0.5
DEFAULT_CATEGORY_ELASTICITY = -1.5
# Elasticities outside this range are clipped (a positive β would make markdowns sell less).
MIN_ELASTICITY, MAX_ELASTICITY = -6.0, -0.1
Z95 = 1.959964


@dataclass(frozen=True, slots=True)
class Elasticity:
    """β with its 95 % interval; ``own``/``own_se`` the SKU's regression alone (None when its
    prices never changed), ``weight`` the share of the estimate that is the SKU's own data."""

    value: float
    low: float
    high: float
    own: float | None
    own_se: float | None
    prior: float
    weight: float
    observations: int
    distinct_prices: int
    controls: dict[str, float] = field(default_factory=dict)


def clip(beta: float) -> float:
    return min(max(beta, MIN_ELASTICITY), MAX_ELASTICITY)


@dataclass(frozen=True, slots=True)
class Fit:
    """The price slope and its standard error, with the controls the regression kept (by name)
    and their coefficients."""

    slope: float
    se: float
    controls: dict[str, float]


def fit_loglog(
    prices: Sequence[float],
    units: Sequence[float],
    controls: Mapping[str, Sequence[float]] | None = None,
) -> Fit | None:
    """OLS of log(units + ½) on log(price) and the ``controls`` (a column each, e.g. trend,
    holiday share, promotion depth); None when the prices never changed (no slope to see) or
    there are fewer than three points.

    A control is kept only when it varies, is not already spanned by the columns before it, and
    the fit keeps at least two residual degrees of freedom (controls are taken in the order
    given, so the first ones matter most); the rest are dropped, down to price alone."""
    if len(prices) != len(units):
        raise ValueError("prices and units differ in length")
    if len(prices) < 3 or len({round(p, 6) for p in prices}) < 2:
        return None
    import numpy as np
    import statsmodels.api as sm

    n = len(prices)
    columns = [np.ones(n), np.log(np.asarray(prices, dtype=float))]
    kept: list[str] = []
    for name, values in (controls or {}).items():
        column = np.asarray(values, dtype=float)
        if column.shape != (n,):
            raise ValueError(f"control {name} differs in length")
        trial = np.column_stack([*columns, column])
        if n - trial.shape[1] < 2 or np.linalg.matrix_rank(trial) < trial.shape[1]:
            continue
        columns.append(column)
        kept.append(name)
    y = np.log(np.asarray(units, dtype=float) + 0.5)
    result = sm.OLS(y, np.column_stack(columns)).fit()
    slope, se = float(result.params[1]), float(result.bse[1])
    if not math.isfinite(slope):
        return None
    if not math.isfinite(se) or se <= 0:
        se = 1e-6
    return Fit(slope, se, {name: float(result.params[2 + i]) for i, name in enumerate(kept)})


def estimate(
    prices: Sequence[float],
    units: Sequence[float],
    *,
    prior: float = DEFAULT_CATEGORY_ELASTICITY,
    prior_sd: float = PRIOR_SD,
    controls: Mapping[str, Sequence[float]] | None = None,
) -> Elasticity:
    """The SKU's elasticity shrunk towards ``prior`` (its category's)."""
    fitted = fit_loglog(prices, units, controls)
    distinct = len({round(p, 6) for p in prices})
    if fitted is None:
        value, sd, own, own_se, weight = prior, prior_sd, None, None, 0.0
    else:
        own, own_se = fitted.slope, fitted.se
        w_own, w_prior = 1 / own_se**2, 1 / prior_sd**2
        weight = w_own / (w_own + w_prior)
        value = weight * own + (1 - weight) * prior
        sd = math.sqrt(1 / (w_own + w_prior))
    return Elasticity(
        value=clip(value),
        low=clip(value - Z95 * sd),
        high=clip(value + Z95 * sd),
        own=own,
        own_se=own_se,
        prior=prior,
        weight=weight,
        observations=len(prices),
        distinct_prices=distinct,
        controls={} if fitted is None else fitted.controls,
    )


@dataclass(frozen=True, slots=True)
class Step:
    """One markdown step: ``weeks`` weeks at ``price`` fen (``discount_percent`` off the current
    price), with the expected units sold, revenue and margin (fen)."""

    start_week: int
    weeks: int
    price: int
    discount_percent: int
    units: float
    revenue: float
    margin: float


@dataclass(frozen=True, slots=True)
class Plan:
    """A markdown path and its expectation; ``margin`` counts the leftover at its salvage value
    minus its cost."""

    steps: list[Step]
    units: float
    revenue: float
    margin: float
    leftover: float
    clears: bool
    floor: int


@dataclass(frozen=True, slots=True)
class Problem:
    """What to clear: ``stock`` units within ``weeks`` weeks, selling ``base_units`` a week at the
    current price ``price`` (fen); the goods cost ``cost`` fen a unit and no price may go under
    ``floor`` fen (cost + the minimum margin). Leftover units are worth ``salvage`` fen each."""

    stock: int
    weeks: int
    price: int
    base_units: float
    cost: int
    floor: int
    elasticity: float
    steps: int = 3
    max_discount_percent: int = 70
    grid_percent: int = 5
    salvage: int = 0


def weekly_units(problem: Problem, price: int) -> float:
    return float(problem.base_units * (price / problem.price) ** problem.elasticity)


def _split(weeks: int, steps: int) -> list[int]:
    n = min(steps, weeks)
    base, extra = divmod(weeks, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def _simulate(problem: Problem, prices: Sequence[int], spans: Sequence[int]) -> Plan:
    remaining = float(problem.stock)
    steps: list[Step] = []
    week = 0
    for price, span in zip(prices, spans, strict=True):
        sold = min(remaining, weekly_units(problem, price) * span)
        remaining -= sold
        discount = round((1 - price / problem.price) * 100)
        steps.append(
            Step(week, span, price, discount, sold, sold * price, sold * (price - problem.cost))
        )
        week += span
    # The margin on the whole stock: what the sold units earn over their cost, and what the
    # leftover is worth (``salvage``) minus its cost.
    margin = sum(s.margin for s in steps) + remaining * (problem.salvage - problem.cost)
    return Plan(
        steps=steps,
        units=problem.stock - remaining,
        revenue=sum(s.revenue for s in steps),
        margin=margin,
        leftover=remaining,
        clears=remaining < 0.5,
        floor=problem.floor,
    )


def candidate_prices(problem: Problem) -> list[int]:
    """Current price and each ``grid_percent`` markdown up to ``max_discount_percent``, in fen,
    never under the floor (the floor itself is a candidate when the grid skips past it)."""
    prices: list[int] = []
    for pct in range(0, problem.max_discount_percent + 1, problem.grid_percent):
        price = round(problem.price * (100 - pct) / 100)
        if price >= problem.floor:
            prices.append(price)
    if problem.floor <= problem.price and problem.floor not in prices:
        deepest = round(problem.price * (100 - problem.max_discount_percent) / 100)
        if problem.floor >= deepest:
            prices.append(problem.floor)
    return sorted(set(prices), reverse=True)


def plan(problem: Problem) -> Plan:
    """The markdown path (prices never rising, every one at or above the floor) that clears the
    stock by the end with the best margin; when none clears, the one leaving the fewest units
    (then the best margin). Exhaustive over the price grid: 15 prices and 3 steps are 680 paths."""
    if problem.floor > problem.price:
        raise ValueError("the floor is above the current price")
    spans = _split(problem.weeks, problem.steps)
    prices = candidate_prices(problem)
    # Combinations of a descending list are the non-increasing paths; the floor is a candidate
    # whenever it is under the price, so there is at least one.
    paths = itertools.combinations_with_replacement(prices, len(spans))
    best = _simulate(problem, next(paths), spans)
    for path in paths:
        candidate = _simulate(problem, path, spans)
        if _better(candidate, best):
            best = candidate
    return best


def _better(a: Plan, b: Plan) -> bool:
    if a.clears != b.clears:
        return a.clears
    if not a.clears and abs(a.leftover - b.leftover) > 1e-9:
        return a.leftover < b.leftover
    return a.margin > b.margin + 1e-9
