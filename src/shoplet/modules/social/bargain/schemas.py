"""Request and response models of bargains (storefront and console)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shoplet.core.schemas import Fen, Id, RequestModel, ResponseModel

BargainCampaignStatus = Literal["active", "stopped"]
# What a shopper sees: running now, not yet, over, stopped (by the merchant or the budget).
BargainCampaignState = Literal["running", "upcoming", "ended", "stopped"]
BargainStatus = Literal["open", "ordered", "paid", "expired", "cancelled"]

When = Annotated[AwareDatetime, Field(strict=False)]
Money = Annotated[int, Field(ge=0, le=10_000_000_000)]


class BargainCampaignWrite(RequestModel):
    """A campaign as the merchant edits it: one unit of ``sku_id`` from its shelf price down to
    ``floor_price`` fen in about ``helpers_needed`` friends' cuts. ``new_user_bonus_pct``: a
    friend new to the shop cuts this percentage of a usual cut (100: no bonus). ``budget``:
    the subsidy (shelf − paid price, summed) after which the campaign stops itself."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    sku_id: Id
    floor_price: Annotated[int, Field(ge=1, le=10_000_000_000)]
    helpers_needed: Annotated[int, Field(ge=1, le=1000)]
    time_limit_seconds: Annotated[int, Field(ge=60, le=30 * 86400)] = 86400
    new_user_bonus_pct: Annotated[int, Field(ge=100, le=1000)] = 100
    per_member_limit: Annotated[int, Field(ge=1, le=100)] = 1
    max_bargains: Annotated[int, Field(ge=1, le=1_000_000)] = 1000
    budget: Money
    free_shipping: bool = True
    starts_at: When
    ends_at: When


class BargainCampaignStatusChange(RequestModel):
    status: Literal["stopped"]


class BargainCampaign(ResponseModel):
    """A campaign as the console sees it."""

    id: int
    title: str
    product_id: int
    sku_id: int
    start_price: Fen
    floor_price: Fen
    helpers_needed: int
    time_limit_seconds: int
    new_user_bonus_pct: int
    per_member_limit: int
    max_bargains: int
    bargains_started: int
    budget: Fen
    subsidy_spent: Fen
    free_shipping: bool
    starts_at: datetime
    ends_at: datetime
    status: BargainCampaignStatus
    state: BargainCampaignState
    created_at: datetime
    updated_at: datetime


class BargainCard(ResponseModel):
    """A campaign as the product page shows it (砍价 entry)."""

    id: int
    title: str
    product_id: int
    sku_id: int
    start_price: Fen
    floor_price: Fen
    helpers_needed: int
    time_limit_seconds: int
    starts_at: datetime
    ends_at: datetime
    state: BargainCampaignState


class BargainStart(RequestModel):
    campaign_id: Id


class BargainCutRequest(RequestModel):
    """``device_id``: the app's install id, if it has one (counted against a daily cap)."""

    device_id: (
        Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
        | None
    ) = None


class BargainBuy(RequestModel):
    address_id: Id


class BargainHelper(ResponseModel):
    """A friend's cut as the bargain page shows it: the nickname masked."""

    name: str
    avatar_url: str | None
    amount: Fen
    cut_at: datetime


class BargainView(ResponseModel):
    """A bargain as its share page shows it (anyone with the share id may look); ``viewer``
    says what the signed-in caller may do."""

    share_id: str
    campaign_id: int
    title: str
    product_id: int
    sku_id: int
    start_price: Fen
    floor_price: Fen
    current_price: Fen
    cut_total: Fen
    left_to_cut: Fen
    helpers: int
    status: BargainStatus
    at_floor: bool
    expires_at: datetime
    order_no: str | None
    helper_list: list[BargainHelper]
    viewer: Literal["initiator", "helped", "visitor", "guest"]


class BargainCutResult(ResponseModel):
    amount: Fen
    is_new_member: bool
    bargain: BargainView


class BargainOrder(ResponseModel):
    """The initiator's order at the bargain's price: pay it as any order
    (``POST /orders/{order_no}/pay``)."""

    order_no: str
    payable_total: Fen
    bargain: BargainView


class MyBargain(ResponseModel):
    share_id: str
    title: str
    product_id: int
    start_price: Fen
    floor_price: Fen
    current_price: Fen
    helpers: int
    status: BargainStatus
    expires_at: datetime
    order_no: str | None


class BargainReportDay(ResponseModel):
    day: date
    started: int
    helpers: int
    orders: int


class BargainReport(ResponseModel):
    """What a campaign cost and brought: ``subsidy`` is shelf − paid price summed over paid
    bargains; ``cost_per_new_member`` that subsidy over the new shoppers who helped (None
    without any); ``budget_left`` the budget less every subsidy claimed (orders not yet paid
    included)."""

    campaign_id: int
    bargains_started: int
    helpers: int
    new_members: int
    orders: int
    paid_orders: int
    subsidy: Fen
    subsidy_claimed: Fen
    cost_per_new_member: Fen | None
    budget: Fen
    budget_left: Fen
    days: list[BargainReportDay]
