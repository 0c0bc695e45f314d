"""话题挑战: a topic run as a challenge with a window and prizes, its live leaderboard, and the
one settlement that records the winners, grants their prizes and tells them.

A challenge's status is derived, never stored: 未开始 before ``starts_at``, 进行中 until
``ends_at``, 已结束 until settled, 已颁奖 once ``settled_at`` is set. Its start and prizes are
frozen once it runs (the UPDATE is conditional on it not having started), everything once it is
settled. Settling is exactly once: the conditional UPDATE of ``settled_at`` is won by one
transaction, which also writes the winners, credits points (loyalty, ref
``challenge:<id>:<rank>``), issues coupons (promotions; one that cannot be issued is left to the
retry job, see ``prizes``), the in-app notices and each winner's subscribe message (获奖通知);
a concurrent settler waits on the row and then finds it settled.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.modules.content import repository as repo
from shoplet.modules.content import rules as r
from shoplet.modules.content.errors import (
    ChallengeNotEnded,
    ChallengeNotFound,
    ChallengeSettled,
    ChallengeStarted,
    ChallengeWindowInvalid,
    PrizeCouponUnknown,
    PrizeEmpty,
    PrizeRanksInvalid,
    TopicNotFound,
)
from shoplet.modules.content.events import CHALLENGE_SETTLED
from shoplet.modules.content.models import Challenge as ChallengeRow
from shoplet.modules.content.models import Topic as TopicRow
from shoplet.modules.content.schemas import (
    Challenge,
    ChallengeSettlement,
    ChallengeWrite,
    MyRank,
    Prize,
    RankEntry,
    Winner,
)
from shoplet.modules.content.service import prizes
from shoplet.modules.loyalty import public as loyalty
from shoplet.modules.promotions import public as promotions

LEADERBOARD = 10


def status_of(row: ChallengeRow, now: datetime) -> str:
    if row.settled_at is not None:
        return "awarded"
    if now < row.starts_at:
        return "upcoming"
    if now < row.ends_at:
        return "running"
    return "ended"


async def _topic_row(session: AsyncSession, topic_id: int) -> TopicRow:
    row = await repo.get(session, TopicRow, topic_id)  # type: ignore[arg-type]
    if row is None:
        raise TopicNotFound(topic_id=topic_id)
    return row  # type: ignore[no-any-return]


async def _coupon_names(session: AsyncSession, template_ids: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for template_id in dict.fromkeys(template_ids):
        try:
            names[template_id] = (await promotions.get_template(session, template_id)).name
        except promotions.TemplateNotFound:
            continue
    return names


_winner = prizes.winner_view


async def _view(
    session: AsyncSession,
    row: ChallengeRow,
    topic_name: str,
    *,
    viewer: int | None,
    limit: int,
    now: datetime,
) -> Challenge:
    prize_rows = await repo.prizes(session, row.id)
    names = await _coupon_names(
        session, [p.coupon_template_id for p in prize_rows if p.coupon_template_id is not None]
    )
    winners = [_winner(w) for w in await repo.winners(session, row.id)]
    if row.settled_at is not None:
        board = [RankEntry.model_validate(w.model_dump()) for w in winners][:limit]
    else:
        board = [
            RankEntry(rank=p, member_id=m, post_id=i, nickname=n, likes=k)
            for p, m, i, n, k in await repo.leaderboard(session, row, limit)
        ]
    me = None
    if viewer is not None:
        mine = await repo.rank_of(session, row, viewer)
        me = (
            MyRank(rank=mine[0], post_id=mine[1], likes=mine[2])
            if mine is not None
            else MyRank(rank=None, post_id=None, likes=0)
        )
    return Challenge(
        id=row.id,
        topic_id=row.topic_id,
        topic_name=topic_name,
        status=status_of(row, now),  # type: ignore[arg-type]
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        rules=row.rules,
        prizes=[
            Prize(
                rank=p.rank,
                points=p.points,
                coupon_template_id=p.coupon_template_id,
                coupon_name=names.get(p.coupon_template_id) if p.coupon_template_id else None,
            )
            for p in prize_rows
        ],
        leaderboard=board,
        winners=winners,
        me=me,
        settled_at=row.settled_at,
    )


async def challenge(
    session: AsyncSession,
    topic_id: int,
    *,
    viewer: int | None,
    limit: int = LEADERBOARD,
    include_closed: bool = False,
    now: datetime | None = None,
) -> Challenge:
    """A topic's challenge with the top ``limit`` and the viewer's rank (404
    ``content.challenge_not_found`` when the topic runs none)."""
    topic = await _topic_row(session, topic_id)
    if not topic.is_active and not include_closed:
        raise TopicNotFound(topic_id=topic_id)
    row = await repo.challenge_of_topic(session, topic_id)
    if row is None:
        raise ChallengeNotFound(topic_id=topic_id)
    return await _view(session, row, topic.name, viewer=viewer, limit=limit, now=now or utcnow())


async def _checked_prizes(session: AsyncSession, body: ChallengeWrite) -> list[dict[str, object]]:
    ranks = sorted(p.rank for p in body.prizes)
    if ranks != list(range(1, len(ranks) + 1)):
        raise PrizeRanksInvalid(ranks=ranks)
    for p in body.prizes:
        if p.points <= 0 and p.coupon_template_id is None:
            raise PrizeEmpty(rank=p.rank)
    wanted = [p.coupon_template_id for p in body.prizes if p.coupon_template_id is not None]
    known = await _coupon_names(session, wanted)
    unknown = sorted({t for t in wanted if t not in known})
    if unknown:
        raise PrizeCouponUnknown(coupon_template_ids=unknown)
    return [
        {"rank": p.rank, "points": p.points, "coupon_template_id": p.coupon_template_id}
        for p in sorted(body.prizes, key=lambda p: p.rank)
    ]


async def save_challenge(
    session: AsyncSession, topic_id: int, body: ChallengeWrite, *, now: datetime | None = None
) -> Challenge:
    """Create or edit a topic's challenge. 400 when it ends before it starts or in the past,
    when prize ranks have a gap or repeat, a prize is empty or its coupon unknown; 409
    ``content.challenge_started`` when its start or prizes would change after it started,
    ``content.challenge_already_settled`` once settled. All checked before anything is written."""
    now = now or utcnow()
    topic = await _topic_row(session, topic_id)
    if body.ends_at <= body.starts_at:
        raise ChallengeWindowInvalid("ends_at must be after starts_at")
    if body.ends_at <= now:
        raise ChallengeWindowInvalid("ends_at must be in the future")
    prize_values = await _checked_prizes(session, body)
    rules = r.clean_text(body.rules)
    existing = await repo.challenge_of_topic(session, topic_id)
    if existing is None:
        new_id = await repo.insert_challenge(
            session,
            {
                "topic_id": topic_id,
                "starts_at": body.starts_at,
                "ends_at": body.ends_at,
                "rules": rules,
                "settled_at": None,
                "created_at": now,
                "updated_at": now,
            },
        )
        if new_id is None:  # created meanwhile by another request: edit that one
            return await save_challenge(session, topic_id, body, now=now)
        await repo.replace_prizes(session, new_id, prize_values)
    else:
        if existing.settled_at is not None:
            raise ChallengeSettled(topic_id=topic_id)
        current: list[dict[str, object]] = [
            {"rank": p.rank, "points": p.points, "coupon_template_id": p.coupon_template_id}
            for p in await repo.prizes(session, existing.id)
        ]
        frozen_changed = body.starts_at != existing.starts_at or current != prize_values
        started = existing.starts_at <= now
        if started and frozen_changed:
            raise ChallengeStarted(topic_id=topic_id)
        values = {
            "starts_at": body.starts_at,
            "ends_at": body.ends_at,
            "rules": rules,
            "updated_at": now,
        }
        # Unstarted: the UPDATE holds only while it still is (a start meanwhile refuses it).
        if not await repo.update_challenge(
            session, existing.id, values, unstarted_before=None if started else now
        ):
            fresh = await repo.challenge(session, existing.id)
            if fresh is not None and fresh.settled_at is not None:
                raise ChallengeSettled(topic_id=topic_id)
            raise ChallengeStarted(topic_id=topic_id)
        if not started:
            await repo.replace_prizes(session, existing.id, prize_values)
    row = await repo.challenge_of_topic(session, topic_id)
    assert row is not None  # noqa: S101 - written above in this transaction
    return await _view(session, row, topic.name, viewer=None, limit=LEADERBOARD, now=now)


# -- settlement ------------------------------------------------------------------------------


async def _grant(
    session: AsyncSession,
    row: ChallengeRow,
    topic_name: str,
    *,
    rank: int,
    member_id: int,
    nickname: str,
    post_id: int,
    likes: int,
    points: int,
    coupon_template_id: int | None,
    now: datetime,
) -> Winner:
    credited = 0
    if points > 0:
        credited = await loyalty.award_prize_points(
            session,
            member_id=member_id,
            ref=f"challenge:{row.id}:{rank}",
            points=points,
            now=now,
            detail={"challenge_id": row.id, "topic_id": row.topic_id, "rank": rank},
        )
    skipped: str | None = None
    status: str | None = None
    retry_at: datetime | None = None
    if coupon_template_id is not None:
        skipped = await prizes.issue_coupon(
            session,
            challenge_id=row.id,
            rank=rank,
            member_id=member_id,
            template_id=coupon_template_id,
        )
        # Not issued: the retry job tries again (settlement was the first try).
        status, retry_at = ("issued", None) if skipped is None else prizes.next_try(1, now)
    winner_id = await repo.insert_winner(
        session,
        {
            "challenge_id": row.id,
            "rank": rank,
            "member_id": member_id,
            "nickname": nickname,
            "post_id": post_id,
            "likes": likes,
            "points": credited,
            "coupon_template_id": coupon_template_id if skipped is None else None,
            "coupon_skipped": skipped,
            "coupon_status": status,
            "coupon_attempts": 1 if status is not None else 0,
            "coupon_retry_at": retry_at,
            "created_at": now,
        },
    )
    prize = "、".join(
        part
        for part in (
            f"{credited}积分" if credited else "",
            "优惠券" if coupon_template_id is not None and skipped is None else "",
        )
        if part
    )
    await repo.insert_notice(
        session,
        {
            "member_id": member_id,
            "kind": "challenge",
            "ref_id": winner_id,
            "question_id": None,
            "product_id": None,
            "topic_id": row.topic_id,
            "text": f"恭喜！你在 #{topic_name} 话题挑战中获得第{rank}名"
            + (f"，奖励{prize}已发放" if prize else ""),
            "is_read": False,
            "created_at": now,
        },
    )
    await prizes.tell_winner(
        session,
        challenge_id=row.id,
        topic_name=topic_name,
        member_id=member_id,
        prize="、".join(p for p in (prize, "优惠券补发中" if skipped is not None else "") if p),
        settled_at=now,
    )
    winner = await repo.winner_at(session, row.id, rank)
    assert winner is not None  # noqa: S101 - inserted above
    return prizes.winner_view(winner)


async def settle(
    session: AsyncSession, challenge_id: int, *, now: datetime | None = None
) -> ChallengeSettlement:
    """Settle an ended challenge in the caller's transaction, once: winners by the final
    leaderboard (one rank per prize, fewer when fewer members took part), prizes granted,
    a notice to each winner and ``content.challenge_settled``. A second call (or the loser of
    a race) changes nothing and returns the recorded winners with ``settled`` false."""
    now = now or utcnow()
    row = await repo.challenge(session, challenge_id)
    if row is None:
        raise ChallengeNotFound(challenge_id=challenge_id)
    if not await repo.claim_settlement(session, challenge_id, now):
        fresh = await repo.challenge(session, challenge_id)
        if fresh is not None and fresh.settled_at is None:
            raise ChallengeNotEnded(ends_at=fresh.ends_at.isoformat())
        return ChallengeSettlement(
            settled=False, winners=[_winner(w) for w in await repo.winners(session, challenge_id)]
        )
    topic = await _topic_row(session, row.topic_id)
    prize_rows = await repo.prizes(session, row.id)
    board = await repo.leaderboard(session, row, len(prize_rows))
    granted: list[Winner] = []
    for prize, (place, member_id, post_id, nickname, likes) in zip(prize_rows, board, strict=False):
        winner = await _grant(
            session,
            row,
            topic.name,
            rank=place,
            member_id=member_id,
            nickname=nickname,
            post_id=post_id,
            likes=likes,
            points=prize.points,
            coupon_template_id=prize.coupon_template_id,
            now=now,
        )
        granted.append(winner)
    await publish(
        session,
        CHALLENGE_SETTLED,
        {
            "challenge_id": row.id,
            "topic_id": row.topic_id,
            "winners": [{"rank": w.rank, "member_id": w.member_id} for w in granted],
        },
        key=str(row.id),
    )
    return ChallengeSettlement(settled=True, winners=granted)


async def settle_topic(session: AsyncSession, topic_id: int) -> ChallengeSettlement:
    """The console's 立即结算 of a topic's ended challenge (409 before its end)."""
    row = await repo.challenge_of_topic(session, topic_id)
    if row is None:
        raise ChallengeNotFound(topic_id=topic_id)
    return await settle(session, row.id)


async def settle_due(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime | None = None
) -> int:
    """The job: every ended, unsettled challenge, each in its own transaction; how many this
    run settled (one another worker settled first counts for that one)."""
    now = now or utcnow()
    async with unit_of_work(sessionmaker) as session:
        due = await repo.due_challenges(session, now)
    settled = 0
    for challenge_id in due:
        async with unit_of_work(sessionmaker) as session:
            if (await settle(session, challenge_id, now=now)).settled:
                settled += 1
    return settled
