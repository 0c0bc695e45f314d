"""CUPED (Deng, Xu, Kohavi, Walker 2013): variance reduction for continuous metrics with each
unit's value before the experiment started. Pure functions over sufficient statistics, so the
database sums and nothing is loaded per unit.

Per unit: ``y`` revenue and ``d`` orders while in the experiment, ``x`` revenue and ``m`` orders
in the pre-period (the N days before the start). An arm is summarised by ``n``, the sums of the
four and the sums of their pairwise products (integers in fen: exact).

- **Revenue per visitor** (a mean): θ = cov(Y, X) / var(X) over every unit of every arm; the
  adjusted mean of an arm is ȳ − θ(x̄ − x̄_all) and its variance
  var(Y) − 2θ·cov(Y, X) + θ²·var(X) (within the arm), divided by n.
- **AOV** (a ratio ΣY/ΣD): the delta method linearises each unit as L = (Y − R·D)/d̄ with the
  arm's own R = ȳ/d̄ and the pre-period as K = (X − R_x·M)/m̄_all with the pooled R_x; then
  θ = cov(L, K) / var(K) over every unit and the same adjustment, R − θ·K̄.

Because the pre-period is the same for every arm (assignment ignores it), x̄ − x̄_all is noise
with expectation 0: the adjustment removes the part of each arm's mean the past predicts and
keeps the estimate unbiased, while the variance shrinks by ρ², the squared correlation.
Comparisons use Welch's t on the adjusted variances, Holm across arms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from shoplet.modules.experiments.stats import adjust_p_values

VARIABLES = ("y", "d", "x", "m")
Metric = Literal["revenue_per_visitor", "aov"]


@dataclass(frozen=True, slots=True)
class ArmSums:
    """n units, Σ of each variable and Σ of each product (keys ``"yx"``, ``"dm"``, …; both
    orders are accepted)."""

    key: str
    n: int
    sums: dict[str, int]
    products: dict[str, int]

    def s(self, a: str) -> int:
        return self.sums.get(a, 0)

    def p(self, a: str, b: str) -> int:
        return self.products.get(a + b, self.products.get(b + a, 0))

    def mean(self, a: str) -> float:
        return self.s(a) / self.n

    def cov(self, a: str, b: str) -> float:
        """Sample covariance (n − 1), computed from integers exactly before dividing."""
        return (self.n * self.p(a, b) - self.s(a) * self.s(b)) / (self.n * (self.n - 1))


def pooled(arms: Sequence[ArmSums]) -> ArmSums:
    keys = {k for a in arms for k in a.products}
    return ArmSums(
        key="*",
        n=sum(a.n for a in arms),
        sums={v: sum(a.s(v) for a in arms) for v in VARIABLES},
        products={k: sum(a.products.get(k, 0) for a in arms) for k in keys},
    )


@dataclass(frozen=True, slots=True)
class ArmEstimate:
    key: str
    n: int
    mean: float
    se: float
    adjusted_mean: float
    adjusted_se: float


@dataclass(frozen=True, slots=True)
class Comparison:
    arm: str
    baseline: str
    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    raw_diff: float
    raw_ci_low: float
    raw_ci_high: float
    raw_p_value: float
    variance_reduction: float
    """1 − adjusted variance / plain variance of the difference."""


@dataclass(frozen=True, slots=True)
class Result:
    metric: Metric
    theta: float
    variance_reduction: float
    """1 − var(adjusted) / var(plain) over every unit (ρ² for the mean)."""
    arms: tuple[ArmEstimate, ...]
    comparisons: tuple[Comparison, ...]


def _mean_metric(arms: Sequence[ArmSums]) -> tuple[float, float, list[tuple[float, float, float]]]:
    """θ, pooled reduction, and per arm (shift, plain variance, adjusted variance)."""
    everyone = pooled(arms)
    var_x = everyone.cov("x", "x")
    theta = everyone.cov("y", "x") / var_x
    var_y = everyone.cov("y", "y")
    reduction = 1 - (var_y - theta * everyone.cov("y", "x")) / var_y if var_y > 0 else 0.0
    out = []
    for a in arms:
        plain = a.cov("y", "y")
        adjusted = plain - 2 * theta * a.cov("y", "x") + theta * theta * a.cov("x", "x")
        out.append((theta * (a.mean("x") - everyone.mean("x")), plain, max(adjusted, 0.0)))
    return theta, reduction, out


def _ratio_parts(a: ArmSums, r_x: float, m_all: float) -> tuple[float, float, float, float, float]:
    """(R, K̄, var L, var K, cov(L, K)) of one arm."""
    d_bar = a.mean("d")
    r = a.mean("y") / d_bar
    k_bar = (a.mean("x") - r_x * a.mean("m")) / m_all
    var_l = (a.cov("y", "y") - 2 * r * a.cov("y", "d") + r * r * a.cov("d", "d")) / d_bar**2
    var_k = (a.cov("x", "x") - 2 * r_x * a.cov("x", "m") + r_x * r_x * a.cov("m", "m")) / m_all**2
    cov_lk = (
        a.cov("y", "x") - r_x * a.cov("y", "m") - r * a.cov("d", "x") + r * r_x * a.cov("d", "m")
    ) / (d_bar * m_all)
    return r, k_bar, var_l, var_k, cov_lk


def _ratio_metric(
    arms: Sequence[ArmSums],
) -> tuple[float, float, list[float], list[tuple[float, float, float]]]:
    """θ, pooled reduction, each arm's R, and per arm (shift, plain var, adjusted var)."""
    everyone = pooled(arms)
    m_all = everyone.mean("m")
    r_x = everyone.mean("x") / m_all
    parts = [_ratio_parts(a, r_x, m_all) for a in arms]
    total = everyone.n - 1
    # Over every unit: L has mean 0 within each arm, K has mean 0 overall.
    cov_lk = sum((a.n - 1) * p[4] for a, p in zip(arms, parts, strict=True)) / total
    var_k = sum((a.n - 1) * p[3] + a.n * p[1] ** 2 for a, p in zip(arms, parts, strict=True))
    var_k /= total
    var_l = sum((a.n - 1) * p[2] for a, p in zip(arms, parts, strict=True)) / total
    theta = cov_lk / var_k
    reduction = 1 - (var_l - 2 * theta * cov_lk + theta * theta * var_k) / var_l if var_l else 0.0
    out = [
        (theta * p[1], p[2], max(p[2] - 2 * theta * p[4] + theta * theta * p[3], 0.0))
        for p in parts
    ]
    return theta, reduction, [p[0] for p in parts], out


def _welch(
    diff: float, a: tuple[float, int], b: tuple[float, int], alpha: float
) -> tuple[float, float, float]:
    """(ci_low, ci_high, two-sided p) of a difference of means with Welch's df."""
    from scipy import stats as sps  # loaded on first analysis, not at start-up

    (var_a, n_a), (var_b, n_b) = a, b
    se2_a, se2_b = var_a / n_a, var_b / n_b
    se = math.sqrt(se2_a + se2_b)
    if se == 0:
        return diff, diff, 1.0 if diff == 0 else 0.0
    dof = (se2_a + se2_b) ** 2 / (se2_a**2 / (n_a - 1) + se2_b**2 / (n_b - 1))
    t = float(sps.t.ppf(1 - alpha / 2, dof))
    p = float(2 * sps.t.sf(abs(diff / se), dof))
    return diff - t * se, diff + t * se, p


def analyze(metric: Metric, arms: Sequence[ArmSums], alpha: float = 0.05) -> Result | None:
    """CUPED for ``metric`` over the arms (the first is the baseline); None when it cannot
    apply: an arm with fewer than 2 units, no pre-period variation (var X = 0), or for AOV an
    arm without orders or no pre-period orders at all."""
    if len(arms) < 2 or any(a.n < 2 for a in arms):
        return None
    everyone = pooled(arms)
    if metric == "revenue_per_visitor":
        if everyone.cov("x", "x") <= 0:
            return None
        theta, reduction, per_arm = _mean_metric(arms)
        means = [a.mean("y") for a in arms]
    else:
        if any(a.s("d") == 0 for a in arms) or everyone.s("m") == 0:
            return None
        theta, reduction, means, per_arm = _ratio_metric(arms)
        if not math.isfinite(theta):
            return None
    estimates = tuple(
        ArmEstimate(
            key=a.key,
            n=a.n,
            mean=mean,
            se=math.sqrt(plain / a.n),
            adjusted_mean=mean - shift,
            adjusted_se=math.sqrt(adjusted / a.n),
        )
        for a, mean, (shift, plain, adjusted) in zip(arms, means, per_arm, strict=True)
    )
    base, (_, base_plain, base_adjusted) = estimates[0], per_arm[0]
    rows = []
    for est, (_, plain, adjusted) in zip(estimates[1:], per_arm[1:], strict=True):
        diff = est.adjusted_mean - base.adjusted_mean
        low, high, p = _welch(diff, (adjusted, est.n), (base_adjusted, base.n), alpha)
        raw = est.mean - base.mean
        raw_low, raw_high, raw_p = _welch(raw, (plain, est.n), (base_plain, base.n), alpha)
        plain_var = plain / est.n + base_plain / base.n
        adjusted_var = adjusted / est.n + base_adjusted / base.n
        rows.append(
            (est.key, diff, low, high, p, raw, raw_low, raw_high, raw_p, plain_var, adjusted_var)
        )
    adjusted_p = adjust_p_values([r[4] for r in rows]) if len(rows) > 1 else [r[4] for r in rows]
    comparisons = tuple(
        Comparison(
            arm=r[0],
            baseline=base.key,
            diff=r[1],
            ci_low=r[2],
            ci_high=r[3],
            p_value=r[4],
            p_adjusted=p_adj,
            raw_diff=r[5],
            raw_ci_low=r[6],
            raw_ci_high=r[7],
            raw_p_value=r[8],
            variance_reduction=1 - r[10] / r[9] if r[9] > 0 else 0.0,
        )
        for r, p_adj in zip(rows, adjusted_p, strict=True)
    )
    return Result(metric, theta, reduction, estimates, comparisons)
