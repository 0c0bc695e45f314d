"""Clearance trials, pure (no database): how SKUs are split into a plan arm and a control arm,
and how the arms are compared.

Prices are never split by shopper (every shopper sees one price for a SKU): the unit of the
experiment is the SKU. SKUs are sorted by weeks of stock cover (available stock over base weekly
sales) and paired with their neighbour; a seeded coin gives one of each pair the plan, so the
arms hold alike SKUs however few there are (an odd one out goes to the control arm).

With a handful of SKUs a t-test's normal approximation is not to be trusted, so the difference
of the arms' means is tested by **randomisation inference**: the p-value is the share of the
assignments the design could have drawn (a coin per pair) whose difference is at least as large
as the one seen — all of them up to 2¹⁴, else 20 000 drawn with the seed — and the 95 % interval
inverts that test over a grid of constant effects. Under six pairs the design cannot reject any
effect at 5 % (the rarest outcome has probability 2 / 2^pairs), so no interval is given.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

EXACT_PAIRS = 14
MIN_PAIRS_FOR_INTERVAL = 6
DRAWS = 20_000
GRID = 81


@dataclass(frozen=True, slots=True)
class Unit:
    """A SKU to assign: its id and weeks of stock cover (``inf`` when it does not sell)."""

    sku_id: int
    cover_weeks: float


def assign(units: Sequence[Unit], seed: int) -> dict[int, tuple[str, int]]:
    """``{sku_id: (arm, pair)}``: matched pairs by cover, one coin per pair; pair numbers from
    0, the odd one out (when the count is odd) is ``control`` in a pair of its own."""
    ordered = sorted(units, key=lambda u: (u.cover_weeks, u.sku_id))
    rng = random.Random(seed)  # noqa: S311 - a reproducible coin per pair, not a secret
    out: dict[int, tuple[str, int]] = {}
    for pair, start in enumerate(range(0, len(ordered), 2)):
        group = ordered[start : start + 2]
        if len(group) == 1:
            out[group[0].sku_id] = ("control", pair)
            continue
        first_plan = rng.random() < 0.5
        out[group[0].sku_id] = ("plan" if first_plan else "control", pair)
        out[group[1].sku_id] = ("control" if first_plan else "plan", pair)
    return out


@dataclass(frozen=True, slots=True)
class Comparison:
    """Plan arm's mean minus the control arm's, its 95 % interval and two-sided p-value
    (randomisation inference over the pairs); ``None`` fields when an arm is empty."""

    plan_mean: float | None
    control_mean: float | None
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    pairs: int


def _signs(pairs: int, seed: int) -> Any:
    """The re-randomisations as a matrix of ±1 (a row each): every one of the 2^pairs coin
    outcomes up to ``EXACT_PAIRS`` pairs, else ``DRAWS`` drawn with the seed."""
    import numpy as np

    if pairs <= EXACT_PAIRS:
        return np.array(list(itertools.product((1.0, -1.0), repeat=pairs)))
    return np.random.default_rng(seed).choice((1.0, -1.0), size=(DRAWS, pairs))


def _p_value(diffs: Any, signs: Any, effect: float) -> float:
    """Share of re-randomisations whose mean paired difference, under the null that the plan
    adds ``effect`` to every SKU, lies at least as far from zero as the one seen."""
    import numpy as np

    shifted = diffs - effect
    seen = abs(float(shifted.mean()))
    means = np.abs(signs @ shifted) / len(shifted)
    return float((means >= seen - 1e-12).mean())


def compare(
    plan: Sequence[tuple[int, float]], control: Sequence[tuple[int, float]], *, seed: int = 0
) -> Comparison:
    """Compare a metric between arms; each value comes with its pair number. Only complete
    pairs enter the test and the interval; the means are over every SKU of the arm."""
    import numpy as np

    plan_mean = sum(v for _, v in plan) / len(plan) if plan else None
    control_mean = sum(v for _, v in control) / len(control) if control else None
    by_pair = dict(control)
    paired = [value - by_pair[pair] for pair, value in plan if pair in by_pair]
    if plan_mean is None or control_mean is None or not paired:
        return Comparison(plan_mean, control_mean, None, None, None, None, len(paired))
    diffs = np.asarray(paired, dtype=float)
    signs = _signs(len(paired), seed)
    observed = float(diffs.mean())
    p_value = _p_value(diffs, signs, 0.0)
    if len(paired) < MIN_PAIRS_FOR_INTERVAL:
        # Below six pairs no assignment is rarer than 2 / 2^pairs > 5 %: no effect, however
        # large, can be rejected, so there is no interval to give.
        return Comparison(plan_mean, control_mean, observed, None, None, p_value, len(paired))
    # The interval: the constant effects a 5 % test does not reject, over a grid around the
    # difference seen, as wide as twice the spread of the pairs' differences each way.
    spread = float(diffs.max() - diffs.min()) or abs(observed) or 1.0
    effects = np.linspace(observed - 2 * spread, observed + 2 * spread, GRID)
    kept = [float(e) for e in effects if _p_value(diffs, signs, float(e)) > 0.05]
    low, high = (min(kept), max(kept)) if kept else (observed, observed)
    return Comparison(plan_mean, control_mean, observed, low, high, p_value, len(paired))
