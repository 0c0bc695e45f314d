"""话题挑战 prizes after the settlement: a winner's coupon that could not be issued is tried
again, and each winner gets a subscribe message (获奖通知).

A coupon prize is issued exactly once per challenge and rank. Every try, settlement's included,
first claims the winner row with one conditional UPDATE (``retrying``/``given_up`` →
``issued``) and issues the coupon in the same transaction; a failure (promotions refused it:
quota, expiry, a stopped template) is recorded on the row in that transaction with the next
try's time. So of many retriers (job workers and the console's 重新发放) at once, one issues and
the others find it issued (409 ``content.prize_already_issued`` for the console). The job tries
``MAX_ATTEMPTS`` times with a doubling delay from ``RETRY_BASE``, then gives up (放弃) with
promotions' reason; the console may still try again by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.errors import ShopletError
from shoplet.modules.content import repository as repo
from shoplet.modules.content.errors import (
    ChallengeNotFound,
    PrizeAlreadyIssued,
    PrizeHasNoCoupon,
    WinnerNotFound,
)
from shoplet.modules.content.models import ChallengeWinner as WinnerRow
from shoplet.modules.content.schemas import Winner
from shoplet.modules.notification import public as notification
from shoplet.modules.promotions import public as promotions

log = structlog.get_logger("shoplet.content")

MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=10)


def next_try(attempts: int, now: datetime) -> tuple[str, datetime | None]:
    """After ``attempts`` failed tries: (status, when the job tries next)."""
    if attempts >= MAX_ATTEMPTS:
        return "given_up", None
    return "retrying", now + RETRY_BASE * 2 ** (attempts - 1)


def winner_view(w: WinnerRow) -> Winner:
    return Winner(
        rank=w.rank,
        member_id=w.member_id,
        nickname=w.nickname,
        post_id=w.post_id,
        likes=w.likes,
        points=w.points,
        coupon_template_id=w.coupon_template_id,
        coupon_skipped=w.coupon_skipped,
        coupon_status=w.coupon_status,  # type: ignore[arg-type]
        coupon_attempts=w.coupon_attempts,
        coupon_retry_at=w.coupon_retry_at,
    )


async def issue_coupon(
    session: AsyncSession, *, challenge_id: int, rank: int, member_id: int, template_id: int
) -> str | None:
    """One copy of the prize's coupon for the winner; None when issued, else promotions'
    reason. Refusals write nothing (promotions refuses whole, or skips and gives back)."""
    try:
        report = await promotions.issue(
            session,
            template_id=template_id,
            member_ids=[member_id],
            actor=f"content.challenge:{challenge_id}:{rank}",
        )
    except ShopletError as exc:  # refused whole before writing: stopped, expired, gone
        return exc.code
    if report.skipped:
        return str(report.skipped[0]["code"])
    return None


async def _prize_template(session: AsyncSession, challenge_id: int, rank: int) -> int | None:
    for prize in await repo.prizes(session, challenge_id):
        if prize.rank == rank:
            return prize.coupon_template_id
    return None


async def _try(
    session: AsyncSession, winner_id: int, *, due_before: datetime | None, now: datetime
) -> WinnerRow | None:
    """Claim and try one winner's coupon; the row as it is now, None when not claimed."""
    row = await repo.claim_coupon(session, winner_id, due_before=due_before)
    if row is None:
        return None
    template_id = await _prize_template(session, row.challenge_id, row.rank)
    reason = (
        "content.prize_coupon_unknown"
        if template_id is None
        else await issue_coupon(
            session,
            challenge_id=row.challenge_id,
            rank=row.rank,
            member_id=row.member_id,
            template_id=template_id,
        )
    )
    if reason is None and template_id is not None:
        await repo.coupon_issued(session, row.id, template_id)
        await _notice_issued(session, row, now)
    else:
        status, retry_at = next_try(row.coupon_attempts, now)
        await repo.coupon_failed(
            session, row.id, reason=reason or "", status=status, retry_at=retry_at
        )
        log.warning(
            "content_prize_coupon_failed",
            winner_id=row.id,
            attempts=row.coupon_attempts,
            reason=reason,
            status=status,
        )
    return await repo.winner(session, winner_id)


async def _notice_issued(session: AsyncSession, row: WinnerRow, now: datetime) -> None:
    challenge = await repo.challenge(session, row.challenge_id)
    if challenge is None:  # pragma: no cover - a winner's challenge is never deleted
        return
    await repo.insert_notice(
        session,
        {
            "member_id": row.member_id,
            # Its own kind: one 补发 notice per winner row, beside the settlement's.
            "kind": "challenge_coupon",
            "ref_id": row.id,
            "question_id": None,
            "product_id": None,
            "topic_id": challenge.topic_id,
            "text": f"你在话题挑战中获得第{row.rank}名的优惠券奖励已补发",
            "is_read": False,
            "created_at": now,
        },
    )


async def reissue(
    session: AsyncSession, topic_id: int, rank: int, *, now: datetime | None = None
) -> Winner:
    """The console's 重新发放 of a winner's coupon prize, now: the winner as it is after the
    try (issued, or the reason it still is not). 404 ``content.winner_not_found``; 409
    ``content.prize_already_issued`` (also when a concurrent retry issued it first),
    ``content.prize_has_no_coupon``; nothing changes on a refusal."""
    now = now or utcnow()
    challenge = await repo.challenge_of_topic(session, topic_id)
    if challenge is None:
        raise ChallengeNotFound(topic_id=topic_id)
    found = await repo.winner_at(session, challenge.id, rank)
    if found is None:
        raise WinnerNotFound(topic_id=topic_id, rank=rank)
    if found.coupon_status is None:
        raise PrizeHasNoCoupon(rank=rank)
    row = await _try(session, found.id, due_before=None, now=now)
    if row is None:
        raise PrizeAlreadyIssued(rank=rank)
    return winner_view(row)


async def retry_due(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime | None = None
) -> int:
    """The job: every coupon prize due another try, each in its own transaction; how many
    this run issued."""
    now = now or utcnow()
    async with unit_of_work(sessionmaker) as session:
        due = await repo.due_coupon_retries(session, now)
    issued = 0
    for winner_id in due:
        async with unit_of_work(sessionmaker) as session:
            row = await _try(session, winner_id, due_before=now, now=now)
            if row is not None and row.coupon_status == "issued":
                issued += 1
    return issued


async def tell_winner(
    session: AsyncSession,
    *,
    challenge_id: int,
    topic_name: str,
    member_id: int,
    prize: str,
    settled_at: datetime,
) -> bool:
    """The winner's 获奖通知 (subscribe message), recorded once per challenge and winner
    (notification's send is unique on the event, the member and ``challenge:<id>``); sent
    when the shopper holds an accept of the template (asked on 参与挑战)."""
    return await notification.enqueue(
        session,
        event="challenge_prize",
        member_id=member_id,
        ref=f"challenge:{challenge_id}",
        values={
            "challenge_name": notification.shorten(f"#{topic_name}"),
            "prize": notification.shorten(prize or "荣誉上榜"),
            "settled_at": notification.shown_time(settled_at),
        },
    )
