"""The statistics of experiments against values computed here with scipy/statsmodels, to 1e-9:
each check recomputes the number from its textbook formula with the libraries' distributions,
so a wrong pooling, tail or degree of freedom in stats.py shows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, zt_ind_solve_power
from statsmodels.stats.proportion import proportion_confint, proportion_effectsize

from shoplet.modules.experiments import stats

TOL = 1e-9
CASES = [
    (120, 1000, 100, 1000),
    (31, 412, 45, 398),
    (5_210, 100_000, 5_000, 100_000),
    (0, 50, 3, 60),
]


@pytest.mark.parametrize(("c1", "n1", "c0", "n0"), CASES)
def test_pooled_z_test_and_intervals(c1: int, n1: int, c0: int, n0: int) -> None:
    result = stats.two_proportion_ztest(c1, n1, c0, n0)
    p1, p0 = c1 / n1, c0 / n0
    pooled = (c1 + c0) / (n1 + n0)
    z = (p1 - p0) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    assert result.z == pytest.approx(z, abs=TOL)
    assert result.p_value == pytest.approx(2 * sps.norm.sf(abs(z)), abs=TOL)
    half = sps.norm.ppf(0.975) * math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    assert result.diff_ci.low == pytest.approx(p1 - p0 - half, abs=TOL)
    assert result.diff_ci.high == pytest.approx(p1 - p0 + half, abs=TOL)
    if c1 and c0:
        se = math.sqrt(1 / c1 - 1 / n1 + 1 / c0 - 1 / n0)
        ratio = p1 / p0
        assert result.relative_lift == pytest.approx(ratio - 1, abs=TOL)
        assert result.lift_ci is not None
        assert result.lift_ci.low == pytest.approx(
            ratio * math.exp(-sps.norm.ppf(0.975) * se) - 1, abs=TOL
        )
        assert result.lift_ci.high == pytest.approx(
            ratio * math.exp(sps.norm.ppf(0.975) * se) - 1, abs=TOL
        )
    else:
        assert result.lift_ci is None


@pytest.mark.parametrize(("c", "n"), [(120, 1000), (0, 40), (40, 40), (7, 19)])
def test_wilson_and_wald_intervals(c: int, n: int) -> None:
    z = sps.norm.ppf(0.975)
    p = c / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    wilson = stats.wilson_interval(c, n)
    assert wilson.low == pytest.approx(centre - half, abs=TOL)
    assert wilson.high == pytest.approx(centre + half, abs=TOL)
    wald = stats.wald_interval(c, n)
    w = z * math.sqrt(p * (1 - p) / n)
    assert wald.low == pytest.approx(max(p - w, 0.0), abs=TOL)
    assert wald.high == pytest.approx(min(p + w, 1.0), abs=TOL)
    assert (wilson.low, wilson.high) == pytest.approx(
        proportion_confint(c, n, method="wilson"), abs=TOL
    )


def test_chi2_of_k_arms_and_z_squared_for_two() -> None:
    conv, vis = [120, 100, 90, 131], [1000, 1010, 990, 1005]
    table = np.array([[c, v - c] for c, v in zip(conv, vis, strict=True)], dtype=float)
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    result = stats.chi2_independence(conv, vis)
    assert result.statistic == pytest.approx(statistic, abs=TOL)
    assert result.p_value == pytest.approx(sps.chi2.sf(statistic, 3), abs=TOL)
    assert result.dof == 3
    two = stats.chi2_independence([120, 100], [1000, 1000])
    assert two.statistic == pytest.approx(stats.two_proportion_ztest(120, 1000, 100, 1000).z ** 2)


def test_sample_ratio_mismatch() -> None:
    visitors, split = [5_000, 5_200, 10_100], [0.25, 0.25, 0.5]
    total = sum(visitors)
    statistic = sum(
        (o - total * s) ** 2 / (total * s) for o, s in zip(visitors, split, strict=True)
    )
    result = stats.sample_ratio_mismatch(visitors, split)
    assert result.statistic == pytest.approx(statistic, abs=TOL)
    assert result.p_value == pytest.approx(sps.chi2.sf(statistic, 2), abs=TOL)
    assert stats.sample_ratio_mismatch([10_000, 10_600], [0.5, 0.5]).p_value < stats.SRM_THRESHOLD


def test_welch_from_sums() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.exponential(52.0, 800), rng.exponential(47.0, 1_100)
    arm = stats.mean_estimate(float(a.sum()), float((a * a).sum()), a.size)
    base = stats.mean_estimate(float(b.sum()), float((b * b).sum()), b.size)
    assert arm.mean == pytest.approx(a.mean(), abs=TOL)
    assert arm.std == pytest.approx(a.std(ddof=1), rel=1e-9)
    t_half = sps.t.ppf(0.975, a.size - 1) * a.std(ddof=1) / math.sqrt(a.size)
    assert arm.ci.low == pytest.approx(a.mean() - t_half, rel=1e-9)
    result = stats.welch_ttest(arm, a.size, base, b.size)
    expected = sps.ttest_ind(a, b, equal_var=False)
    assert result.t == pytest.approx(expected.statistic, rel=1e-9)
    assert result.p_value == pytest.approx(expected.pvalue, abs=TOL)
    assert result.dof == pytest.approx(expected.df, rel=1e-9)
    ci = expected.confidence_interval(0.95)
    assert (result.diff_ci.low, result.diff_ci.high) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_holm_and_bonferroni() -> None:
    p = [0.01, 0.04, 0.03, 0.2]
    assert stats.adjust_p_values(p, "holm") == pytest.approx(
        list(multipletests(p, method="holm")[1]), abs=TOL
    )
    # Holm by hand: sorted 0.01, 0.03, 0.04, 0.2 × 4, 3, 2, 1, running max.
    assert stats.adjust_p_values(p, "holm") == pytest.approx([0.04, 0.09, 0.09, 0.2], abs=TOL)
    assert stats.adjust_p_values(p, "bonferroni") == pytest.approx([0.04, 0.16, 0.12, 0.8])
    assert stats.adjust_p_values([0.3]) == [0.3]


def test_msprt_by_formula() -> None:
    p, tau = stats.msprt_p_value(120, 1000, 100, 1000, tau=0.02)
    v = 0.12 * 0.88 / 1000 + 0.1 * 0.9 / 1000
    lam = math.sqrt(v / (v + 0.0004)) * math.exp(0.02**2 * 0.0004 / (2 * v * (v + 0.0004)))
    assert tau == 0.02
    assert p == pytest.approx(min(1.0, 1 / lam), abs=TOL)
    _, default_tau = stats.msprt_p_value(120, 1000, 100, 1000)
    assert default_tau == pytest.approx(0.1 * 220 / 2000)
    # Always more conservative than the fixed-horizon p at one look.
    assert (
        stats.msprt_p_value(150, 1000, 100, 1000)[0]
        > stats.two_proportion_ztest(150, 1000, 100, 1000).p_value
    )


@pytest.mark.parametrize(
    ("baseline", "lift", "alpha", "power", "arms"),
    [
        (0.1, 0.1, 0.05, 0.8, 2),
        (0.03, 0.2, 0.05, 0.9, 2),
        (0.25, -0.1, 0.01, 0.8, 2),
        (0.1, 0.1, 0.05, 0.8, 4),
    ],
)
def test_sample_size_matches_statsmodels(
    baseline: float, lift: float, alpha: float, power: float, arms: int
) -> None:
    n, h, alpha_used = stats.sample_size(baseline, lift, alpha, power, arms)
    effect = abs(proportion_effectsize(baseline * (1 + lift), baseline))
    assert h == pytest.approx(effect, abs=TOL)
    assert alpha_used == pytest.approx(alpha / (arms - 1))
    exact = NormalIndPower().solve_power(effect_size=effect, alpha=alpha_used, power=power, ratio=1)
    assert n == math.ceil(exact)
    zt = zt_ind_solve_power(effect_size=effect, alpha=alpha_used, power=power, ratio=1)
    assert n == math.ceil(zt)
