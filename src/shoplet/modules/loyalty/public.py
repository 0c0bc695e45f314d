"""What other modules may use from loyalty.

- checkout: :func:`quote` (the balance, the most an order may use, the value of what it uses, or
  the 4xx saying why not) and :func:`spend` (take the points in the order's transaction);
  ``PointsQuote`` for its preview; ``InsufficientPoints`` (409);
- reports (insights' benefit cost model): :func:`order_points` (a subquery of the points each
  order earned, to join in SQL) and :func:`points_economy` (issued and spent over the trailing
  year, the points' value).
  ``PointsQuote`` for its preview; ``InsufficientPoints`` (409).
- reviews: :func:`review_growth` (the growth a review adds, from the programme's settings),
  :func:`award_review_points` / :func:`take_back_review_points` (评价奖励 with its daily cap);
- achievements: ``SIGNED_IN`` and :func:`longest_signin_streaks` (streak badges),
  :func:`award_achievement_points` (a badge's reward, once per member and badge);
- content's topic challenges: :func:`award_prize_points` (a rank's points, once per ref);
- the points mall: :func:`spend` for a mall order's points (ref ``order:<no>``, so they come
  back on cancel and full refund like any order's), :func:`spend_in_mall` for a coupon.

Everything runs in the caller's transaction (flush only).
"""

from __future__ import annotations

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.loyalty.achievement_points import award_achievement_points
from shoplet.modules.loyalty.economy import PointsEconomy, points_economy
from shoplet.modules.loyalty.errors import InsufficientPoints, PointsOverCap, ProgrammeDisabled
from shoplet.modules.loyalty.events import POINTS_CHANGED, SIGNED_IN
from shoplet.modules.loyalty.prize_points import award_prize_points
from shoplet.modules.loyalty.programme import review_growth
from shoplet.modules.loyalty.repository import longest_signin_streaks, order_points
from shoplet.modules.loyalty.repository import move_member as _move_member
from shoplet.modules.loyalty.review_points import award_review_points, take_back_review_points
from shoplet.modules.loyalty.schemas import PointsQuote
from shoplet.modules.loyalty.service import (
    quote,
    spend,
    spend_in_mall,
)
from shoplet.modules.members import public as members

__all__ = [
    "POINTS_CHANGED",
    "SIGNED_IN",
    "InsufficientPoints",
    "PointsEconomy",
    "PointsOverCap",
    "PointsQuote",
    "ProgrammeDisabled",
    "award_achievement_points",
    "award_prize_points",
    "award_review_points",
    "longest_signin_streaks",
    "order_points",
    "points_economy",
    "quote",
    "review_growth",
    "spend",
    "spend_in_mall",
    "startup",
    "take_back_review_points",
]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves what loyalty owns through this hook (members sits below)."""
    members.register_merge_hook(
        ctx,
        "loyalty",
        _move_member,
        tables=(
            "loyalty_points_account.member_id",
            "loyalty_points_entry.member_id",
            "loyalty_signin.member_id",
        ),
    )
