"""Requests and responses of the experiment calculator (analyze, sample size).

Counts are plain integers with no bounds here: negatives, too few arms or a bad split are
refused by the service with a stable ``experiments.*`` code (400), not as a malformed payload.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shoplet.core.schemas import RequestModel, ResponseModel

MAX_ARMS = 20

VerdictStatus = Literal["winner", "none", "blocked"]


class ArmIn(RequestModel):
    """One arm's totals; revenue (any unit, e.g. fen) optional, both sums or neither."""

    name: str = Field(min_length=1, max_length=40)
    visitors: int
    conversions: int
    revenue_sum: float | None = Field(default=None, description="Σ revenue per visitor")
    revenue_sum_squares: float | None = Field(default=None, description="Σ (revenue per visitor)²")


class AnalyzeBody(RequestModel):
    arms: list[ArmIn] = Field(max_length=100, description="the first arm is the baseline")
    expected_split: list[float] | None = Field(
        default=None,
        max_length=100,
        description="planned share per arm, sums to 1; equal if absent",
    )
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    correction: Literal["holm", "bonferroni"] = "holm"
    decision: Literal["fixed", "sequential"] = Field(
        default="fixed",
        description="which p-value the verdict uses: fixed-horizon, or the always-valid one "
        "(when the results were looked at before the planned sample size)",
    )


class RevenueArm(ResponseModel):
    mean: float
    std: float
    ci_low: float
    ci_high: float


class ArmOut(ResponseModel):
    name: str
    visitors: int
    conversions: int
    rate: float
    ci_low: float = Field(description="Wilson interval of the rate")
    ci_high: float
    prob_best: float = Field(description="posterior probability of the highest rate")
    expected_loss: float = Field(description="expected rate given up by shipping this arm")
    revenue: RevenueArm | None = None


class Sequential(ResponseModel):
    p_value: float = Field(description="always-valid p-value at this look (mSPRT)")
    p_adjusted: float
    tau: float = Field(description="mixing standard deviation of the mSPRT prior")


class RevenueComparison(ResponseModel):
    t: float
    p_value: float
    p_adjusted: float
    dof: float
    diff: float
    ci_low: float
    ci_high: float


class Comparison(ResponseModel):
    arm: str
    baseline: str
    z: float
    p_value: float
    p_adjusted: float = Field(description="Holm/Bonferroni over the comparisons")
    relative_lift: float | None
    ci_low: float | None = Field(description="interval of the relative lift")
    ci_high: float | None
    diff: float
    diff_ci_low: float = Field(description="Wald interval of the absolute difference")
    diff_ci_high: float
    sequential: Sequential
    revenue: RevenueComparison | None = None


class Chi2Out(ResponseModel):
    statistic: float
    p_value: float
    dof: int


class SrmOut(ResponseModel):
    chi2: float
    p_value: float
    detected: bool = Field(description="p < 0.001: the split is broken, no verdict")


class Analysis(ResponseModel):
    arms: list[ArmOut]
    comparisons: list[Comparison]
    chi2: Chi2Out
    srm: SrmOut
    verdict: str | None = Field(description="the winning arm's name, null when none or blocked")
    verdict_status: VerdictStatus
    verdict_reason: str
    alpha: float
    correction: str
    decision: str
    samples: int = Field(description="Monte-Carlo draws behind prob_best and expected_loss")


class SampleSizeBody(RequestModel):
    baseline_rate: float
    minimum_detectable_lift: float = Field(description="relative, 0.1 for +10 %")
    alpha: float = 0.05
    power: float = 0.8
    arms: int = 2


class SampleSize(ResponseModel):
    visitors_per_arm: int
    total_visitors: int
    effect_size: float = Field(description="Cohen's h")
    alpha_per_comparison: float
