"""Benefit cost model responses and the projection request."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shoplet.core.schemas import RequestModel, ResponseModel
from shoplet.modules.membership.public import TiersBody


class BenefitCostRow(ResponseModel):
    """One tier (``key`` its level) or the paid plan (``key`` -1, ``code`` SVIP). Money in fen,
    ratios in ‰; null where the ratio has no denominator."""

    key: int
    code: str
    name: str
    members: int = Field(description="distinct members with a paid order in the period")
    orders: int
    gmv: int = Field(description="payable of the paid orders (fen)")
    gross_margin: int = Field(description="lines' payable − quantity × cost price (fen)")
    promotion_cost: int
    coupon_cost: int
    shipping_cost: int = Field(description="shipping waived by coupons (fen)")
    points_cost: int = Field(description="points earned × redemption rate × value (fen)")
    total_cost: int
    cost_ratio_permille: int | None
    margin_per_member: int | None
    incremental_margin: int | None = Field(description="vs the base tier, per member × members")
    retention_permille: int | None
    roi_permille: int | None = Field(description="incremental margin ÷ benefit cost (‰)")
    lines_without_cost: int = Field(description="order lines whose SKU has no cost price")


class BenefitCostReport(ResponseModel):
    since: datetime
    until: datetime
    previous_since: datetime
    redemption_permille: int = Field(description="points spent ÷ issued over the trailing year")
    points_per_yuan: int
    rows: list[BenefitCostRow]
    totals: BenefitCostRow
    elapsed_ms: int


class SimulateBody(RequestModel):
    """The tier table being edited (as ``PUT /membership/tiers`` takes it) and the period of
    orders to re-price (``days`` before now, 1..366)."""

    tiers: TiersBody
    days: int = Field(default=30, ge=1, le=366)


class CostPart(ResponseModel):
    orders: int
    discount: int
    shipping: int
    points: int
    total: int


class TierProjection(ResponseModel):
    level: int
    code: str
    name: str
    current: CostPart
    draft: CostPart
    change: int = Field(description="draft total − current total (fen)")


class CostProjection(ResponseModel):
    since: datetime
    until: datetime
    orders: int
    tiers: list[TierProjection]
    current_total: int
    draft_total: int
    change: int
    elapsed_ms: int
