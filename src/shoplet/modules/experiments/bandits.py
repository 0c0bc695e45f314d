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


# -- allocation ------------------------------------------------------------------------------

ALLOCATION_SAMPLES = 20_000
"""Draws behind a Thompson allocation: P(best) to within about ±0.01, plenty for a weight."""
EPSILON = 0.1


def with_floor(shares: Sequence[float], floor: float) -> list[float]:
    """Shares summing to 1 where every arm keeps at least ``floor`` (if k·floor ≤ 1): the rest
    is spread in proportion to what each arm had above the floor."""
    k = len(shares)
    floor = min(floor, 1 / k)
    total = sum(shares)
    base = [s / total for s in shares] if total > 0 else [1 / k] * k
    spare = 1 - k * floor
    return [floor + spare * s for s in base]


def to_basis_points(shares: Sequence[float], total: int = 10_000) -> list[int]:
    """Integers summing to ``total`` (largest remainders), in the order of ``shares``."""
    raw = [s * total for s in shares]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def thompson_shares(
    conversions: Sequence[int],
    visitors: Sequence[int],
    *,
    samples: int = ALLOCATION_SAMPLES,
    seed: int = SEED,
) -> list[float]:
    """Thompson sampling as probability matching: each arm's share is its posterior
    probability of being best (Beta(1 + c, 1 + v − c)), so traffic follows the evidence."""
    return [p.prob_best for p in posteriors(conversions, visitors, samples=samples, seed=seed)]


def epsilon_greedy_shares(
    conversions: Sequence[int], visitors: Sequence[int], *, epsilon: float = EPSILON
) -> list[float]:
    """1 − ε to the arm with the best observed rate (ties: the first), ε spread evenly."""
    k = len(conversions)
    rates = [c / v if v else 0.0 for c, v in zip(conversions, visitors, strict=True)]
    best = max(range(k), key=lambda i: rates[i])
    return [epsilon / k + (1 - epsilon if i == best else 0.0) for i in range(k)]


def ucb1_shares(conversions: Sequence[int], visitors: Sequence[int]) -> list[float]:
    """UCB1: everything to the arm with the highest rate + √(2 ln n / nᵢ); an arm never
    tried comes first. The floor keeps the others learning."""
    import math

    k = len(conversions)
    untried = [i for i in range(k) if visitors[i] == 0]
    if untried:
        best = untried[0]
    else:
        n = sum(visitors)
        scores = [
            c / v + math.sqrt(2 * math.log(n) / v)
            for c, v in zip(conversions, visitors, strict=True)
        ]
        best = max(range(k), key=lambda i: scores[i])
    return [1.0 if i == best else 0.0 for i in range(k)]


def allocate(
    policy: str,
    conversions: Sequence[int],
    visitors: Sequence[int],
    *,
    floor: float,
    seed: int = SEED,
) -> list[int]:
    """New weights (basis points summing to 10 000) for ``policy``, each ≥ the floor."""
    if policy == "thompson":
        shares = thompson_shares(conversions, visitors, seed=seed)
    elif policy == "epsilon_greedy":
        shares = epsilon_greedy_shares(conversions, visitors)
    elif policy == "ucb1":
        shares = ucb1_shares(conversions, visitors)
    else:
        raise ValueError(f"unknown bandit policy {policy!r}")
    return to_basis_points(with_floor(shares, floor))
