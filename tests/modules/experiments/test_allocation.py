"""Bandit allocation (pure): floors, basis points, the three policies, and a seeded simulation
where Thompson sampling moves traffic to the clearly better arm and loses less than 50/50."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.experiments import bandits

TRUE_RATES = (0.04, 0.08)
BATCH = 500
"""Visitors between two reallocations (one job run)."""
ROUNDS = 30
"""The horizon: 30 reallocations, 15 000 visitors."""
FLOOR = 0.05


def simulate(policy: str | None, seed: int = 7) -> tuple[list[list[int]], float]:
    """Weights per round and the total regret (expected conversions lost against always
    showing the best arm). ``policy`` None: a fixed 50/50 split."""
    rng = np.random.default_rng(seed)
    conversions, visitors = [0, 0], [0, 0]
    weights = [5000, 5000]
    history, regret = [], 0.0
    for round_no in range(ROUNDS):
        shown = rng.multinomial(BATCH, [w / 10_000 for w in weights])
        for arm, n in enumerate(shown):
            visitors[arm] += int(n)
            conversions[arm] += int(rng.binomial(int(n), TRUE_RATES[arm]))
            regret += int(n) * (max(TRUE_RATES) - TRUE_RATES[arm])
        if policy is not None:
            weights = bandits.allocate(
                policy, conversions, visitors, floor=FLOOR, seed=bandits.SEED + round_no
            )
        history.append(weights)
    return history, regret


def test_thompson_moves_traffic_to_the_better_arm_and_regrets_less() -> None:
    history, regret = simulate("thompson")
    _, fixed_regret = simulate(None)
    # Within the horizon, the better arm gets at least 90 % of the traffic (the 5 % floor
    # keeps the other learning), and the bandit gives away well under 60 % of what 50/50 does
    # (measured: regret 42 conversions against 300, 94.9 % of the last batch on the better arm).
    assert history[-1][1] >= 9000, history[-1]
    assert sum(1 for w in history[-10:] if w[1] >= 9000) == 10
    assert fixed_regret == pytest.approx(ROUNDS * BATCH * 0.5 * 0.04, rel=0.02)
    assert regret < 0.6 * fixed_regret, (regret, fixed_regret)


@pytest.mark.parametrize("policy", ["epsilon_greedy", "ucb1"])
def test_other_policies_also_beat_a_fixed_split(policy: str) -> None:
    history, regret = simulate(policy)
    _, fixed_regret = simulate(None)
    # UCB1 gives a whole batch to one arm, so it swings; on average it favours the better one.
    assert sum(w[1] for w in history[-10:]) > sum(w[0] for w in history[-10:])
    assert regret < fixed_regret


def test_seeded_allocations_repeat() -> None:
    assert simulate("thompson") == simulate("thompson")


@given(
    shares=st.lists(st.floats(min_value=0, max_value=1), min_size=2, max_size=8),
    floor=st.floats(min_value=0, max_value=0.25),
)
def test_floor_and_basis_points(shares: list[float], floor: float) -> None:
    floored = bandits.with_floor(shares, floor)
    assert sum(floored) == pytest.approx(1)
    assert min(floored) >= min(floor, 1 / len(shares)) - 1e-12
    points = bandits.to_basis_points(floored)
    assert sum(points) == 10_000
    assert all(abs(p - f * 10_000) < 1 for p, f in zip(points, floored, strict=True))


def test_ucb1_tries_every_arm_first() -> None:
    assert bandits.ucb1_shares([0, 0, 0], [10, 0, 5]) == [0.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="unknown bandit policy"):
        bandits.allocate("greedy", [1, 2], [10, 10], floor=0.1)
