"""P(best) and expected loss by Monte-Carlo against numerical integration (scipy ``quad``) of
the Beta posteriors, for 2 and 3 arms: within 0.005 (P(best)) at the documented sample count."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sps

from shoplet.modules.experiments import bandits


def exact(conversions: list[int], visitors: list[int]) -> tuple[list[float], list[float]]:
    dists = [sps.beta(1 + c, 1 + v - c) for c, v in zip(conversions, visitors, strict=True)]
    best = []
    for i, d in enumerate(dists):
        others = [o for j, o in enumerate(dists) if j != i]
        value, _ = integrate.quad(
            lambda x, d=d, others=others: d.pdf(x) * np.prod([o.cdf(x) for o in others]),
            0,
            1,
            limit=400,
            points=[d.mean()],
        )
        best.append(value)
    # E[max]: ∫ (1 − Π F_j(x)) dx over [0, 1].
    e_max, _ = integrate.quad(lambda x: 1 - np.prod([d.cdf(x) for d in dists]), 0, 1, limit=400)
    return best, [e_max - d.mean() for d in dists]


@pytest.mark.parametrize(
    ("conversions", "visitors"),
    [
        ([120, 100], [1000, 1000]),
        ([48, 52], [500, 510]),
        ([120, 100, 90], [1000, 1000, 1000]),
        ([30, 33, 29], [300, 310, 290]),
    ],
)
def test_prob_best_and_loss_match_integration(conversions: list[int], visitors: list[int]) -> None:
    result = bandits.posteriors(conversions, visitors)
    best, loss = exact(conversions, visitors)
    for arm, p, expected_loss in zip(result, best, loss, strict=True):
        assert abs(arm.prob_best - p) < 0.005
        assert abs(arm.expected_loss - expected_loss) < 5e-4
    assert sum(a.prob_best for a in result) == pytest.approx(1.0)


def test_seeded_and_repeatable() -> None:
    assert bandits.posteriors([10, 12], [100, 100]) == bandits.posteriors([10, 12], [100, 100])
