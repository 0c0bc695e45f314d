"""Points for product reviews (评价奖励): ``review_points`` for each of a shopper's first
``review_points_daily`` rewarded reviews of an Asia/Shanghai day, taken back when a review is
hidden.

The daily cap is counted under the shopper's points-account row lock (``lock_account``), so
reviews written at once from several devices never pass it; each grant and each reversal is a
ledger entry with the review's ref (``review:<id>:<seq>``, unique per kind), so a retry changes
nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.loyalty import programme, service
from shoplet.modules.loyalty import repository as repo
from shoplet.modules.loyalty import rules as r

REASON = "review"


def review_ref(review_id: int, seq: int) -> str:
    return f"review:{review_id}:{seq}"


async def award_review_points(
    session: AsyncSession, *, member_id: int, review_id: int, seq: int, now: datetime
) -> int:
    """The points this review earns now (0: the programme is off, the reward is 0 or the day's
    cap is reached), credited in the caller's transaction."""
    rules = await programme.get_rules(session)
    if not rules.enabled or rules.review_points <= 0:
        return 0
    await repo.ensure_account(session, member_id, now)
    await repo.lock_account(session, member_id)
    ref = review_ref(review_id, seq)
    if await repo.get_entry(session, "earn", ref) is not None:
        return 0
    today = await repo.count_entries_since(
        session, member_id, kind="earn", reason=REASON, since=r.day_start(now)
    )
    if today >= rules.review_points_daily:
        return 0
    credited = await service.credit_batch(
        session,
        member_id=member_id,
        kind="earn",
        reason=REASON,
        points=rules.review_points,
        ref=ref,
        expires_at=r.expires_at(rules, now),
        now=now,
        detail={"review_id": review_id},
    )
    return rules.review_points if credited else 0


async def take_back_review_points(
    session: AsyncSession,
    *,
    member_id: int,
    review_id: int,
    seq: int,
    points: int,
    now: datetime,
) -> None:
    """A hidden review gives its ``points`` back: never below 0 (what the balance cannot cover
    is the entry's shortfall), once per ``seq``."""
    await service.take_back(
        session,
        member_id=member_id,
        points=points,
        reason=REASON,
        ref=review_ref(review_id, seq),
        now=now,
        detail={"review_id": review_id},
    )
