"""Loyalty request bodies (strict) and responses. Points are integers; money is fen."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import RequestModel, ResponseModel

EntryKind = Literal["earn", "spend", "expire", "reverse", "adjust"]
MAX_POINTS = 100_000_000


class PointsSummary(ResponseModel):
    enabled: bool
    balance: int
    lifetime_earned: int
    lifetime_spent: int
    points_per_yuan: int = Field(description="points worth ¥1")
    expiring_points: int = Field(description="points expiring next (within 30 days), 0: none")
    expiring_at: datetime | None


class PointsEntry(ResponseModel):
    id: int
    kind: EntryKind
    reason: str
    points: int = Field(description="signed: + earned/given back, - spent/expired/taken back")
    ref: str
    order_no: str | None
    expires_at: datetime | None
    remaining: int
    shortfall: int = Field(description="points a reversal could not take back (spent already)")
    note: str | None = None
    created_at: datetime


class PointsQuote(ResponseModel):
    """Points at checkout: the balance, the most this order may use, what it uses and its
    value in fen."""

    balance: int
    usable_max: int
    usable_value: int = Field(description="fen the most usable points would take off")
    used: int
    value: int


class SignInResult(ResponseModel):
    day: date
    streak: int
    points: int
    balance: int
    next_bonus_in: int


class SignInCalendar(ResponseModel):
    month: str
    signed_days: list[date]
    signed_today: bool
    streak: int = Field(description="the unbroken run ending today (or yesterday if not yet)")
    today_reward: int = Field(description="points today's sign-in gives (or gave)")
    next_bonus_in: int = Field(description="sign-ins until the next bonus day")
    bonus_every: int
    bonus: int
    enabled: bool


class LoyaltySettings(ResponseModel):
    enabled: bool
    earn_per_yuan: int
    points_per_yuan: int
    max_share_permille: int
    expiry_days: int | None
    signin_base: int
    signin_bonus: int
    signin_bonus_every: int
    signin_growth: int
    review_growth: int
    review_points: int
    review_points_daily: int
    updated_by: str | None = None
    updated_at: datetime | None = None


class LoyaltySettingsUpdate(RequestModel):
    enabled: bool
    earn_per_yuan: int = Field(ge=0, le=100, description="points per ¥1 of goods paid")
    points_per_yuan: int = Field(ge=1, le=10_000, description="points worth ¥1 at checkout")
    max_share_permille: int = Field(ge=0, le=1000, description="most of the goods points pay")
    expiry_days: int | None = Field(
        default=None, ge=1, le=3650, description="absent: end of the year after earning"
    )
    signin_base: int = Field(ge=0, le=10_000)
    signin_bonus: int = Field(ge=0, le=100_000)
    signin_bonus_every: int = Field(ge=2, le=31)
    signin_growth: int = Field(
        default=1, ge=0, le=1000, description="growth (成长值) a daily sign-in adds; 0: none"
    )
    review_growth: int = Field(
        default=5, ge=0, le=1000, description="growth (成长值) a product review adds; 0: none"
    )
    review_points: int = Field(
        default=10, ge=0, le=10_000, description="points a product review earns; 0: none"
    )
    review_points_daily: int = Field(
        default=3, ge=1, le=50, description="reviews a day that earn points, per shopper"
    )


class MemberPoints(ResponseModel):
    member_id: int
    balance: int
    lifetime_earned: int
    lifetime_spent: int
    entries: list[PointsEntry]
    next_cursor: str | None = None


class PointsAdjust(RequestModel):
    points: int = Field(ge=-MAX_POINTS, le=MAX_POINTS, description="signed, not 0")
    reason: Annotated[str, StringConstraints(min_length=1, max_length=100)]
