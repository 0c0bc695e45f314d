"""Storefront endpoints of live sessions (tag ``live``): the list (预告 / 直播中 / 回放), a
session with its shelf and player, the latest comments, 订阅提醒, comments and likes over REST
(the socket's fallback), claiming a coupon pushed into the room, and the room's WebSocket
``/live/sessions/{id}/ws`` (``sockets.py``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, WebSocket, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId
from shoplet.modules.members.public import CurrentMember, OptionalMember

from . import service, sockets
from .hub import hub_of
from .schemas import (
    LiveClaimResult,
    LiveComment,
    LiveCommentBody,
    LiveLikeBody,
    LiveLikeResult,
    LiveSessionDetail,
    LiveSessionPage,
    LiveSubscribeBody,
    LiveSubscribed,
)
from .service import recording

router = APIRouter(tags=["live"])

Cursor = Annotated[str | None, Query(max_length=200)]


@router.get("/live/sessions", responses=problem_responses(400))
async def sessions(
    session: DbSession,
    tab: Annotated[Literal["upcoming", "live", "replay"] | None, Query()] = None,
    cursor: Cursor = None,
) -> LiveSessionPage:
    """预告 (upcoming), 直播中 (live) or 回放 (replay) sessions, newest first."""
    return await service.list_sessions(session, tab=tab, cursor=cursor)


@router.get("/live/sessions/{session_id}", responses=problem_responses(404))
async def detail(
    session_id: PathId, session: DbSession, ctx: Ctx, member: OptionalMember, response: Response
) -> LiveSessionDetail:
    """A session: its shelf, the player while live (a signed HLS URL, or the WeChat room), the
    coupons pushed into it and whether the shopper subscribed to its reminder."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.detail(
        session, ctx, session_id=session_id, member_id=member.id if member else None
    )


@router.get("/live/sessions/{session_id}/comments", responses=problem_responses(404))
async def comments(session_id: PathId, session: DbSession, response: Response) -> list[LiveComment]:
    """The latest 50 comments, oldest first (what a viewer sees on joining)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.comments(session, session_id=session_id)


@router.post(
    "/live/sessions/{session_id}/subscription", responses=problem_responses(400, 401, 404, 409)
)
async def subscribe(
    session_id: PathId, body: LiveSubscribeBody, member: CurrentMember, session: DbSession
) -> LiveSubscribed:
    """订阅提醒: remind me when it starts (409 ``live.wrong_status`` once it has started)."""
    return await service.subscribe(
        session, session_id=session_id, member_id=member.id, answers=dict(body.results)
    )


@router.post(
    "/live/sessions/{session_id}/comments",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422, 429),
)
async def comment(
    session_id: PathId, body: LiveCommentBody, member: CurrentMember, ctx: Ctx
) -> LiveComment:
    """Comment (1–100 characters; screened). 422 ``live.comment_invalid`` /
    ``live.comment_blocked``, 429 ``live.rate_limited`` (1 per 3 s, 20 a minute), 403
    ``live.muted`` / ``live.banned``, 409 ``live.not_live``."""
    return await service.post_comment(
        ctx,
        hub_of(ctx),
        service.Commenter(member.id, member.openid),
        session_id=session_id,
        text=body.text,
    )


@router.post("/live/sessions/{session_id}/likes", responses=problem_responses(401, 404, 409, 422))
async def like(
    session_id: PathId, body: LiveLikeBody, member: CurrentMember, session: DbSession, ctx: Ctx
) -> LiveLikeResult:
    """点赞: 1–50 taps at once (counted in batches)."""
    return await service.like(session, hub_of(ctx), session_id=session_id, count=body.count)


@router.post(
    "/live/sessions/{session_id}/coupons/{template_id}/claim",
    responses=problem_responses(401, 404, 409),
)
async def claim_coupon(
    session_id: PathId, template_id: PathId, member: CurrentMember, session: DbSession
) -> LiveClaimResult:
    """直播专享券: claim a coupon pushed in this session while it is live (404
    ``live.coupon_not_pushed``, 409 ``live.coupon_unavailable``)."""
    return await service.claim_coupon(
        session, session_id=session_id, template_id=template_id, member_id=member.id
    )


@router.get(
    "/live/sessions/{session_id}/replay.m3u8",
    response_class=Response,
    responses={
        200: {"content": {recording.PLAYLIST_TYPE: {}}, "description": "HLS VOD playlist"},
        **problem_responses(404),
    },
)
async def replay_playlist(session_id: PathId, session: DbSession, ctx: Ctx) -> Response:
    """回放: the session's recorded replay, an HLS VOD playlist of segments under /media (404
    ``live.replay_not_found`` unless recorded and published)."""
    body = await service.replay_playlist(ctx, session, session_id=session_id)
    return Response(body, media_type=recording.PLAYLIST_TYPE, headers={"Cache-Control": "no-cache"})


@router.websocket("/live/sessions/{session_id}/ws")
async def room_socket(websocket: WebSocket, session_id: int) -> None:
    """The room (frames in ``live/sockets.py``; the first frame authenticates)."""
    await sockets.serve_shopper(websocket, session_id)
