"""Request and response models of distribution (storefront and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import Fen, Id, RequestModel, ResponseModel

BecomeMode = Literal["apply", "auto"]
BindingMode = Literal["first_touch", "permanent"]
PromoterStatus = Literal["pending", "active", "rejected"]
CommissionStatus = Literal["frozen", "settled", "reversed"]
WithdrawalStatus = Literal["requested", "paying", "paid", "failed", "rejected"]
Bps = Annotated[int, Field(ge=0, le=5000, description="basis points: 1000 = 10%")]
PromoterCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{4,16}$")]


class RateOverride(RequestModel):
    target_id: Id
    level1_bps: Bps
    level2_bps: Bps


class DistributionSettingsWrite(RequestModel):
    """The shop's rules. ``freeze_days`` is how long after completion commissions stay frozen
    (the after-sales window); ``binding_days`` applies to ``first_touch`` only."""

    is_enabled: bool
    become_mode: BecomeMode
    auto_after_orders: Annotated[int, Field(ge=1, le=1000)] = 1
    binding_mode: BindingMode
    binding_days: Annotated[int, Field(ge=1, le=3650)] = 30
    level1_bps: Bps
    level2_bps: Bps
    min_withdrawal: Annotated[int, Field(ge=10, le=100_000_000)] = 100
    freeze_days: Annotated[int, Field(ge=0, le=365)]
    category_rates: Annotated[list[RateOverride], Field(max_length=500, default_factory=list)]
    product_rates: Annotated[list[RateOverride], Field(max_length=500, default_factory=list)]


class RateView(ResponseModel):
    target_id: int
    level1_bps: int
    level2_bps: int


class DistributionSettings(ResponseModel):
    is_enabled: bool
    become_mode: BecomeMode
    auto_after_orders: int
    binding_mode: BindingMode
    binding_days: int
    level1_bps: int
    level2_bps: int
    min_withdrawal: Fen
    freeze_days: int
    category_rates: list[RateView]
    product_rates: list[RateView]
    updated_at: datetime | None


class BindRequest(RequestModel):
    promoter_code: PromoterCode


class BindingView(ResponseModel):
    promoter_code: str
    bound_at: datetime
    expires_at: datetime | None
    is_new: bool = Field(description="this request bound the shopper (first touch)")


class Balance(ResponseModel):
    frozen: Fen
    available: int = Field(description="fen; negative after refunds of settled commissions")
    withdrawing: Fen
    withdrawn: Fen


class PromoterCentre(ResponseModel):
    """The shopper's 推广中心: whether they are a promoter, their code and balance."""

    status: PromoterStatus | Literal["none"]
    code: str | None
    become_mode: BecomeMode
    auto_after_orders: int
    min_withdrawal: Fen
    is_enabled: bool
    balance: Balance | None
    team_level1: int
    team_level2: int


class TeamMember(ResponseModel):
    level: Literal[1, 2]
    name: str
    avatar_url: str | None
    bound_at: datetime


class CommissionView(ResponseModel):
    id: int
    order_no: str
    level: Literal[1, 2]
    title: str
    line_payable: Fen
    rate_bps: int
    amount: Fen
    reversed_amount: Fen
    status: CommissionStatus
    unfreeze_at: datetime | None
    created_at: datetime


class CommissionAdmin(CommissionView):
    promoter_id: int
    buyer_member_id: int


PayeeName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=2, max_length=30, pattern=r"^[^\d\s<>]+( [^\d\s<>]+)*$"
    ),
]


class WithdrawalCreate(RequestModel):
    amount: Annotated[int, Field(ge=1, le=100_000_000)]
    real_name: PayeeName | None = Field(
        default=None,
        description="the payee's real name as in WeChat Pay; required from ¥2,000 (200000 fen)",
    )


class WithdrawalView(ResponseModel):
    withdrawal_no: str
    amount: Fen
    status: WithdrawalStatus
    transfer_state: str | None
    package_info: str | None
    fail_reason: str | None
    payee_name: str | None = Field(description="masked (张**)")
    created_at: datetime
    reviewed_at: datetime | None
    paid_at: datetime | None


class WithdrawalEventView(ResponseModel):
    from_status: str | None
    to_status: str
    actor: str
    note: str | None
    created_at: datetime


class WithdrawalAdmin(WithdrawalView):
    id: int
    promoter_id: int
    member_id: int
    reviewed_by: str | None
    events: list[WithdrawalEventView]


class WithdrawalReject(RequestModel):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PromoterReview(RequestModel):
    decision: Literal["approve", "reject"]


class PromoterAdmin(ResponseModel):
    id: int
    member_id: int
    name: str
    code: str
    status: PromoterStatus
    team_size: int
    frozen: Fen
    available: int
    withdrawn: Fen
    applied_at: datetime
    reviewed_at: datetime | None
