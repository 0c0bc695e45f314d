"""The shoppers' side: a session's page, comments, 订阅提醒, likes, joining the room and
claiming its coupons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.modules.live import repository as repo
from shoplet.modules.live import schemas
from shoplet.modules.live.errors import (
    Banned,
    CommentBlocked,
    CommentInvalid,
    CommentRateLimited,
    CouponNotPushed,
    CouponUnavailable,
    LikesInvalid,
    Muted,
    NotLive,
    WrongStatus,
)
from shoplet.modules.live.hub import LiveHub
from shoplet.modules.live.models import LiveSession
from shoplet.modules.members import public as members
from shoplet.modules.moderation import public as moderation
from shoplet.modules.notification import public as notification
from shoplet.modules.promotions import public as promotions

from ._common import (
    MAX_COMMENT,
    MAX_LIKES,
    RECENT_COMMENTS,
    _coupons,
    _frame,
    _player,
    _session,
    comment_out,
    log,
    session_out,
    shelf,
)
from .recording import replay_url_of


async def detail(
    session: AsyncSession, ctx: AppContext, *, session_id: int, member_id: int | None
) -> schemas.LiveSessionDetail:
    row = await _session(session, session_id)
    return schemas.LiveSessionDetail(
        session=session_out(row),
        shelf=await shelf(session, session_id),
        player=_player(ctx, row) if row.status == "live" else None,
        is_subscribed=(
            member_id is not None and await repo.is_subscribed(session, session_id, member_id)
        ),
        coupons=await _coupons(session, session_id) if row.status == "live" else [],
        replay_play_url=(
            replay_url_of(row, await repo.get_recording(session, session_id))
            if row.status == "ended"
            else None
        ),
    )


async def comments(session: AsyncSession, *, session_id: int) -> list[schemas.LiveComment]:
    await _session(session, session_id)
    return [
        comment_out(r) for r in await repo.latest_comments(session, session_id, RECENT_COMMENTS)
    ]


# -- shoppers --------------------------------------------------------------------------------


async def subscribe(
    session: AsyncSession, *, session_id: int, member_id: int, answers: dict[str, str]
) -> schemas.LiveSubscribed:
    """订阅提醒: remember the shopper for this session and record their answers to the 开播提醒
    template as credits for this session (``live:<id>``)."""
    await members.hold_member(session, member_id)
    row = await _session(session, session_id)
    if row.status != "scheduled":
        raise WrongStatus("Only a session not started yet takes reminders")
    if answers:
        await notification.record_answers(
            session,
            member_id=member_id,
            answers=answers,
            subjects={"live_start": (f"live:{session_id}", None)},
        )
    if await repo.subscribe(session, session_id, member_id, utcnow()):
        await repo.add_counts(session, session_id, subscriber_total=1)
    row = await _session(session, session_id)
    return schemas.LiveSubscribed(is_subscribed=True, subscriber_total=row.subscriber_total)


@dataclass(frozen=True, slots=True)
class Commenter:
    member_id: int
    openid: str | None


def _clean_comment(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise CommentInvalid("Write something first")
    if len(cleaned) > MAX_COMMENT:
        raise CommentInvalid(f"{len(cleaned)} characters; at most {MAX_COMMENT}")
    return cleaned


async def _check_restrictions(session: AsyncSession, session_id: int, member_id: int) -> None:
    kinds = await repo.restrictions_of(session, session_id, member_id)
    if "ban" in kinds:
        raise Banned()
    if "mute" in kinds:
        raise Muted()


async def post_comment(
    ctx: AppContext, hub: LiveHub, who: Commenter, *, session_id: int, text: str
) -> schemas.LiveComment:
    """A shopper's comment (see the module docstring for the order of the checks)."""
    cleaned = _clean_comment(text)
    async with read_session(ctx.sessionmaker) as session:
        row = await _session(session, session_id)
        if row.status != "live":
            raise NotLive()
        await _check_restrictions(session, session_id, who.member_id)
        nickname = await members.get_nickname(session, who.member_id) or "顾客"
    verdict = await hub.store.take_comment(
        session_id,
        who.member_id,
        gap=ctx.settings.live_comment_gap_seconds,
        per_minute=ctx.settings.live_comment_per_minute,
    )
    if verdict != "ok":
        gap = ctx.settings.live_comment_gap_seconds
        raise CommentRateLimited(
            f"At most one comment every {gap} s and "
            f"{ctx.settings.live_comment_per_minute} a minute",
            retry_after=gap if verdict == "too_fast" else 60,
        )
    screening = await moderation.screen(ctx, text=cleaned, openid=who.openid)
    if screening.filter_action in ("block", "hold") or screening.text_state in ("risky", "review"):
        log.info("live.comment_blocked", session_id=session_id, member_id=who.member_id)
        raise CommentBlocked()
    async with unit_of_work(ctx.sessionmaker) as session:
        comment = await repo.insert_comment(
            session,
            {
                "session_id": session_id,
                "member_id": who.member_id,
                "nickname": nickname[:64],
                "body": screening.text,
                "created_at": utcnow(),
            },
        )
        if not await repo.update_session(
            session,
            session_id,
            {"comment_total": LiveSession.comment_total + 1},
            status="live",
        ):
            raise NotLive()  # ended meanwhile: the comment rolls back
        out = comment_out(comment)
        hub.after_commit(
            session,
            _frame(
                session_id,
                {"type": "comment", "comment": out.model_dump(mode="json")},
                staff={"comment": {"member_id": who.member_id}},
            ),
        )
    return out


def take_likes(hub: LiveHub, *, session_id: int, count: int) -> schemas.LiveLikeResult:
    """Likes are added to the room's counter on the hub's next tick (batched)."""
    if not 1 <= count <= MAX_LIKES:
        raise LikesInvalid(f"{count} is not from 1 to {MAX_LIKES}")
    hub.like(session_id, count)
    return schemas.LiveLikeResult(accepted=count)


async def like(
    session: AsyncSession, hub: LiveHub, *, session_id: int, count: int
) -> schemas.LiveLikeResult:
    row = await _session(session, session_id)
    if not 1 <= count <= MAX_LIKES:
        raise LikesInvalid(f"{count} is not from 1 to {MAX_LIKES}")
    if row.status != "live":
        raise NotLive()
    return take_likes(hub, session_id=session_id, count=count)


async def join(ctx: AppContext, hub: LiveHub, *, session_id: int, member_id: int) -> dict[str, Any]:
    """A shopper's socket joins the room: 403 when banned; the first join counts them as a
    viewer. The ``ready`` frame: the room's figures and what is presented now."""
    async with unit_of_work(ctx.sessionmaker) as session:
        row = await _session(session, session_id)
        if "ban" in await repo.restrictions_of(session, session_id, member_id):
            raise Banned()
        if row.status == "live" and await repo.add_viewer(session, session_id, member_id, utcnow()):
            await repo.add_counts(session, session_id, viewer_total=1)
        explaining = await _explaining(session, row)
    counters = await hub.store.join(session_id, member_id)
    hub.note_moved(session_id)
    return {
        "status": row.status,
        "online": counters.online,
        "viewers": counters.viewers,
        "likes": counters.likes,
        "explaining": explaining,
    }


async def leave(hub: LiveHub, *, session_id: int) -> None:
    await hub.store.leave(session_id)
    hub.note_moved(session_id)


async def _explaining(session: AsyncSession, row: LiveSession) -> dict[str, Any] | None:
    if row.explaining_product_id is None:
        return None
    for item in await shelf(session, row.id):
        if item.product_id == row.explaining_product_id:
            return item.model_dump(mode="json")
    return None


async def claim_coupon(
    session: AsyncSession, *, session_id: int, template_id: int, member_id: int
) -> schemas.LiveClaimResult:
    """直播专享券: a coupon pushed in this session, claimed in the room while it is live."""
    row = await _session(session, session_id)
    if template_id not in await repo.pushed_coupons(session, session_id):
        raise CouponNotPushed(template_id=template_id)
    if row.status != "live":
        raise NotLive()
    report = await promotions.issue(
        session, template_id=template_id, member_ids=[member_id], actor=f"live:{session_id}"
    )
    if member_id not in report.issued:
        code = report.skipped[0]["code"] if report.skipped else ""
        raise CouponUnavailable(reason=code)
    return schemas.LiveClaimResult(template_id=template_id, claimed=True)
