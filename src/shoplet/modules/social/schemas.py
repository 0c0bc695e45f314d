"""Request and response models of group buys (storefront and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shoplet.core.schemas import Fen, Id, RequestModel, ResponseModel

GroupBuyStatus = Literal["active", "stopped"]
# What a shopper sees: running now, not yet, over, stopped by the merchant.
GroupBuyState = Literal["running", "upcoming", "ended", "stopped"]
GroupBuyGroupStatus = Literal["pending", "open", "succeeded", "failed"]
GroupBuySeatStatus = Literal["pending", "joined", "succeeded", "refunded", "cancelled"]

When = Annotated[AwareDatetime, Field(strict=False)]
Budget = Annotated[int, Field(ge=1, le=10_000_000_000)] | None
# Why a campaign stopped: the merchant stopped it, or its budget ran out.
StoppedReason = Literal["merchant", "budget"]


class GroupBuyWrite(RequestModel):
    """A campaign as the merchant edits it: ``group_size`` shoppers each pay ``group_price``
    fen for one unit of ``sku_id`` within ``time_limit_seconds`` of the group's opening."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    sku_id: Id
    group_size: Annotated[int, Field(ge=2, le=50)]
    group_price: Annotated[int, Field(ge=1, le=10_000_000_000)]
    time_limit_seconds: Annotated[int, Field(ge=60, le=30 * 86400)] = 86400
    per_member_limit: Annotated[int, Field(ge=1, le=100)] = 1
    max_groups: Annotated[int, Field(ge=1, le=1_000_000)] = 1000
    free_shipping: bool = True
    # 模拟成团: off by default; when on, a group short at its deadline with at least
    # ``auto_fill_min`` paid shoppers completes (the shop fills the empty seats).
    auto_fill: bool = False
    auto_fill_min: Annotated[int, Field(ge=1, le=49)] = 1
    starts_at: When
    ends_at: When
    # Subsidy budget in fen (None: unlimited); the campaign stops itself once it is spent.
    budget: Budget = None


class GroupBuyStatusChange(RequestModel):
    status: Literal["stopped"]


class GroupBuy(ResponseModel):
    """A campaign as the console sees it."""

    id: int
    title: str
    product_id: int
    sku_id: int
    group_size: int
    group_price: int
    time_limit_seconds: int
    per_member_limit: int
    max_groups: int
    groups_opened: int
    free_shipping: bool
    auto_fill: bool
    auto_fill_min: int
    starts_at: datetime
    ends_at: datetime
    status: GroupBuyStatus
    state: GroupBuyState
    stopped_reason: StoppedReason | None
    budget: int | None
    subsidy_spent: int
    created_at: datetime
    updated_at: datetime


class GroupBuyCard(ResponseModel):
    """A campaign as the product page shows it."""

    id: int
    title: str
    product_id: int
    sku_id: int
    group_size: int
    group_price: Fen
    shelf_price: Fen
    time_limit_seconds: int
    starts_at: datetime
    ends_at: datetime
    state: GroupBuyState


class GroupBuyOpen(RequestModel):
    """Open a group: the leader's order goes to this address."""

    address_id: Id


class GroupBuyJoin(RequestModel):
    address_id: Id


class GroupBuySeat(ResponseModel):
    """A seat as the group page shows it: the nickname masked, the avatar if any."""

    name: str
    avatar_url: str | None
    is_leader: bool
    joined_at: datetime | None


class GroupBuyGroup(ResponseModel):
    """A group as its share page shows it (anyone with the share id may look)."""

    share_id: str
    campaign_id: int
    title: str
    product_id: int
    sku_id: int
    group_price: Fen
    size: int
    filled: int
    slots_left: int
    auto_filled: int = Field(description="seats the shop filled (模拟成团); 0 when all were paid")
    status: GroupBuyGroupStatus
    expires_at: datetime
    completed_at: datetime | None
    seats: list[GroupBuySeat]


class GroupBuyParticipation(ResponseModel):
    """The shopper's seat: the order to pay (``POST /orders/{order_no}/pay``) and the group."""

    order_no: str
    payable_total: Fen
    share_id: str
    status: GroupBuySeatStatus
    group: GroupBuyGroup


class GroupBuyGroupAdmin(ResponseModel):
    """A group as the console lists it."""

    id: int
    share_id: str
    campaign_id: int
    leader_member_id: int
    size: int
    filled: int
    auto_filled: int
    status: GroupBuyGroupStatus
    expires_at: datetime
    completed_at: datetime | None
    failed_at: datetime | None
    created_at: datetime


class CampaignCostDay(ResponseModel):
    """One day (Asia/Shanghai) of a campaign's paid orders."""

    day: str
    subsidy: int
    paid_orders: int
    new_customers: int


class CampaignCosts(ResponseModel):
    """What a campaign cost and brought (the console's cost panel): ``subsidy_spent`` = (shelf
    price - play price) x units of its paid orders (refunded ones excluded); new customers are
    shoppers whose first paid order was this campaign's; ``cost_per_new_customer`` is None
    until there is one; ``budget_left`` is None without a budget."""

    campaign_id: int
    budget: int | None
    subsidy_spent: int
    budget_left: int | None
    paid_orders: int
    new_customers: int
    cost_per_new_customer: int | None
    stopped_by_budget: bool
    days: list[CampaignCostDay]
