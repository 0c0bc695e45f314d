"""Bayesian view of the arms: Beta–Bernoulli posteriors, P(best) and expected loss.

Each arm's rate has the posterior Beta(1 + c, 1 + v − c) (a uniform prior). P(best) and the
expected loss are estimated by Monte-Carlo: ``SAMPLES`` joint draws from a numpy Generator
seeded with ``SEED``, so the same counts always give the same numbers. numpy is imported inside
the function (no start-up cost for the API).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SAMPLES = 200_000
"""Draws per arm: the standard error of a P(best) is at most √(0.25/200 000) ≈ 0.0011, so
estimates stay within 0.005 of the exact integral (4.5 standard errors)."""
SEED = 20_261_204


@dataclass(frozen=True, slots=True)
class ArmPosterior:
    prob_best: float
    expected_loss: float
    """E[max_j p_j − p_i]: the rate given up, on average, by shipping this arm."""


def posteriors(
    conversions: Sequence[int],
    visitors: Sequence[int],
    *,
    samples: int = SAMPLES,
    seed: int = SEED,
) -> list[ArmPosterior]:
    """P(best) and expected loss of every arm, by joint Monte-Carlo draws."""
    import numpy as np

    rng = np.random.default_rng(seed)
    c = np.asarray(conversions, dtype=float)
    v = np.asarray(visitors, dtype=float)
    draws = rng.beta(1 + c, 1 + v - c, size=(samples, len(c)))
    best = draws.max(axis=1)
    wins = np.bincount(draws.argmax(axis=1), minlength=len(c)) / samples
    loss = (best[:, None] - draws).mean(axis=0)
    return [
        ArmPosterior(prob_best=float(w), expected_loss=float(x))
        for w, x in zip(wins, loss, strict=True)
    ]
