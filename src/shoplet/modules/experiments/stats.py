"""The statistics of an A/B/n test on counts: pure functions, no database, no HTTP.

Every distribution comes from scipy or statsmodels, imported inside the functions: the API must
not load them at start-up (``python -X importtime``), only the first analysis does.
docs/experiments.md says what each number means and why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Correction = Literal["holm", "bonferroni"]

SRM_THRESHOLD = 0.001
"""A sample-ratio mismatch is flagged when the goodness-of-fit p-value is below this: strict,
because with many visitors tiny imbalances are significant at 0.05 and every test would stop."""

DEFAULT_TAU_RELATIVE = 0.1
"""mSPRT mixing standard deviation τ as a share of the pooled rate: the prior on the true
difference is N(0, τ²) with τ = 10 % of the rate, the size of lift most tests are powered for."""


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class ZTest:
    """One arm against the baseline: pooled z, two-sided p, the Wald interval of the absolute
    difference and the interval of the relative lift (log ratio; None when a rate is 0)."""

    z: float
    p_value: float
    diff: float
    diff_ci: Interval
    relative_lift: float | None
    lift_ci: Interval | None


@dataclass(frozen=True, slots=True)
class Chi2:
    statistic: float
    p_value: float
    dof: int


@dataclass(frozen=True, slots=True)
class Welch:
    """Difference of means (arm − baseline) with Welch's t, its df and interval."""

    t: float
    p_value: float
    dof: float
    diff: float
    diff_ci: Interval


@dataclass(frozen=True, slots=True)
class MeanEstimate:
    mean: float
    std: float
    ci: Interval


def wilson_interval(successes: int, trials: int, alpha: float = 0.05) -> Interval:
    """Wilson score interval of a rate (good near 0 and 1, unlike Wald)."""
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, trials, alpha=alpha, method="wilson")
    return Interval(float(low), float(high))


def wald_interval(successes: int, trials: int, alpha: float = 0.05) -> Interval:
    """Wald (normal) interval of a rate: p ± z·√(p(1−p)/n)."""
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, trials, alpha=alpha, method="normal")
    return Interval(float(low), float(high))


def two_proportion_ztest(
    conversions: int, visitors: int, base_conversions: int, base_visitors: int, alpha: float = 0.05
) -> ZTest:
    """Pooled two-proportion z-test of an arm against the baseline, two-sided.

    z = (p₁ − p₀) / √(p̄(1−p̄)(1/n₁ + 1/n₀)) with p̄ the pooled rate; the difference's interval
    is Wald's (unpooled variance), the relative lift's the log-ratio interval."""
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    p1, p0 = conversions / visitors, base_conversions / base_visitors
    pooled = (conversions + base_conversions) / (visitors + base_visitors)
    if pooled in (0.0, 1.0):
        # No variance at all (nobody or everybody converted): no evidence of a difference.
        z, p = 0.0, 1.0
    else:
        z_raw, p_raw = proportions_ztest(
            [conversions, base_conversions], [visitors, base_visitors], alternative="two-sided"
        )
        z, p = float(z_raw), float(p_raw)
    low, high = confint_proportions_2indep(
        conversions,
        visitors,
        base_conversions,
        base_visitors,
        method="wald",
        compare="diff",
        alpha=alpha,
    )
    lift: float | None = None
    lift_ci: Interval | None = None
    if p0 > 0 and p1 > 0:
        lift = p1 / p0 - 1
        r_low, r_high = confint_proportions_2indep(
            conversions,
            visitors,
            base_conversions,
            base_visitors,
            method="log",
            compare="ratio",
            alpha=alpha,
        )
        lift_ci = Interval(float(r_low) - 1, float(r_high) - 1)
    elif p0 > 0:
        lift = -1.0
    return ZTest(z, p, p1 - p0, Interval(float(low), float(high)), lift, lift_ci)


def chi2_independence(conversions: Sequence[int], visitors: Sequence[int]) -> Chi2:
    """χ² test that all arms share one rate (k × 2 table, no continuity correction, so with two
    arms χ² = z² of the pooled z-test)."""
    import numpy as np
    from scipy.stats import chi2_contingency

    table = np.array([[c, v - c] for c, v in zip(conversions, visitors, strict=True)], dtype=float)
    dof = len(visitors) - 1
    if (table.sum(axis=0) == 0).any():
        return Chi2(0.0, 1.0, dof)
    result = chi2_contingency(table, correction=False)
    return Chi2(float(result.statistic), float(result.pvalue), int(result.dof))


def sample_ratio_mismatch(visitors: Sequence[int], expected_split: Sequence[float]) -> Chi2:
    """χ² goodness of fit of the visitors to the planned split (dof = arms − 1)."""
    import numpy as np
    from scipy.stats import chisquare

    observed = np.asarray(visitors, dtype=float)
    expected = observed.sum() * np.asarray(expected_split, dtype=float)
    result = chisquare(observed, f_exp=expected)
    return Chi2(float(result.statistic), float(result.pvalue), len(visitors) - 1)


def adjust_p_values(p_values: Sequence[float], method: Correction = "holm") -> list[float]:
    """Family-wise error control over the comparisons (Holm step-down or Bonferroni)."""
    if len(p_values) <= 1:
        return [float(p) for p in p_values]
    from statsmodels.stats.multitest import multipletests

    _, adjusted, _, _ = multipletests(list(p_values), method=method)
    return [float(p) for p in adjusted]


def msprt_p_value(
    conversions: int,
    visitors: int,
    base_conversions: int,
    base_visitors: int,
    tau: float | None = None,
) -> tuple[float, float]:
    """Always-valid p-value of the difference of rates at this look (mSPRT, normal mixture).

    With θ̂ = p₁ − p₀, V = p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀ and the mixing prior N(0, τ²), the mixture
    likelihood ratio is Λ = √(V/(V+τ²)) · exp(θ̂²τ² / (2V(V+τ²))) and p = min(1, 1/Λ). Over
    repeated looks the valid p is the running minimum of these. Returns (p, τ)."""
    p1, p0 = conversions / visitors, base_conversions / base_visitors
    if tau is None:
        pooled = (conversions + base_conversions) / (visitors + base_visitors)
        tau = DEFAULT_TAU_RELATIVE * pooled
    variance = p1 * (1 - p1) / visitors + p0 * (1 - p0) / base_visitors
    if variance <= 0 or tau <= 0:
        return 1.0, tau
    t2 = tau * tau
    log_lr = 0.5 * math.log(variance / (variance + t2)) + (p1 - p0) ** 2 * t2 / (
        2 * variance * (variance + t2)
    )
    return (1.0 if log_lr <= 0 else math.exp(-log_lr)), tau


def mean_estimate(total: float, sum_squares: float, n: int, alpha: float = 0.05) -> MeanEstimate:
    """Mean per visitor of a continuous metric from its sum and sum of squares, with the
    t interval of the mean."""
    from scipy.stats import t as student_t

    mean = total / n
    var = max(sum_squares - total * total / n, 0.0) / (n - 1) if n > 1 else 0.0
    std = math.sqrt(var)
    half = float(student_t.ppf(1 - alpha / 2, n - 1)) * std / math.sqrt(n) if n > 1 else math.inf
    return MeanEstimate(mean, std, Interval(mean - half, mean + half))


def welch_ttest(
    arm: MeanEstimate, n: int, base: MeanEstimate, base_n: int, alpha: float = 0.05
) -> Welch:
    """Welch's unequal-variance t-test of arm − baseline (scipy's ``ttest_ind_from_stats``),
    with the Welch–Satterthwaite degrees of freedom for the interval."""
    from scipy.stats import t as student_t
    from scipy.stats import ttest_ind_from_stats

    diff = arm.mean - base.mean
    se2_a, se2_b = arm.std**2 / n, base.std**2 / base_n
    se = math.sqrt(se2_a + se2_b)
    if se == 0:
        return Welch(0.0, 1.0, float(n + base_n - 2), diff, Interval(diff, diff))
    result = ttest_ind_from_stats(
        arm.mean, arm.std, n, base.mean, base.std, base_n, equal_var=False
    )
    dof = (se2_a + se2_b) ** 2 / (se2_a**2 / (n - 1) + se2_b**2 / (base_n - 1))
    half = float(student_t.ppf(1 - alpha / 2, dof)) * se
    return Welch(
        float(result.statistic),
        float(result.pvalue),
        float(dof),
        diff,
        Interval(diff - half, diff + half),
    )


def _power(h: float, n: float, z: float) -> float:
    from scipy.stats import norm

    shift = h * math.sqrt(n / 2)
    return float(norm.cdf(shift - z) + norm.cdf(-shift - z))


MAX_SAMPLE_SIZE = 1e12


def sample_size(
    baseline: float, relative_lift: float, alpha: float = 0.05, power: float = 0.8, arms: int = 2
) -> tuple[int, float, float]:
    """Visitors per arm to detect ``baseline × (1 + relative_lift)`` with a two-sided test.

    Cohen's h = 2·asin√p₁ − 2·asin√p₀ and the normal power of both tails,
    Φ(h√(n/2) − z) + Φ(−h√(n/2) − z) = power, solved for n (Brent); with more than two arms α
    is split over the arms − 1 comparisons (Bonferroni). Returns (visitors per arm, h, α used)."""
    from scipy.optimize import brentq
    from scipy.stats import norm

    target = baseline * (1 + relative_lift)
    h = abs(2 * math.asin(math.sqrt(target)) - 2 * math.asin(math.sqrt(baseline)))
    alpha_used = alpha / (arms - 1)
    z = float(norm.ppf(1 - alpha_used / 2))
    high = 2.0
    while _power(h, high, z) < power:
        high *= 2
        if high > MAX_SAMPLE_SIZE:  # a lift this small (or α this tiny) needs no real test
            raise ValueError(f"more than {MAX_SAMPLE_SIZE:.0e} visitors per arm")
    n = brentq(lambda m: _power(h, m, z) - power, 1e-9, high, xtol=1e-10, rtol=1e-14)
    return math.ceil(float(n) - 1e-9), h, alpha_used
