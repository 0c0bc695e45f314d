"""A/A tests over many seeds (vectorised numpy, seeded, a few seconds): the fixed-horizon test
rejects about α of them; looking every day and stopping at the first p < α inflates that, but
the always-valid mSPRT p-value keeps it at or below α."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps

from shoplet.modules.experiments import stats

ALPHA = 0.05
EXPERIMENTS = 4_000
DAYS = 20
PER_DAY = 500
RATE = 0.1


def _daily_totals() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2026)
    a = rng.binomial(PER_DAY, RATE, size=(EXPERIMENTS, DAYS)).cumsum(axis=1)
    b = rng.binomial(PER_DAY, RATE, size=(EXPERIMENTS, DAYS)).cumsum(axis=1)
    return a.astype(float), b.astype(float)


def _z_p(a: np.ndarray, b: np.ndarray, n: np.ndarray) -> np.ndarray:
    pooled = (a + b) / (2 * n)
    z = (a - b) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
    return np.asarray(2 * sps.norm.sf(np.abs(z)))


def _msprt_p(a: np.ndarray, b: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The vectorised twin of stats.msprt_p_value (checked against it below)."""
    p1, p0 = a / n, b / n
    tau2 = (stats.DEFAULT_TAU_RELATIVE * (a + b) / (2 * n)) ** 2
    v = (p1 * (1 - p1) + p0 * (1 - p0)) / n
    log_lr = 0.5 * np.log(v / (v + tau2)) + (p1 - p0) ** 2 * tau2 / (2 * v * (v + tau2))
    return np.asarray(np.minimum(1.0, np.exp(-log_lr)))


def test_false_positive_rates() -> None:
    a, b = _daily_totals()
    n = PER_DAY * np.arange(1, DAYS + 1, dtype=float)[None, :]
    fixed = _z_p(a[:, -1], b[:, -1], n[0, -1])
    fixed_rate = float((fixed < ALPHA).mean())
    # Binomial standard error at 4 000 experiments: √(0.05·0.95/4000) ≈ 0.0034.
    assert abs(fixed_rate - ALPHA) < 4 * math.sqrt(ALPHA * (1 - ALPHA) / EXPERIMENTS)
    peeking = float((_z_p(a, b, n) < ALPHA).any(axis=1).mean())
    assert peeking > 2 * ALPHA  # why the sequential p-value exists
    always_valid = _msprt_p(a, b, n)
    sequential_rate = float(
        (np.minimum.accumulate(always_valid, axis=1) < ALPHA).any(axis=1).mean()
    )
    assert sequential_rate <= ALPHA
    for i in (0, 17, 999):
        one = stats.msprt_p_value(int(a[i, 5]), 3_000, int(b[i, 5]), 3_000)[0]
        assert abs(always_valid[i, 5] - one) < 1e-12
    one_z = stats.two_proportion_ztest(int(a[0, -1]), 10_000, int(b[0, -1]), 10_000).p_value
    assert abs(fixed[0] - one_z) < 1e-9
