"""Request and response models of crowdfunding (storefront and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import Fen, Id, RequestModel, ResponseModel
from shoplet.modules.social.schemas import Budget, StoppedReason, When

CrowdfundingStatus = Literal["active", "stopped", "succeeded", "failed"]
# What a shopper sees: taking pledges, not yet, waiting for its result, stopped, the result.
CrowdfundingState = Literal["running", "upcoming", "settling", "stopped", "succeeded", "failed"]
PledgeStatus = Literal["pending", "paid", "succeeded", "refunded", "cancelled"]


class CrowdfundingWrite(RequestModel):
    """A campaign as the merchant edits it: shoppers pledge ``pledge_price`` fen per unit of
    ``sku_id`` until ``ends_at``; ``target_quantity`` paid units confirm it. ``max_quantity``
    (default: no more than the target x 10) caps the units pledged."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    story: Annotated[str, StringConstraints(max_length=2000)] = ""
    sku_id: Id
    pledge_price: Annotated[int, Field(ge=1, le=10_000_000_000)]
    target_quantity: Annotated[int, Field(ge=1, le=1_000_000)]
    max_quantity: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    per_member_limit: Annotated[int, Field(ge=1, le=100)] = 1
    free_shipping: bool = True
    starts_at: When
    ends_at: When
    budget: Budget = None


class CrowdfundingStatusChange(RequestModel):
    status: Literal["stopped"]


class Crowdfunding(ResponseModel):
    """A campaign as the console sees it, with its live progress."""

    id: int
    title: str
    story: str
    product_id: int
    sku_id: int
    pledge_price: int
    target_quantity: int
    max_quantity: int
    per_member_limit: int
    claimed_units: int
    pledged_units: int
    backers: int
    progress_percent: int
    free_shipping: bool
    starts_at: datetime
    ends_at: datetime
    status: CrowdfundingStatus
    state: CrowdfundingState
    stopped_reason: StoppedReason | None
    budget: int | None
    subsidy_spent: int
    settled_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CrowdfundingCard(ResponseModel):
    """A campaign as the shop shows it (product page entry and the campaign page)."""

    id: int
    title: str
    story: str
    product_id: int
    sku_id: int
    pledge_price: Fen
    shelf_price: Fen
    target_quantity: int
    pledged_units: int
    backers: int
    progress_percent: int
    units_left: int
    per_member_limit: int
    free_shipping: bool
    starts_at: datetime
    ends_at: datetime
    state: CrowdfundingState


class PledgeCreate(RequestModel):
    """Pledge (支持): ``quantity`` units to this address, paid next."""

    address_id: Id
    quantity: Annotated[int, Field(ge=1, le=100)] = 1


class PledgeView(ResponseModel):
    """The shopper's pledge: the order to pay (``POST /orders/{order_no}/pay``)."""

    order_no: str
    quantity: int
    payable_total: Fen
    status: PledgeStatus
    campaign: CrowdfundingCard
