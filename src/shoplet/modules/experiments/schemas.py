"""Requests and responses of the experiment calculator (analyze, sample size).

Counts are plain integers with no bounds here: negatives, too few arms or a bad split are
refused by the service with a stable ``experiments.*`` code (400), not as a malformed payload.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, WithJsonSchema

from shoplet.core.schemas import Id, RequestModel, ResponseModel

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


# -- experiments, layers, assignment ---------------------------------------------------------

Slot = Literal[
    "home_layout",
    "product_card_style",
    "checkout_button_text",
    "promotion_strategy",
    "search_ranking",
]
Platform = Literal["h5", "mp-weixin"]
Metric = Literal["conversion", "revenue_per_visitor", "aov"]
ExperimentStatus = Literal["draft", "running", "paused", "stopped"]
AllocationMode = Literal["fixed", "bandit"]
BanditPolicy = Literal["thompson", "epsilon_greedy", "ucb1"]
Key = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_\-]+$")


class LayerCreate(RequestModel):
    key: str = Key
    name: str = Field(min_length=1, max_length=60)


# [start, end) as a two-item array; described without prefixItems, which response validators
# of OpenAPI 3.0 lineage (schemathesis) refuse as an invalid schema object.
BucketRange = Annotated[
    tuple[int, int],
    WithJsonSchema({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}),
]


class Layer(ResponseModel):
    id: int
    key: str
    name: str
    buckets: int
    free_ranges: list[BucketRange] = Field(
        description="bucket ranges [start, end) no draft, running or paused experiment holds"
    )


class TargetingIn(RequestModel):
    platforms: list[Platform] = Field(default_factory=list, max_length=2)
    app_version_min: str | None = Field(default=None, max_length=20, pattern=r"^\d+(\.\d+){0,3}$")
    regions: list[str] = Field(
        default_factory=list, max_length=50, description="GB/T 2260 code prefixes"
    )
    members_only: bool = False
    segment_ids: list[Id] = Field(
        default_factory=list,
        max_length=50,
        description="analytics segments: a signed-in member in one of them (empty: anyone)",
    )


class ArmWrite(RequestModel):
    key: str = Key
    name: str = Field(min_length=1, max_length=60)
    weight: int = Field(description="basis points; the arms sum to 10 000")


class ExperimentWrite(RequestModel):
    name: str = Field(min_length=1, max_length=60)
    layer_id: int = Field(ge=1, le=2**63 - 1)
    slot: Slot
    hypothesis: str = Field(default="", max_length=500)
    primary_metric: Metric = "conversion"
    guardrail_metrics: list[Metric] = Field(default_factory=list, max_length=3)
    bucket_start: int = Field(description="first bucket of the layer, 0..999")
    bucket_end: int = Field(description="one past the last bucket, 1..1000")
    traffic_percent: int = Field(default=100, description="share of the range enrolled, 1..100")
    holdout_percent: int = Field(default=0, description="share of the enrolled held out, 0..50")
    targeting: TargetingIn = Field(default_factory=TargetingIn)
    arms: list[ArmWrite] = Field(min_length=1, max_length=MAX_ARMS, description="first = control")
    allocation: AllocationMode = "fixed"
    policy: BanditPolicy = "thompson"


class TrafficChange(RequestModel):
    traffic_percent: int


class StopBody(RequestModel):
    winner_arm_key: str | None = Field(default=None, max_length=40)
    note: str = Field(default="", max_length=500)


class StatusNote(RequestModel):
    note: str = Field(default="", max_length=500)


class ArmView(ResponseModel):
    id: int
    key: str
    name: str
    weight: int


class DecisionView(ResponseModel):
    id: int
    action: str
    from_status: str | None
    to_status: str
    winner_arm_id: int | None
    note: str | None
    staff_id: int | None
    created_at: datetime


class ExperimentView(ResponseModel):
    id: int
    name: str
    layer_id: int
    slot: str
    hypothesis: str
    primary_metric: str
    guardrail_metrics: list[str]
    bucket_start: int
    bucket_end: int
    traffic_percent: int
    holdout_percent: int
    targeting: TargetingIn
    allocation: str
    policy: str
    status: ExperimentStatus
    winner_arm_id: int | None
    decision_note: str | None
    started_at: datetime | None
    stopped_at: datetime | None
    created_at: datetime
    updated_at: datetime
    arms: list[ArmView]


class ExperimentDetail(ExperimentView):
    decisions: list[DecisionView]


class AssignBody(RequestModel):
    platform: Platform | None = None
    app_version: str | None = Field(default=None, max_length=20)
    region: str | None = Field(default=None, max_length=12, pattern=r"^\d{2,12}$")


class Variant(ResponseModel):
    experiment_id: int
    variant: str = Field(description="the arm's key")
    is_holdout: bool


class Assignments(ResponseModel):
    unit: str = Field(description="m:<member id> or d:<device id>")
    version: int = Field(description="ruleset version the answer came from")
    variants: dict[str, Variant] = Field(description="by slot")


class ExposureBody(RequestModel):
    experiment_id: int = Field(ge=1, le=2**63 - 1)
    variant: str = Field(min_length=1, max_length=40)


class ExposureOut(ResponseModel):
    recorded: bool = Field(description="false when already logged (or held out)")


class ArmResult(ResponseModel):
    key: str
    name: str
    weight: int
    visitors: int
    conversions: int
    orders: int
    revenue: int = Field(description="fen")
    rate: float
    ci_low: float
    ci_high: float
    revenue_per_visitor: float = Field(description="fen")
    aov: float | None = Field(description="fen per order")


class AllocationPoint(ResponseModel):
    computed_at: datetime
    weights: dict[str, int] = Field(description="arm key -> basis points")


class CupedArm(ResponseModel):
    key: str
    visitors: int
    mean: float = Field(description="fen (per visitor, or per order for AOV)")
    se: float
    adjusted_mean: float
    adjusted_se: float


class CupedComparison(ResponseModel):
    arm: str
    baseline: str
    diff: float = Field(description="adjusted arm − adjusted baseline, fen")
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float = Field(description="Holm across the arms")
    raw_diff: float = Field(description="the same without CUPED")
    raw_ci_low: float
    raw_ci_high: float
    raw_p_value: float
    variance_reduction: float = Field(description="1 − var(adjusted diff) / var(plain diff)")


class CupedMetric(ResponseModel):
    metric: Literal["revenue_per_visitor", "aov"]
    theta: float
    variance_reduction: float = Field(description="over every unit, 0..1")
    arms: list[CupedArm]
    comparisons: list[CupedComparison]


class Cuped(ResponseModel):
    pre_period_days: int
    pre_period_start: datetime | None
    metrics: list[CupedMetric] = Field(description="empty when CUPED cannot apply yet")
    note: str


class Results(ResponseModel):
    experiment_id: int
    status: ExperimentStatus
    primary_metric: str
    arms: list[ArmResult]
    analysis: Analysis | None = Field(description="null until every arm has 2 visitors")
    srm_blocked: bool
    note: str
    allocations: list[AllocationPoint]
    cuped: Cuped | None = Field(
        default=None, description="CUPED-adjusted revenue per visitor and AOV"
    )
