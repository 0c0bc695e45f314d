"""Request and response models of the clearance planner (money in fen)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shoplet.core.schemas import Id, RequestModel, ResponseModel

When = Annotated[AwareDatetime, Field(strict=False)]
StepState = Literal["scheduled", "running", "ended"]


class ClearancePlanRequest(RequestModel):
    """Clear ``sku_id``'s available stock by ``target_date`` (Asia/Shanghai, 1–26 weeks away) in
    ``steps`` markdown steps, never under cost + ``min_margin_percent``."""

    sku_id: Id
    target_date: Annotated[date, Field(strict=False)]
    steps: int = Field(default=3, ge=1, le=6)
    min_margin_percent: float = Field(default=10.0, ge=0, le=500)
    max_discount_percent: int = Field(default=70, ge=5, le=95)


class ClearanceElasticity(ResponseModel):
    value: float
    low: float
    high: float
    own: float | None
    own_se: float | None
    prior: float
    weight: float
    observations: int
    distinct_prices: int
    controls: dict[str, float] = Field(
        default_factory=dict,
        description="The controls the regression kept and their coefficients: promotion "
        "(depth 0–1), festival (618/双11 share of the week), holiday (public-holiday share), "
        "trend (a week). Those the data could not carry are left out.",
    )


class ClearanceWeek(ResponseModel):
    """One week of the SKU's history: the list price in effect, the units sold and how deep
    promotions cut what shoppers paid under that price (0–1)."""

    week_start: date
    price: int
    units: int
    promotion_depth: float = 0.0


class ClearanceStep(ResponseModel):
    starts_on: date
    ends_on: date
    weeks: int
    price: int
    discount_percent: int
    units: float
    revenue: float
    margin: float


class ClearancePlan(ResponseModel):
    sku_id: int
    product_id: int
    name: str
    spec_text: str
    stock: int
    price: int
    cost: int
    floor: int
    weeks: int
    base_units: float
    elasticity: ClearanceElasticity
    history: list[ClearanceWeek]
    steps: list[ClearanceStep]
    units: float
    revenue: float
    margin: float
    leftover: float
    clears: bool


class ClearanceApply(RequestModel):
    """Schedule one step as a 限时折扣 for ``sku_id`` at ``price`` fen from ``starts_at`` to
    ``ends_at`` (activated at once; it applies within its window)."""

    sku_id: Id
    price: int = Field(ge=1, le=10_000_000_000)
    starts_at: When
    ends_at: When
    min_margin_percent: float = Field(default=10.0, ge=0, le=500)


class ClearanceApplied(ResponseModel):
    promotion_id: int
    name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    step_id: int
    projected_units: float


class ClearanceStepResult(ResponseModel):
    """An applied step against its projection. ``elapsed`` is the share of its window gone by;
    ``expected_to_date`` the projection spread evenly over that share; ``units`` the units paid
    for in the window so far, ``revenue`` and ``margin`` at the step's price; ``ratio`` units
    over expected (null until half a unit is expected)."""

    id: int
    sku_id: int
    product_id: int
    name: str = ""
    spec_text: str = ""
    promotion_id: int
    list_price: int
    price: int
    cost: int
    starts_at: datetime
    ends_at: datetime
    state: StepState
    elapsed: float
    projected_units: float
    projected_revenue: int
    projected_margin: int
    expected_to_date: float
    units: int
    revenue: int
    margin: int
    ratio: float | None
    created_by: str
    created_at: datetime


class ClearanceSteps(ResponseModel):
    items: list[ClearanceStepResult]


class ClearanceCandidate(ResponseModel):
    """A SKU whose stock outlasts the weeks asked of its forecast demand."""

    sku_id: int
    product_id: int
    name: str
    spec_text: str
    available: int
    weekly_demand: float
    weeks_of_cover: float | None  # null: no demand forecast at all
    excess_units: int
    price: int
    cost: int | None
    excess_cost: int | None  # excess units at cost (null without a cost price)
    model: str


class ClearanceCandidates(ResponseModel):
    weeks: int
    items: list[ClearanceCandidate]
    computed_at: datetime | None


# -- trials (清仓实验) -------------------------------------------------------------------------

TrialStatus = Literal["running", "stopped"]
TrialArm = Literal["plan", "control"]


class ClearanceTrialCreate(RequestModel):
    """Run the clearance plan as an experiment over 4–40 SKUs: matched pairs by stock cover,
    one of each pair follows its plan (its steps scheduled as 限时折扣), the other keeps its
    price, until ``target_date``."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    sku_ids: list[Id] = Field(min_length=4, max_length=40)
    target_date: Annotated[date, Field(strict=False)]
    steps: int = Field(default=3, ge=1, le=6)
    min_margin_percent: float = Field(default=10.0, ge=0, le=500)
    max_discount_percent: int = Field(default=70, ge=5, le=95)


class ClearanceTrialComparison(ResponseModel):
    """Plan arm minus control arm over the complete pairs: the difference of means, its 95 %
    interval and two-sided p-value by randomisation inference (null when an arm is empty; no
    interval under six pairs, where no effect can be rejected at 5 %)."""

    plan_mean: float | None
    control_mean: float | None
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    pairs: int


class ClearanceTrialSku(ResponseModel):
    """A SKU of the trial: what it was at the start and what it has done since (``sold``
    units, ``sell_through`` = sold / stock at the start, ``margin`` fen = paid − cost)."""

    sku_id: int
    product_id: int
    name: str
    spec_text: str
    arm: TrialArm
    pair: int
    stock: int
    list_price: int
    cost: int
    base_units: float
    projected_units: float
    sold: int
    sell_through: float
    margin: int


class ClearanceTrial(ResponseModel):
    id: int
    name: str
    status: TrialStatus
    target_date: date
    started_at: datetime
    stopped_at: datetime | None
    created_by: str
    days: float = Field(description="Days measured so far (from the start to the stop or now)")
    skus: list[ClearanceTrialSku]
    sell_through: ClearanceTrialComparison
    margin_per_unit: ClearanceTrialComparison = Field(
        description="Margin per unit of starting stock (fen): what the arm earned on its stock"
    )


class ClearanceTrialSummary(ResponseModel):
    id: int
    name: str
    status: TrialStatus
    target_date: date
    started_at: datetime
    stopped_at: datetime | None
    plan_skus: int
    control_skus: int


class ClearanceTrials(ResponseModel):
    items: list[ClearanceTrialSummary]
